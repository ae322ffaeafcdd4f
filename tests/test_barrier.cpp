// corio::Barrier, from asyncio.Barrier (3.11): parties tasks meet, each gets
// a distinct index 0..parties-1 (the last arrival parties-1), the barrier is
// reusable; abort() breaks it (BrokenBarrierError now and later), reset()
// fails the waiters and makes it usable again; a waiter cancelled before the
// barrier filled leaves it, so the round still needs `parties` others.
#include <atomic>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "sync_support.hpp"

using corio_test::k8x;
using corio_test::run_bounded;
using corio_test::until;

namespace {
corio::Coro<std::size_t> pass(corio::Barrier& b) { co_return co_await b.wait(); }
corio::Coro<int> rounds(corio::Barrier& b, int n, std::atomic<long>& index_sum) {
    for (int i = 0; i < n; ++i) index_sum.fetch_add(long(co_await b.wait()));
    co_return n;
}
}  // namespace

TEST_CASE("Barrier: parties meet and get distinct arrival indices; it is reusable", "[barrier]") {
    bool ok = run_bounded([]() -> corio::Coro<bool> {
        corio::Barrier b(4);
        bool good = b.parties() == 4 && !b.broken();
        for (int round = 0; round < 3; ++round) {
            std::vector<corio::Task<std::size_t>> ts;
            for (int i = 0; i < 3; ++i) {
                ts.push_back(corio::spawn(pass(b)));
                co_await until([&] { return b.n_waiting() == std::size_t(i) + 1; });
            }
            std::size_t last = co_await b.wait();
            std::set<std::size_t> seen{last};
            for (std::size_t i = 0; i < 3; ++i) {
                std::size_t idx = co_await ts[i];
                good = good && idx == i;  // arrival order
                seen.insert(idx);
            }
            good = good && last == 3 && seen.size() == 4 && b.n_waiting() == 0;
        }
        co_return good;
    }(), k8x);
    REQUIRE(ok);
    REQUIRE_THROWS_AS(corio::Barrier(0), corio::ValueError);
}

TEST_CASE("Barrier: abort breaks it, reset repairs it", "[barrier]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        corio::Barrier b(3);
        int r = 0;
        auto a = corio::spawn(pass(b));
        co_await until([&] { return b.n_waiting() == 1; });
        b.abort();
        try {
            co_await a;
        } catch (const corio::BrokenBarrierError&) {
            r += 1;
        }
        try {
            co_await b.wait();
        } catch (const corio::BrokenBarrierError&) {
            r += 10;
        }
        b.reset();
        auto c = corio::spawn(pass(b));
        co_await until([&] { return b.n_waiting() == 1; });
        b.reset();  // fails the current waiter, stays usable
        try {
            co_await c;
        } catch (const corio::BrokenBarrierError&) {
            r += 100;
        }
        if (!b.broken()) r += 1000;
        co_return r;
    }(), k8x);
    REQUIRE(result == 1111);
}

TEST_CASE("Barrier: a waiter cancelled before the round filled leaves it", "[barrier][cancel]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        corio::Barrier b(2);
        auto a = corio::spawn(pass(b));
        co_await until([&] { return b.n_waiting() == 1; });
        a.cancel();
        bool a_cancelled = co_await corio_test::was_cancelled(a);
        int r = a_cancelled ? 1 : 0;
        r += int(b.n_waiting()) * 10;  // 0: it left
        auto c = corio::spawn(pass(b));
        co_await until([&] { return b.n_waiting() == 1; });
        std::size_t mine = co_await b.wait();
        std::size_t theirs = co_await c;
        r += (mine == 1 && theirs == 0) ? 100 : 0;
        co_return r;
    }(), k8x);
    REQUIRE(result == 101);
}

TEST_CASE("Barrier: many rounds across 8 workers", "[barrier][stress]") {
    std::atomic<long> index_sum{0};
    const int parties = 6, n = 500 / corio_test::kScale;
    run_bounded([](std::atomic<long>& sum, int parties, int n) -> corio::Coro<void> {
        corio::Barrier b{std::size_t(parties)};
        std::vector<corio::Task<int>> ts;
        for (int i = 0; i < parties; ++i) ts.push_back(corio::spawn(rounds(b, n, sum)));
        for (auto& t : ts) co_await t;
    }(index_sum, parties, n), k8x);
    REQUIRE(index_sum.load() == long(n) * (parties * (parties - 1) / 2));
}
