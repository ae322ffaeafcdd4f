// corio::Condition, from asyncio.Condition: wait() needs the lock, releases
// it while waiting and holds it again on return (even when cancelled);
// notify(n)/notify_all() wake that many waiters FIFO; wait_for(pred) loops
// until pred holds; no notification is lost, even when a notified waiter is
// cancelled before it runs (it passes the notification on).
#include <atomic>
#include <deque>
#include <vector>

#include <catch2/catch.hpp>

#include "sync_support.hpp"

using corio_test::k8x;
using corio_test::run_bounded;
using corio_test::until;

TEST_CASE("Condition: wait and notify need the lock", "[condition]") {
    corio::Condition c;
    REQUIRE_THROWS_AS(c.notify(), corio::InvalidStateError);
    bool threw = run_bounded([](corio::Condition& c) -> corio::Coro<bool> {
        try {
            co_await c.wait();
        } catch (const corio::InvalidStateError&) {
            co_return true;
        }
        co_return false;
    }(c));
    REQUIRE(threw);
}

namespace {
corio::Coro<void> wait_once(corio::Condition& c, std::atomic<int>& woke, std::atomic<int>& held_after) {
    auto g = co_await c.lock();
    co_await c.wait();
    if (c.locked()) held_after.fetch_add(1);
    woke.fetch_add(1);
}
}  // namespace

TEST_CASE("Condition: notify(n) wakes n waiters, notify_all the rest; the lock is held again", "[condition]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        corio::Condition c;
        std::atomic<int> woke{0}, held{0};
        std::vector<corio::Task<void>> ts;
        for (int i = 0; i < 5; ++i) ts.push_back(corio::spawn(wait_once(c, woke, held)));
        co_await until([&] { return c.n_waiting() == 5; });
        {
            auto g = co_await c.lock();
            c.notify(2);
        }
        co_await until([&] { return woke.load() == 2; });
        int after_two = woke.load() * 100 + int(c.n_waiting()) * 10;
        {
            auto g = co_await c.lock();
            c.notify_all();
        }
        for (auto& t : ts) co_await t;
        co_return after_two + (held.load() == 5 ? 1 : 0) + (woke.load() == 5 ? 1000 : 0);
    }(), k8x);
    REQUIRE(result == 1231);
}

TEST_CASE("Condition: a notified waiter cancelled before it runs passes the notification on", "[condition][cancel]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        corio::Condition c;
        std::atomic<int> woke{0}, held{0};
        auto a = corio::spawn(wait_once(c, woke, held));
        co_await until([&] { return c.n_waiting() == 1; });
        auto b = corio::spawn(wait_once(c, woke, held));
        co_await until([&] { return c.n_waiting() == 2; });
        {
            auto g = co_await c.lock();
            c.notify(1);  // to a, which has not run (one worker)
            a.cancel();
        }
        bool a_cancelled = co_await corio_test::was_cancelled(a);
        co_await b;  // woken by the notification a passed on
        co_return (a_cancelled ? 10 : 0) + woke.load() + (c.locked() ? 100 : 0);
    }(), {.workers = 1});
    REQUIRE(result == 11);
}

namespace {
struct Box {
    corio::Condition cond;
    std::deque<int> items;  // guarded by cond's lock
    long consumed_sum = 0;
    int consumed = 0;
};
corio::Coro<void> producer(Box& b, int from, int n) {
    for (int i = from; i < from + n; ++i) {
        auto g = co_await b.cond.lock();
        b.items.push_back(i);
        b.cond.notify();
    }
}
corio::Coro<void> consumer(Box& b, int n) {
    for (int i = 0; i < n; ++i) {
        auto g = co_await b.cond.lock();
        co_await b.cond.wait_for([&] { return !b.items.empty(); });
        b.consumed_sum += b.items.front();
        b.items.pop_front();
        ++b.consumed;
    }
}
}  // namespace

TEST_CASE("Condition: producers and consumers lose no notification (8 workers)", "[condition][stress]") {
    Box b;
    const int per = 500 / corio_test::kScale, n = 8;
    run_bounded([](Box& b, int per, int n) -> corio::Coro<void> {
        std::vector<corio::Task<void>> ts;
        for (int i = 0; i < n; ++i) ts.push_back(corio::spawn(consumer(b, per)));
        for (int i = 0; i < n; ++i) ts.push_back(corio::spawn(producer(b, i * per, per)));
        for (auto& t : ts) co_await t;
    }(b, per, n), k8x);
    const long total = long(per) * n;
    REQUIRE(b.consumed == total);
    REQUIRE(b.consumed_sum == total * (total - 1) / 2);
}

TEST_CASE("Condition: cancellation storm loses no item and leaves the lock free", "[condition][cancel][stress]") {
    Box b;
    const int per = 300 / corio_test::kScale, n = 8;
    run_bounded([](Box& b, int per, int n) -> corio::Coro<void> {
        std::vector<corio::Task<void>> consumers, producers;
        for (int i = 0; i < n; ++i) consumers.push_back(corio::spawn(consumer(b, per)));
        for (int i = 0; i < n; ++i) producers.push_back(corio::spawn(producer(b, i * per, per)));
        corio_test::Rng rng{5};
        for (int k = 0; k < n / 2; ++k) {
            co_await corio::yield_now();
            consumers[rng.below(unsigned(n))].cancel();
        }
        for (auto& t : producers) co_await t;
        for (auto& t : consumers) co_await corio_test::was_cancelled(t);
        // Drain what the cancelled consumers left: every produced item is either consumed or still here.
        auto g = co_await b.cond.lock();
    }(b, per, n), k8x);
    const long total = long(per) * n;
    long left_sum = 0;
    for (int v : b.items) left_sum += v;
    REQUIRE(b.consumed + long(b.items.size()) == total);
    REQUIRE(b.consumed_sum + left_sum == total * (total - 1) / 2);
    REQUIRE(!b.cond.locked());
}
