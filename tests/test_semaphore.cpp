// corio::Semaphore and BoundedSemaphore, from asyncio's: acquire takes a
// permit or waits FIFO, release hands permits on, BoundedSemaphore refuses
// over-release with ValueError; a cancelled waiter takes no permit, and a
// permit handed to a waiter cancelled before it ran is passed on.
#include <atomic>
#include <vector>

#include <catch2/catch.hpp>

#include "sync_support.hpp"

using corio_test::k8x;
using corio_test::run_bounded;
using corio_test::until;

namespace {
std::atomic<int> taken{0};

corio::Coro<void> take(corio::Semaphore& s, std::vector<int>& order, corio::Lock& m, int id) {
    co_await s.acquire();
    auto g = co_await m.lock();
    order.push_back(id);
    taken.fetch_add(1);
}
}  // namespace

TEST_CASE("Semaphore: counts permits; locked() when none is free", "[semaphore]") {
    bool ok = run_bounded([]() -> corio::Coro<bool> {
        corio::Semaphore s(2);
        co_await s.acquire();
        bool good = !s.locked();
        co_await s.acquire();
        good = good && s.locked() && !s.try_acquire() && s.value() == 0;
        s.release();
        s.release();
        s.release();  // a plain Semaphore may go above its start
        co_return good && s.value() == 3;
    }());
    REQUIRE(ok);
    REQUIRE_THROWS_AS(corio::Semaphore(-1), corio::ValueError);
}

TEST_CASE("BoundedSemaphore: release past the initial value throws ValueError", "[semaphore]") {
    corio::BoundedSemaphore s(2);
    REQUIRE_THROWS_AS(s.release(), corio::ValueError);
    REQUIRE(s.try_acquire());
    s.release();
    REQUIRE_THROWS_AS(s.release(), corio::ValueError);
    REQUIRE(s.value() == 2);
}

TEST_CASE("Semaphore: waiters are served FIFO; cancelled ones take nothing", "[semaphore][cancel]") {
    std::vector<int> order = run_bounded([]() -> corio::Coro<std::vector<int>> {
        corio::Semaphore s(0);
        corio::Lock m;
        std::vector<int> order;
        std::vector<corio::Task<void>> ts;
        for (int i = 0; i < 6; ++i) {
            ts.push_back(corio::spawn(take(s, order, m, i)));
            co_await until([&] { return s.n_waiting() == std::size_t(i) + 1; });
        }
        ts[1].cancel();
        ts[4].cancel();
        co_await corio_test::was_cancelled(ts[1]);
        co_await corio_test::was_cancelled(ts[4]);
        // One at a time: the grant order is what FIFO promises, not the
        // order in which the woken tasks happen to run.
        taken = 0;
        for (int i = 0; i < 4; ++i) {
            s.release();
            co_await until([&] { return taken.load() == i + 1; });
        }
        for (auto& t : ts) co_await corio_test::was_cancelled(t);
        if (s.value() != 0 || s.n_waiting() != 0) order.push_back(-1);
        co_return order;
    }(), k8x);
    REQUIRE(order == std::vector<int>{0, 2, 3, 5});
}

TEST_CASE("Semaphore: a permit handed to a waiter cancelled before it ran goes to the next", "[semaphore][cancel]") {
    std::vector<int> order = run_bounded([]() -> corio::Coro<std::vector<int>> {
        corio::Semaphore s(0);
        corio::Lock m;
        std::vector<int> order;
        auto a = corio::spawn(take(s, order, m, 1));
        co_await until([&] { return s.n_waiting() == 1; });
        auto b = corio::spawn(take(s, order, m, 2));
        co_await until([&] { return s.n_waiting() == 2; });
        s.release();  // to a, not yet run (one worker)
        a.cancel();
        bool a_cancelled = co_await corio_test::was_cancelled(a);
        co_await b;
        if (!a_cancelled || s.value() != 0) order.push_back(-1);
        co_return order;
    }(), {.workers = 1});
    REQUIRE(order == std::vector<int>{2});
}

namespace {
struct Pool {
    corio::BoundedSemaphore sem{3};
    std::atomic<int> holders{0};
    std::atomic<int> too_many{0};
};
corio::Coro<void> user(Pool& p, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        co_await p.sem.acquire();
        struct Give {
            Pool& p;
            ~Give() {
                p.holders.fetch_sub(1);
                p.sem.release();
            }
        } give{p};
        if (p.holders.fetch_add(1) >= 3) p.too_many.fetch_add(1);
        co_await corio::yield_now();
    }
}
}  // namespace

TEST_CASE("Semaphore: cancellation storm conserves permits", "[semaphore][cancel][stress]") {
    Pool p;
    run_bounded([](Pool& p) -> corio::Coro<void> {
        std::vector<corio::Task<void>> ts;
        for (int i = 0; i < 40; ++i) ts.push_back(corio::spawn(user(p, 300 / corio_test::kScale)));
        corio_test::Rng rng{99};
        for (int k = 0; k < 30; ++k) {
            co_await corio::yield_now();
            ts[rng.below(40)].cancel();
        }
        for (auto& t : ts) co_await corio_test::was_cancelled(t);
    }(p), k8x);
    REQUIRE(p.too_many.load() == 0);
    REQUIRE(p.sem.value() == 3);  // every permit back, none minted (bounded would throw)
    REQUIRE(p.sem.n_waiting() == 0);
}
