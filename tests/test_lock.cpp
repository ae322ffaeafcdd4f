// corio::Lock, from asyncio.Lock's documented behaviour: mutual exclusion,
// FIFO hand-over, release of an unlocked lock is an error, and cancellation
// safety (a cancelled waiter takes nothing; one cancelled after the lock was
// handed to it passes it on), under 8 workers on 2 cores.
#include <atomic>
#include <vector>

#include <catch2/catch.hpp>

#include "sync_support.hpp"

using corio_test::k8x;
using corio_test::run_bounded;
using corio_test::until;

namespace {

corio::Coro<void> take_and_record(corio::Lock& lock, std::vector<int>& order, int id) {
    auto guard = co_await lock.lock();
    order.push_back(id);  // under the lock
}

}  // namespace

TEST_CASE("Lock: acquire, release, locked, guard", "[lock]") {
    bool ok = run_bounded([]() -> corio::Coro<bool> {
        corio::Lock lock;
        bool good = !lock.locked();
        co_await lock.acquire();
        good = good && lock.locked() && !lock.try_acquire();
        lock.release();
        good = good && !lock.locked();
        {
            auto g = co_await lock.lock();
            good = good && g.owns_lock() && lock.locked();
        }
        good = good && !lock.locked();
        co_return good;
    }());
    REQUIRE(ok);
}

TEST_CASE("Lock: releasing an unlocked lock throws InvalidStateError", "[lock]") {
    corio::Lock lock;
    REQUIRE_THROWS_AS(lock.release(), corio::InvalidStateError);
    REQUIRE(lock.try_acquire());
    lock.release();
    REQUIRE_THROWS_AS(lock.release(), corio::InvalidStateError);
}

TEST_CASE("Lock: waiters get the lock first come first served", "[lock]") {
    std::vector<int> order = run_bounded([]() -> corio::Coro<std::vector<int>> {
        corio::Lock lock;
        std::vector<int> order;
        co_await lock.acquire();
        std::vector<corio::Task<void>> tasks;
        for (int i = 0; i < 16; ++i) {
            tasks.push_back(corio::spawn(take_and_record(lock, order, i)));
            co_await until([&] { return lock.n_waiting() == std::size_t(i) + 1; });
        }
        lock.release();
        for (auto& t : tasks) co_await t;
        co_return order;
    }(), k8x);
    std::vector<int> expected;
    for (int i = 0; i < 16; ++i) expected.push_back(i);
    REQUIRE(order == expected);
}

TEST_CASE("Lock: a waiter cancelled while queued leaves the queue and takes nothing", "[lock][cancel]") {
    std::vector<int> order = run_bounded([]() -> corio::Coro<std::vector<int>> {
        corio::Lock lock;
        std::vector<int> order;
        co_await lock.acquire();
        auto a = corio::spawn(take_and_record(lock, order, 1));
        co_await until([&] { return lock.n_waiting() == 1; });
        auto b = corio::spawn(take_and_record(lock, order, 2));
        co_await until([&] { return lock.n_waiting() == 2; });
        a.cancel();
        bool a_cancelled = co_await corio_test::was_cancelled(a);
        if (!a_cancelled || lock.n_waiting() != 1) order.push_back(-1);
        lock.release();
        co_await b;
        if (lock.locked()) order.push_back(-2);
        co_return order;
    }(), k8x);
    REQUIRE(order == std::vector<int>{2});
}

TEST_CASE("Lock: a waiter cancelled after the lock was handed to it passes it on", "[lock][cancel]") {
    // One worker: release() hands the lock to `a` and makes it runnable, and
    // cancel() reaches it before it runs (asyncio's case: the lock must go to
    // the next waiter, not be lost).
    std::vector<int> order = run_bounded([]() -> corio::Coro<std::vector<int>> {
        corio::Lock lock;
        std::vector<int> order;
        co_await lock.acquire();
        auto a = corio::spawn(take_and_record(lock, order, 1));
        co_await until([&] { return lock.n_waiting() == 1; });
        auto b = corio::spawn(take_and_record(lock, order, 2));
        co_await until([&] { return lock.n_waiting() == 2; });
        lock.release();  // granted to a, which has not run yet
        a.cancel();
        bool a_cancelled = co_await corio_test::was_cancelled(a);
        co_await b;
        if (!a_cancelled) order.push_back(-1);
        if (lock.locked()) order.push_back(-2);
        co_return order;
    }(), {.workers = 1});
    REQUIRE(order == std::vector<int>{2});
}

namespace {

struct Shared {
    corio::Lock lock;
    long counter = 0;  // plain: the lock guards it
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::atomic<long> entered{0};
};

corio::Coro<void> worker(Shared& s, int rounds, bool yield_inside) {
    for (int i = 0; i < rounds; ++i) {
        auto g = co_await s.lock.lock();
        struct Inside {  // leaves even when a cancellation unwinds through the yield
            std::atomic<int>& n;
            ~Inside() { n.fetch_sub(1); }
        } inside{s.inside};
        if (s.inside.fetch_add(1) != 0) s.overlaps.fetch_add(1);
        ++s.counter;
        s.entered.fetch_add(1);
        if (yield_inside && (i & 3) == 0) co_await corio::yield_now();
    }
}

}  // namespace

TEST_CASE("Lock: mutual exclusion under 8 workers on 2 cores", "[lock][stress]") {
    Shared s;
    const int tasks = 32, rounds = 2000 / corio_test::kScale;
    run_bounded([](Shared& s, int tasks, int rounds) -> corio::Coro<void> {
        std::vector<corio::Task<void>> ts;
        for (int i = 0; i < tasks; ++i) ts.push_back(corio::spawn(worker(s, rounds, i % 2 == 0)));
        for (auto& t : ts) co_await t;
    }(s, tasks, rounds), k8x);
    REQUIRE(s.overlaps.load() == 0);
    REQUIRE(s.counter == long(tasks) * rounds);
    REQUIRE(!s.lock.locked());
}

TEST_CASE("Lock: cancellation storm loses no lock and breaks no exclusion", "[lock][cancel][stress]") {
    Shared s;
    int cancelled = 0;
    const int tasks = 48, rounds = 400 / corio_test::kScale;
    run_bounded([](Shared& s, int tasks, int rounds, int& cancelled) -> corio::Coro<void> {
        std::vector<corio::Task<void>> ts;
        for (int i = 0; i < tasks; ++i) ts.push_back(corio::spawn(worker(s, rounds, true)));
        corio_test::Rng rng{12345};
        for (int k = 0; k < tasks / 2; ++k) {
            co_await corio::yield_now();
            ts[rng.below(unsigned(tasks))].cancel();
        }
        for (auto& t : ts) cancelled += co_await corio_test::was_cancelled(t);
        // Whoever is left: the lock must still be usable, and free.
        auto g = co_await s.lock.lock();
    }(s, tasks, rounds, cancelled), k8x);
    INFO("cancelled tasks: " << cancelled);
    REQUIRE(s.overlaps.load() == 0);
    REQUIRE(s.counter == s.entered.load());
    REQUIRE(!s.lock.locked());
    REQUIRE(s.lock.n_waiting() == 0);
}
