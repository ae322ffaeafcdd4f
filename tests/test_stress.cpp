// Races, oversubscribed: 8 workers on a small machine. Spawn/await/cancel/
// complete storms, Futures completed from foreign threads racing with
// cancel, many awaiters of one task, add_done_callback racing completion,
// and runtimes shut down with work in flight. Every case checks exact
// outcomes (sums, counts, each task's fate), not just "no crash".
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::bounded;
using corio_test::kScale;
using corio_test::run_bounded;
using corio_test::Tracker;

using corio_test::fib;

namespace {

const corio::Options k8{.workers = 8};

corio::Coro<long> tree_sum(int depth, long base) {
    if (depth == 0) {
        co_await corio::yield_now();
        co_return base;
    }
    corio::Task<long> l = corio::spawn(tree_sum(depth - 1, base * 2));
    corio::Task<long> r = corio::spawn(tree_sum(depth - 1, base * 2 + 1));
    co_return co_await l + co_await r;
}

enum Fate : int { kValue = 1, kCancelled = 2, kOther = 3 };

template <class T>
corio::Coro<int> fate_of(corio::Task<T> t) {
    try {
        co_await t;
        co_return kValue;
    } catch (const corio::CancelledError&) {
        co_return kCancelled;
    } catch (...) {
        co_return kOther;
    }
}

}  // namespace

TEST_CASE("stress: fork-join fib with 8 workers", "[stress]") {
    for (int i = 0; i < 3; ++i) CHECK(run_bounded(fib(corio_test::kSanitized ? 18 : 22), k8) == (corio_test::kSanitized ? 2584 : 17711));
}

TEST_CASE("stress: spawn trees with stealing and yields", "[stress]") {
    const int depth = corio_test::kSanitized ? 10 : 13;
    const long leaves = 1L << depth;
    // Leaves are base values leaves..2*leaves-1.
    const long expected = (leaves + 2 * leaves - 1) * leaves / 2;
    for (int i = 0; i < 3; ++i) CHECK(run_bounded(tree_sum(depth, 1), k8) == expected);
}

TEST_CASE("stress: tasks awaiting Futures that a foreign thread completes while others cancel them", "[stress][cancel]") {
    const int n = 3000 / kScale;
    struct Out {
        std::vector<int> fates;
        int value_mismatch = 0, set_won = 0, future_cancelled = 0, inconsistent = 0;
    };
    std::vector<corio::Future<int>> futures(n);
    Out o;
    std::thread completer;
    run_bounded(
        [](std::vector<corio::Future<int>>& fs, Out& out, std::thread& comp) -> corio::Coro<void> {
            const int n = static_cast<int>(fs.size());
            std::vector<corio::Task<int>> tasks;
            for (int i = 0; i < n; ++i) tasks.push_back(corio::spawn(corio_test::wait_on(fs[i])));
            // A foreign thread completes every future, racing with the cancels below.
            comp = std::thread([&fs, &out] {
                for (int i = 0; i < static_cast<int>(fs.size()); ++i) {
                    try {
                        fs[i].set_result(i);
                        ++out.set_won;
                    } catch (const corio::InvalidStateError&) {
                        // lost to a cancel that reached the future first
                    }
                }
            });
            // Cancellers: tasks that cancel every other task.
            std::vector<corio::Task<void>> cancellers;
            for (int c = 0; c < 4; ++c)
                cancellers.push_back(corio::spawn([](std::vector<corio::Task<int>>& ts, int c) -> corio::Coro<void> {
                    for (std::size_t i = c; i < ts.size(); i += 8) {
                        ts[i].cancel();
                        if (i % 16 == 0) co_await corio::yield_now();
                    }
                }(tasks, c)));
            for (auto& c : cancellers) co_await c;
            for (int i = 0; i < n; ++i) {
                int f = co_await fate_of(tasks[i]);
                out.fates.push_back(f);
                if (f == kValue && tasks[i].result() != i) ++out.value_mismatch;
                if (!tasks[i].done()) ++out.inconsistent;
                if (f == kCancelled && !tasks[i].cancelled()) ++out.inconsistent;
            }
        }(futures, o, completer),
        k8);
    completer.join();
    int values = 0, cancels = 0, others = 0, uncancelled_without_value = 0;
    for (int i = 0; i < n; ++i) {
        if (o.fates[i] == kValue) ++values;
        if (o.fates[i] == kCancelled) ++cancels;
        if (o.fates[i] == kOther) ++others;
        // Never-cancelled tasks must end with their future's value.
        if (i % 8 >= 4 && o.fates[i] != kValue) ++uncancelled_without_value;
        if (futures[i].cancelled()) ++o.future_cancelled;
    }
    CHECK(others == 0);
    CHECK(uncancelled_without_value == 0);
    CHECK(values + cancels == n);
    CHECK(o.value_mismatch == 0);
    CHECK(o.inconsistent == 0);
    // Each future was completed once: by set_result or by a cancel.
    CHECK(o.set_won + o.future_cancelled == n);
}

TEST_CASE("stress: set_result and cancel race on Futures from foreign threads, exactly one wins", "[stress][future]") {
    const int n = 20000 / kScale;
    std::vector<corio::Future<int>> fs(n);
    std::atomic<int> set_wins{0}, cancel_wins{0}, callbacks{0};
    for (auto& f : fs) f.add_done_callback([&callbacks](corio::Future<int>) { callbacks.fetch_add(1); });
    bounded([&] {
        std::thread setter([&] {
            for (auto& f : fs) {
                try {
                    f.set_result(1);
                    set_wins.fetch_add(1);
                } catch (const corio::InvalidStateError&) {
                }
            }
        });
        std::thread canceller([&] {
            for (auto it = fs.rbegin(); it != fs.rend(); ++it)
                if ((*it).cancel()) cancel_wins.fetch_add(1);
        });
        setter.join();
        canceller.join();
    });
    CHECK(set_wins + cancel_wins == n);
    CHECK(callbacks == n);
    int cancelled = 0;
    for (auto& f : fs) cancelled += f.cancelled();
    CHECK(cancelled == cancel_wins);
}

TEST_CASE("stress: many awaiters of one task, completed from a foreign thread", "[stress]") {
    const int awaiters = 1000 / kScale;
    const int rounds = 10;
    for (int round = 0; round < rounds; ++round) {
        corio::Future<int> gate;
        std::thread completer;
        long sum = run_bounded(
            [](corio::Future<int> g, int awaiters, std::thread& comp) -> corio::Coro<long> {
                corio::Task<int> target = corio::spawn(corio_test::wait_on(g));
                std::vector<corio::Task<int>> ts;
                for (int i = 0; i < awaiters; ++i)
                    ts.push_back(corio::spawn([](corio::Task<int> t) -> corio::Coro<int> { co_return co_await t; }(target)));
                comp = std::thread([g]() mutable { g.set_result(3); });
                long s = 0;
                for (auto& t : ts) s += co_await t;
                co_return s;
            }(gate, awaiters, completer),
            k8);
        completer.join();
        CHECK(sum == 3L * awaiters);
    }
}

TEST_CASE("stress: add_done_callback from many threads races the task's completion", "[stress]") {
    const int per_thread = 2000 / kScale;
    const int threads = 4;
    for (int round = 0; round < 5; ++round) {
        std::atomic<int> calls{0};
        std::atomic<int> saw_not_done{0};
        bounded([&] {
            corio::Runtime rt({.workers = 8});
            corio::Future<int> gate;
            corio::Task<int> t = rt.spawn(corio_test::wait_on(gate));
            std::vector<std::thread> adders;
            for (int a = 0; a < threads; ++a)
                adders.emplace_back([&, t]() mutable {
                    for (int i = 0; i < per_thread; ++i)
                        t.add_done_callback([&](corio::Task<int> self) {
                            if (!self.done()) saw_not_done.fetch_add(1);
                            calls.fetch_add(1);
                        });
                });
            gate.set_result(1);
            for (auto& a : adders) a.join();
            (void)rt.block_on(fate_of(t));
        });
        CHECK(calls == threads * per_thread);
        CHECK(saw_not_done == 0);
    }
}

TEST_CASE("stress: awaiting short tasks the moment they are spawned (join fast path vs thieves)", "[stress]") {
    const int n = 20000 / kScale;
    long sum = run_bounded(
        [](int n) -> corio::Coro<long> {
            std::vector<corio::Task<long>> batch;
            long s = 0;
            for (int i = 0; i < n; ++i) {
                batch.push_back(corio::spawn([](int v) -> corio::Coro<long> { co_return v; }(i)));
                if (batch.size() == 8) {
                    // Awaited in spawn order: the deque's bottom is the last one,
                    // so most joins find their child stolen or not at the bottom.
                    for (auto& t : batch) s += co_await t;
                    batch.clear();
                }
            }
            for (auto& t : batch) s += co_await t;
            co_return s;
        }(n),
        k8);
    CHECK(sum == static_cast<long>(n) * (n - 1) / 2);
}

TEST_CASE("stress: cancel races with tasks that are just finishing", "[stress][cancel]") {
    const int n = 5000 / kScale;
    struct Out {
        int values = 0, cancels = 0, others = 0, wrong = 0;
    };
    Out o = run_bounded(
        [](int n) -> corio::Coro<Out> {
            Out out;
            std::vector<corio::Task<int>> ts;
            for (int i = 0; i < n; ++i)
                ts.push_back(corio::spawn([](int v) -> corio::Coro<int> {
                    if (v % 3 == 0) co_await corio::yield_now();
                    co_return v;
                }(i)));
            // Cancel from another task while they run or finish.
            corio::Task<void> canceller = corio::spawn([](std::vector<corio::Task<int>>& all) -> corio::Coro<void> {
                for (auto& t : all) t.cancel();
                co_return;
            }(ts));
            co_await canceller;
            for (int i = 0; i < n; ++i) {
                int f = co_await fate_of(ts[i]);
                if (f == kValue) {
                    ++out.values;
                    if (ts[i].result() != i) ++out.wrong;
                } else if (f == kCancelled) {
                    ++out.cancels;
                    if (!ts[i].cancelled()) ++out.wrong;
                } else {
                    ++out.others;
                }
            }
            co_return out;
        }(n),
        k8);
    CHECK(o.values + o.cancels == n);
    CHECK(o.others == 0);
    CHECK(o.wrong == 0);
}

TEST_CASE("stress: a task cancelled while its awaited task is being cancelled and its Future completed", "[stress][cancel]") {
    const int n = 2000 / kScale;
    std::vector<corio::Future<int>> fs(n);
    std::thread completer;
    struct Out {
        int outer_value = 0, outer_cancelled = 0, other = 0, inner_value_wrong = 0, untouched_without_value = 0;
    };
    Out o = run_bounded(
        [](std::vector<corio::Future<int>>& fs, std::thread& comp) -> corio::Coro<Out> {
            Out out;
            const int n = static_cast<int>(fs.size());
            std::vector<corio::Task<int>> inner, outer;
            for (int i = 0; i < n; ++i) {
                inner.push_back(corio::spawn(corio_test::wait_on(fs[i])));
                outer.push_back(corio::spawn([](corio::Task<int> t) -> corio::Coro<int> { co_return co_await t; }(inner.back())));
            }
            comp = std::thread([&fs] {
                for (int i = 0; i < static_cast<int>(fs.size()); ++i) {
                    try {
                        fs[i].set_result(i);
                    } catch (const corio::InvalidStateError&) {
                    }
                }
            });
            for (int i = 0; i < n; ++i) {
                if (i % 2) outer[i].cancel();
                if (i % 3 == 0) inner[i].cancel();
                if (i % 64 == 0) co_await corio::yield_now();
            }
            for (int i = 0; i < n; ++i) {
                int f = co_await fate_of(outer[i]);
                if (i % 2 == 0 && i % 3 != 0 && f != kValue) ++out.untouched_without_value;
                if (f == kValue) {
                    ++out.outer_value;
                    if (outer[i].result() != i) ++out.inner_value_wrong;
                } else if (f == kCancelled) {
                    ++out.outer_cancelled;
                } else {
                    ++out.other;
                }
                (void)co_await fate_of(inner[i]);
            }
            co_return out;
        }(fs, completer),
        k8);
    completer.join();
    CHECK(o.other == 0);
    CHECK(o.outer_value + o.outer_cancelled == n);
    CHECK(o.inner_value_wrong == 0);
    // Pairs nobody cancelled (i % 2 == 0 and i % 3 != 0) all end with their value.
    CHECK(o.untouched_without_value == 0);
}

TEST_CASE("stress: runtimes shut down with work in flight, everything unwound", "[stress][shutdown]") {
    std::atomic<int> live{0};
    for (int round = 0; round < 10; ++round) {
        int r = run_bounded(
            [](std::atomic<int>& l) -> corio::Coro<int> {
                corio::Future<int> never;
                for (int i = 0; i < 300 / kScale; ++i) {
                    if (i % 3 == 0)
                        (void)corio::spawn([](Tracker) -> corio::Coro<void> {
                            for (;;) co_await corio::yield_now();
                        }(Tracker(l)));
                    else if (i % 3 == 1)
                        (void)corio::spawn([](corio::Future<int> f, Tracker) -> corio::Coro<int> { co_return co_await f; }(never, Tracker(l)));
                    else
                        (void)corio::spawn([](Tracker) -> corio::Coro<long> { co_return co_await fib(12); }(Tracker(l)));
                }
                co_await corio::yield_now();
                co_return 1;
            }(live),
            k8);
        CHECK(r == 1);
        CHECK(live == 0);
    }
}

TEST_CASE("stress: many tasks yield many times", "[stress]") {
    const int tasks = 200, yields = 200 / kScale;
    long total = run_bounded(
        [](int tasks, int yields) -> corio::Coro<long> {
            std::vector<corio::Task<int>> ts;
            for (int i = 0; i < tasks; ++i)
                ts.push_back(corio::spawn([](int y) -> corio::Coro<int> {
                    int c = 0;
                    for (int j = 0; j < y; ++j) {
                        co_await corio::yield_now();
                        ++c;
                    }
                    co_return c;
                }(yields)));
            long s = 0;
            for (auto& t : ts) s += co_await t;
            co_return s;
        }(tasks, yields),
        k8);
    CHECK(total == static_cast<long>(tasks) * yields);
}
