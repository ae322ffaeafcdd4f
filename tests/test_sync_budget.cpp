// sync/ awaits and the cooperative budget. An await on a primitive that is
// ready at once spends a unit of the task's budget, as awaiting a done Task
// or Future does; once it is spent the task goes behind the others before
// it tries (Tokio's coop budget), so it never yields holding a Lock, a
// permit or an item. Most cases run on one worker, where the order of turns
// is fixed and a task that yielded is surely still in the yield queue when
// the others look.
#include <atomic>
#include <vector>

#include <catch2/catch.hpp>

#include "sync_support.hpp"

using corio_test::run_bounded;

namespace {

const corio::Options kOneWorker{.workers = 1};

// Acquires and releases `lock` `n` times; `done` is set at the end.
corio::Coro<void> cycle_lock(corio::Lock& lock, int n, bool& done) {
    for (int i = 0; i < n; ++i) auto guard = co_await lock.lock();
    done = true;
}

corio::Coro<void> cycle_semaphore(corio::Semaphore& sem, int n, bool& done) {
    for (int i = 0; i < n; ++i) {
        co_await sem.acquire();
        sem.release();
    }
    done = true;
}

corio::Coro<void> drain(corio::Queue<int>& q, int n, int& got) {
    for (int i = 0; i < n; ++i) {
        co_await q.get();
        ++got;
    }
}

}  // namespace

TEST_CASE("sync awaits that are ready at once spend the budget: a loop on a set Event or a free Lock lets its worker's other tasks run",
          "[budget][event][lock]") {
    // Without the budget the spawned task would run only after the whole loop.
    const bool on_lock = GENERATE(false, true);
    CAPTURE(on_lock);
    constexpr int kLoops = 1'000'000;
    const int turns = run_bounded(
        [](bool use_lock) -> corio::Coro<int> {
            corio::Event event;
            event.set();
            corio::Lock lock;
            bool other_ran = false;
            auto other = corio::spawn([](bool& ran) -> corio::Coro<void> {
                ran = true;
                co_return;
            }(other_ran));
            int n = 0;
            while (!other_ran && n < kLoops) {
                if (use_lock) {
                    auto guard = co_await lock.lock();
                } else {
                    co_await event.wait();
                }
                ++n;
            }
            co_await other;
            co_return n;
        }(on_lock),
        kOneWorker);
    CHECK(turns < 1000);  // the budget is 128 awaits per turn
}

TEST_CASE("a task that spends its budget on a free Lock or Semaphore yields before taking it: the others never find it held",
          "[budget][lock][semaphore]") {
    const bool on_semaphore = GENERATE(false, true);
    CAPTURE(on_semaphore);
    struct Seen {
        int turns = 0;
        int held = 0;
    };
    const Seen seen = run_bounded(
        [](bool use_semaphore) -> corio::Coro<Seen> {
            corio::Lock lock;
            corio::Semaphore sem(1);
            bool done = false;
            auto looper = corio::spawn(use_semaphore ? cycle_semaphore(sem, 20'000, done) : cycle_lock(lock, 20'000, done));
            Seen s;
            // Each of our turns comes while the looper sits in the yield
            // queue for its spent budget.
            while (!done) {
                ++s.turns;
                s.held += use_semaphore ? sem.locked() : lock.locked();
                co_await corio::yield_now();
            }
            co_await looper;
            co_return s;
        }(on_semaphore),
        kOneWorker);
    CHECK(seen.turns > 100);  // 20,000 acquires at 128 a turn: the looper did yield
    CHECK(seen.held == 0);
}

TEST_CASE("a Queue get that spends the budget yields before taking: no item sits in a yielded task's hands",
          "[budget][queue]") {
    constexpr int kItems = 20'000;
    const int lost_sight = run_bounded(
        []() -> corio::Coro<int> {
            corio::Queue<int> q;
            for (int i = 0; i < kItems; ++i) q.put_nowait(i);
            int got = 0;
            auto consumer = corio::spawn(drain(q, kItems, got));
            int missing = 0;
            while (got < kItems) {
                // Every item is either still queued or counted as got.
                missing += static_cast<int>(kItems - got - static_cast<int>(q.qsize())) != 0;
                co_await corio::yield_now();
            }
            co_await consumer;
            co_return missing;
        }(),
        kOneWorker);
    CHECK(lost_sight == 0);
}

TEST_CASE("a task cancelled while it yields for its budget throws CancelledError from the await and has taken nothing",
          "[budget][cancel][lock][queue]") {
    // What this guards is the cancel's hand-off to the retry: a retry that
    // missed it would take the lock or the item and never throw (the test
    // then fails or times out). The state checked after would look the same
    // had the task taken first and given back.
    const bool on_queue = GENERATE(false, true);
    CAPTURE(on_queue);
    run_bounded(
        [](bool use_queue) -> corio::Coro<void> {
            corio::Lock lock;
            corio::Queue<int> q;
            constexpr int kItems = 1'000;
            for (int i = 0; i < kItems; ++i) q.put_nowait(i);
            int got = 0;
            bool done = false;
            // Endless on the lock; the queue holds more items than its budget.
            auto looper = corio::spawn(use_queue ? drain(q, kItems, got) : cycle_lock(lock, 1 << 30, done));
            co_await corio::yield_now();  // the looper runs until its budget is spent
            REQUIRE(got < kItems);
            looper.cancel();
            const bool cancelled = co_await corio_test::was_cancelled(looper);
            CHECK(cancelled);
            CHECK(!lock.locked());
            CHECK(lock.n_waiting() == 0);
            CHECK(got + static_cast<int>(q.qsize()) == kItems);
            // Both still serve the next task.
            auto guard = co_await lock.lock();
            const int next = co_await q.get();
            CHECK(next == got);
        }(on_queue),
        kOneWorker);
}

TEST_CASE("runtime shutdown ends a task that yields for its budget on a Lock", "[budget][lock][shutdown]") {
    // Shutdown's cancel must reach the retry, or the looper runs for ever.
    corio::Lock lock;
    bool done = false;
    std::atomic<bool> cancelled{false};
    corio_test::bounded([&] {
        corio::Runtime rt(kOneWorker);
        rt.spawn([](corio::Lock& l, bool& d, std::atomic<bool>& c) -> corio::Coro<void> {
            try {
                co_await cycle_lock(l, 1 << 30, d);
            } catch (const corio::CancelledError&) {
                c = true;
                throw;
            }
        }(lock, done, cancelled));
        // The looper never suspends but for its budget: wait until it has
        // yielded at least once, then let ~Runtime cancel it.
        rt.block_on([]() -> corio::Coro<void> { co_await corio::yield_now(); }());
    });
    CHECK(cancelled.load());
    CHECK(!done);
    CHECK(!lock.locked());
}

TEST_CASE("budget yields race cancels: Lock, Semaphore and Queue under 8 workers on 2 cores lose nothing",
          "[budget][cancel][stress]") {
    // Few waits, many ready awaits: most tasks spend their budget and yield
    // with a retry pending while a canceller picks victims at random.
    struct Shared {
        corio::Lock lock;
        corio::Semaphore sem{2};
        corio::Queue<int> q;
        long under_lock = 0;
        std::atomic<long> entered{0};
        std::atomic<long> items_got{0};
        std::atomic<int> in_sem{0};
        std::atomic<int> sem_over{0};
    };
    constexpr int kTasks = 24;
    const int rounds = 3'000 / corio_test::kScale;
    Shared s;
    for (int i = 0; i < kTasks * rounds; ++i) s.q.put_nowait(i);
    int cancelled = 0;
    run_bounded(
        [](Shared& s, int rounds, int& cancelled) -> corio::Coro<void> {
            auto body = [](Shared& s, int rounds, int kind) -> corio::Coro<void> {
                for (int i = 0; i < rounds; ++i) {
                    if (kind == 0) {
                        auto guard = co_await s.lock.lock();
                        s.entered.fetch_add(1, std::memory_order_relaxed);
                        ++s.under_lock;
                    } else if (kind == 1) {
                        co_await s.sem.acquire();
                        if (s.in_sem.fetch_add(1) >= 2) s.sem_over.fetch_add(1);
                        s.in_sem.fetch_sub(1);
                        s.sem.release();
                    } else {
                        co_await s.q.get();
                        s.items_got.fetch_add(1, std::memory_order_relaxed);
                    }
                }
            };
            std::vector<corio::Task<void>> ts;
            for (int i = 0; i < kTasks; ++i) ts.push_back(corio::spawn(body(s, rounds, i % 3)));
            corio_test::Rng rng{2026};
            for (int k = 0; k < kTasks / 2; ++k) {
                co_await corio::yield_now();
                ts[rng.below(unsigned(kTasks))].cancel();
            }
            for (auto& t : ts) cancelled += co_await corio_test::was_cancelled(t);
        }(s, rounds, cancelled),
        corio_test::k8x);
    INFO("cancelled tasks: " << cancelled);
    CHECK(s.under_lock == s.entered.load());
    CHECK(!s.lock.locked());
    CHECK(s.lock.n_waiting() == 0);
    CHECK(s.sem_over.load() == 0);
    CHECK(s.sem.value() == 2);
    CHECK(s.items_got.load() + static_cast<long>(s.q.qsize()) == long(kTasks) * rounds);
}

TEST_CASE("a Barrier arrival that spends the budget gets its index from the retry's try", "[budget][barrier]") {
    // Two parties on one worker. Before each of its arrivals main makes r
    // ready awaits (r = 0, 1, 2, ...), so across the rounds some of its
    // arrivals, as the round's last, come with the budget spent and go
    // through the retry. Each round must hand out indices 0 and 1.
    constexpr int kRounds = 300;
    struct Indices {
        std::vector<std::size_t> mine, theirs;
    };
    const Indices got = run_bounded(
        []() -> corio::Coro<Indices> {
            corio::Barrier barrier(2);
            corio::Event ready;
            ready.set();
            Indices ix;
            auto other = corio::spawn([](corio::Barrier& b, std::vector<std::size_t>& out) -> corio::Coro<void> {
                for (int r = 0; r < kRounds; ++r) out.push_back(co_await b.wait());
            }(barrier, ix.theirs));
            for (int r = 0; r < kRounds; ++r) {
                for (int i = 0; i < r; ++i) co_await ready.wait();
                ix.mine.push_back(co_await barrier.wait());
            }
            co_await other;
            co_return ix;
        }(),
        kOneWorker);
    REQUIRE(got.mine.size() == std::size_t(kRounds));
    REQUIRE(got.theirs.size() == std::size_t(kRounds));
    int wrong = 0;
    for (int r = 0; r < kRounds; ++r) wrong += got.mine[r] + got.theirs[r] != 1;
    CHECK(wrong == 0);
}

TEST_CASE("Condition.wait never yields for the budget: the user's lock is released as the waiter queues",
          "[budget][condition]") {
    // The waiter makes 100..139 ready awaits before each wait, so some of
    // its waits start with the budget spent. Were the wait to yield first,
    // the observer would find the waiter in wait() with the lock still
    // held and nobody queued.
    constexpr int kRounds = 200;
    const int held_while_waiting = run_bounded(
        []() -> corio::Coro<int> {
            corio::Condition cond;
            corio::Event ready;
            ready.set();
            bool in_wait = false;
            bool done = false;
            auto waiter = corio::spawn([](corio::Condition& c, corio::Event& ev, bool& in_wait, bool& done) -> corio::Coro<void> {
                auto guard = co_await c.lock();
                for (int r = 0; r < kRounds; ++r) {
                    for (int i = 0; i < 100 + r % 40; ++i) co_await ev.wait();
                    in_wait = true;
                    co_await c.wait();
                    in_wait = false;
                }
                done = true;
            }(cond, ready, in_wait, done));
            int held = 0;
            while (!done) {
                co_await corio::yield_now();
                held += in_wait && cond.locked() && cond.n_waiting() == 0;
                if (cond.n_waiting() > 0) {
                    auto guard = co_await cond.lock();
                    cond.notify();
                }
            }
            co_await waiter;
            co_return held;
        }(),
        kOneWorker);
    CHECK(held_while_waiting == 0);
}

TEST_CASE("budget retries that must queue race cancels: a Lock held across yields, 8 workers on 2 cores",
          "[budget][cancel][lock][stress]") {
    // Each task spends most of its budget on ready Event waits before each
    // acquire, so the acquire often comes through a retry; the holder keeps
    // the lock across a yield every third round, so many retries find it
    // taken and queue. A canceller cancels tasks throughout.
    constexpr int kTasks = 16;
    const int rounds = 400 / corio_test::kScale;
    struct Shared {
        corio::Lock lock;
        corio::Event ready;
        long under_lock = 0;
        std::atomic<long> entered{0};
        std::atomic<int> inside{0};
        std::atomic<int> overlaps{0};
    } s;
    s.ready.set();
    int cancelled = 0;
    run_bounded(
        [](Shared& s, int rounds, int& cancelled) -> corio::Coro<void> {
            auto body = [](Shared& s, int rounds, int seed) -> corio::Coro<void> {
                for (int r = 0; r < rounds; ++r) {
                    for (int i = 0; i < 120 + (seed + r) % 16; ++i) co_await s.ready.wait();
                    auto guard = co_await s.lock.lock();
                    if (s.inside.fetch_add(1) != 0) s.overlaps.fetch_add(1);
                    // Left before the guard releases, even when the yield throws.
                    struct Leave {
                        std::atomic<int>& inside;
                        ~Leave() { inside.fetch_sub(1); }
                    } leave{s.inside};
                    s.entered.fetch_add(1, std::memory_order_relaxed);
                    ++s.under_lock;
                    if (r % 3 == 0) co_await corio::yield_now();
                }
            };
            std::vector<corio::Task<void>> ts;
            for (int i = 0; i < kTasks; ++i) ts.push_back(corio::spawn(body(s, rounds, i)));
            // Half the tasks, cancelled one by one as the run goes on.
            const long total = long(kTasks) * rounds;
            for (int k = 0; k < kTasks / 2; ++k) {
                co_await corio_test::until([&] { return s.entered.load() >= total * (k + 1) / (kTasks + 2); });
                ts[2 * k].cancel();
            }
            for (auto& t : ts) cancelled += co_await corio_test::was_cancelled(t);
        }(s, rounds, cancelled),
        corio_test::k8x);
    INFO("cancelled tasks: " << cancelled);
    CHECK(s.overlaps.load() == 0);
    CHECK(s.under_lock == s.entered.load());
    CHECK(!s.lock.locked());
    CHECK(s.lock.n_waiting() == 0);
}
