// corio::Event, from asyncio.Event: wait() blocks until set(), set() wakes
// every waiter, later waits return at once until clear(); set from a plain
// thread; a cancelled waiter throws CancelledError and others are unaffected.
#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "sync_support.hpp"

using corio_test::k8x;
using corio_test::run_bounded;
using corio_test::until;

namespace {
corio::Coro<void> wait_and_count(corio::Event& e, std::atomic<int>& woken) {
    co_await e.wait();
    woken.fetch_add(1);
}
}  // namespace

TEST_CASE("Event: set wakes every waiter; set events do not block; clear re-arms", "[event]") {
    bool ok = run_bounded([]() -> corio::Coro<bool> {
        corio::Event e;
        std::atomic<int> woken{0};
        bool good = !e.is_set();
        std::vector<corio::Task<void>> ts;
        for (int i = 0; i < 20; ++i) ts.push_back(corio::spawn(wait_and_count(e, woken)));
        co_await until([&] { return e.n_waiting() == 20; });
        good = good && woken.load() == 0;
        e.set();
        for (auto& t : ts) co_await t;
        good = good && woken.load() == 20 && e.is_set();
        co_await e.wait();  // already set: at once
        e.clear();
        good = good && !e.is_set();
        auto late = corio::spawn(wait_and_count(e, woken));
        co_await until([&] { return e.n_waiting() == 1; });
        e.set();
        co_await late;
        co_return good && woken.load() == 21;
    }(), k8x);
    REQUIRE(ok);
}

TEST_CASE("Event: set from a plain thread wakes waiting tasks", "[event]") {
    corio::Event e;
    std::atomic<int> woken{0};
    corio::Runtime rt({.workers = 2});
    std::vector<corio::Task<void>> ts;
    for (int i = 0; i < 8; ++i) ts.push_back(rt.spawn(wait_and_count(e, woken)));
    corio_test::bounded([&] {
        while (e.n_waiting() != 8) std::this_thread::yield();
        std::thread([&] { e.set(); }).join();
        for (auto& t : ts) rt.block_on([](corio::Task<void> t) -> corio::Coro<void> { co_await t; }(t));
    });
    REQUIRE(woken.load() == 8);
}

TEST_CASE("Event: a cancelled waiter throws CancelledError, the others still wake", "[event][cancel]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        corio::Event e;
        std::atomic<int> woken{0};
        auto a = corio::spawn(wait_and_count(e, woken));
        auto b = corio::spawn(wait_and_count(e, woken));
        co_await until([&] { return e.n_waiting() == 2; });
        a.cancel();
        bool a_cancelled = co_await corio_test::was_cancelled(a);
        int waiting = int(e.n_waiting());
        e.set();
        co_await b;
        co_return (a_cancelled ? 100 : 0) + waiting * 10 + woken.load();
    }(), k8x);
    REQUIRE(result == 111);
}

TEST_CASE("Event: cancellation storm while set/clear flip", "[event][cancel][stress]") {
    std::atomic<int> done{0}, cancelled{0};
    run_bounded([](std::atomic<int>& done, std::atomic<int>& cancelled) -> corio::Coro<void> {
        corio::Event e;
        corio_test::Rng rng{7};
        for (int round = 0; round < 200 / corio_test::kScale; ++round) {
            std::vector<corio::Task<void>> ts;
            for (int i = 0; i < 8; ++i) ts.push_back(corio::spawn(wait_and_count(e, done)));
            co_await corio::yield_now();
            ts[rng.below(8)].cancel();
            ts[rng.below(8)].cancel();
            e.set();
            for (auto& t : ts) cancelled += co_await corio_test::was_cancelled(t);
            e.clear();
        }
    }(done, cancelled), k8x);
    REQUIRE(done.load() + cancelled.load() == 8 * (200 / corio_test::kScale));
}

namespace {
corio::Coro<void> wait_until_cancelled(corio::Event& e, corio::Lock& l, bool on_lock, std::atomic<int>& cancelled) {
    try {
        if (on_lock)
            co_await l.acquire();
        else
            co_await e.wait();
    } catch (const corio::CancelledError&) {
        cancelled.fetch_add(1);
        throw;
    }
}
}  // namespace

TEST_CASE("sync waits nobody will satisfy are cancelled by runtime shutdown", "[event][lock][shutdown]") {
    corio::Event e;
    corio::Lock l;
    REQUIRE(l.try_acquire());  // never released: its waiters can only be cancelled
    std::atomic<int> cancelled{0};
    // Twice: the primitives outlive the first runtime and serve a second one.
    for (int round = 1; round <= 2; ++round) {
        corio_test::bounded([&] {
            corio::Runtime rt({.workers = 2, .shutdown_timeout = std::chrono::seconds(20)});
            for (int i = 0; i < 4; ++i) rt.spawn(wait_until_cancelled(e, l, i % 2 == 1, cancelled));
            while (e.n_waiting() != 2 || l.n_waiting() != 2) std::this_thread::yield();
        });  // ~Runtime: shutdown cancels the four waits
        REQUIRE(cancelled.load() == 4 * round);
    }
    REQUIRE(e.n_waiting() == 0);
    REQUIRE(l.n_waiting() == 0);
}
