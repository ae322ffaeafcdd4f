// Task<T>: spawn runs at once; the handle is copyable and awaitable by many;
// done/cancelled/result/exception/add_done_callback; dropping every handle
// detaches (the task still runs); ensure_future of awaitables; spawn sites.
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::run_bounded;
using corio_test::Tracker;

using corio_test::value_of;
using corio_test::fails;
using corio_test::fib;

namespace {

corio::Coro<int> await_future(corio::Future<int> f) { co_return co_await f; }

corio::Coro<int> await_task(corio::Task<int> t) { co_return co_await t; }

}  // namespace

TEST_CASE("spawn starts the task at once, without anyone awaiting it", "[task]") {
    auto main = []() -> corio::Coro<int> {
        corio::Future<int> signal;
        // The task completes `signal`; main waits on the signal, never on the task.
        corio::Task<void> t = corio::spawn([](corio::Future<int> s) -> corio::Coro<void> {
            s.set_result(5);
            co_return;
        }(signal));
        int v = co_await signal;
        co_return v;
    };
    CHECK(run_bounded(main(), {.workers = 2}) == 5);
}

TEST_CASE("a spawned task's result, done, cancelled, exception", "[task]") {
    struct Out {
        bool done_before = true, done_after = false, cancelled = true;
        int value = 0, result = 0;
        bool exception_null = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> gate;
        corio::Task<int> t = corio::spawn(await_future(gate));
        o.done_before = t.done();
        gate.set_result(12);
        o.value = co_await t;
        o.done_after = t.done();
        o.cancelled = t.cancelled();
        o.result = t.result();
        o.exception_null = t.exception() == nullptr;
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK_FALSE(o.done_before);
    CHECK(o.done_after);
    CHECK_FALSE(o.cancelled);
    CHECK(o.value == 12);
    CHECK(o.result == 12);
    CHECK(o.exception_null);
}

TEST_CASE("a failed task: awaiting, result() and exception() all give its exception", "[task]") {
    struct Out {
        std::string awaited, from_result, from_exception;
        bool cancelled = true;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Task<int> t = corio::spawn(fails("task failed"));
        try {
            co_await t;
        } catch (const std::runtime_error& e) {
            o.awaited = e.what();
        }
        try {
            (void)t.result();
        } catch (const std::runtime_error& e) {
            o.from_result = e.what();
        }
        std::exception_ptr ep = t.exception();
        o.from_exception = corio::describe(ep);
        o.cancelled = t.cancelled();
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.awaited == "task failed");
    CHECK(o.from_result == "task failed");
    CHECK(o.from_exception == "task failed");
    CHECK_FALSE(o.cancelled);
}

TEST_CASE("a Task handle is copyable and awaitable by many tasks", "[task]") {
    constexpr int kAwaiters = 64;
    auto main = []() -> corio::Coro<long> {
        corio::Future<int> gate;
        corio::Task<int> target = corio::spawn(await_future(gate));
        corio::Task<int> copy = target;
        bool equal = (copy == target);
        std::vector<corio::Task<int>> awaiters;
        for (int i = 0; i < kAwaiters; ++i) awaiters.push_back(corio::spawn(await_task(copy)));
        gate.set_result(3);
        long sum = 0;
        for (auto& a : awaiters) sum += co_await a;
        // Awaiting the finished task again, many times, gives the same value.
        for (int i = 0; i < 10; ++i) sum += co_await target;
        co_return equal ? sum : -1;
    };
    CHECK(run_bounded(main(), {.workers = 4}) == 3L * (kAwaiters + 10));
}

TEST_CASE("dropping every handle detaches the task: it still runs to completion", "[task]") {
    std::atomic<int> live{0};
    auto main = [](std::atomic<int>& l) -> corio::Coro<int> {
        corio::Future<int> gate, finished;
        {
            // The only handle dies at the end of this scope, before the task can finish.
            corio::Task<void> t = corio::spawn([](corio::Future<int> g, corio::Future<int> f, Tracker) -> corio::Coro<void> {
                int v = co_await g;
                f.set_result(v + 1);
            }(gate, finished, Tracker(l)));
        }
        gate.set_result(41);
        co_return co_await finished;
    };
    CHECK(run_bounded(main(live), {.workers = 2}) == 42);
    CHECK(live == 0);  // the detached task's frame is freed
}

TEST_CASE("add_done_callback runs once after completion, or at once when already done", "[task]") {
    struct Out {
        std::atomic<int> calls{0};
        std::atomic<int> saw_done{0};
        int late_calls_inline = -1;
        std::thread::id late_thread, adder_thread;
    };
    auto main = [](Out& o) -> corio::Coro<int> {
        corio::Future<int> gate;
        corio::Task<int> t = corio::spawn(await_future(gate));
        for (int i = 0; i < 3; ++i)
            t.add_done_callback([&o](corio::Task<int> self) {
                o.calls.fetch_add(1);
                if (self.done() && self.result() == 9) o.saw_done.fetch_add(1);
            });
        gate.set_result(9);
        int v = co_await t;
        // Already done: the callback runs right here, before add_done_callback returns.
        int before = o.calls.load();
        o.adder_thread = std::this_thread::get_id();
        t.add_done_callback([&o](corio::Task<int>) {
            o.calls.fetch_add(1);
            o.late_thread = std::this_thread::get_id();
        });
        o.late_calls_inline = o.calls.load() - before;
        co_return v;
    };
    Out o;
    CHECK(run_bounded(main(o), {.workers = 2}) == 9);
    CHECK(o.calls == 4);
    CHECK(o.saw_done == 3);
    CHECK(o.late_calls_inline == 1);
    CHECK(o.late_thread == o.adder_thread);
}

TEST_CASE("Task<void>, Task<T&> and a move-only result", "[task]") {
    struct Out {
        int side = 0;
        int* ref = nullptr;
        int unique = 0;
        bool second_reader_empty = false;
    };
    static int global_target = 4;
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Task<void> v = corio::spawn([](int& s) -> corio::Coro<void> {
            s = 1;
            co_return;
        }(o.side));
        co_await v;
        corio::Task<int&> r = corio::spawn([]() -> corio::Coro<int&> { co_return global_target; }());
        int& ref = co_await r;
        o.ref = &ref;
        corio::Task<std::unique_ptr<int>> u = corio::spawn([]() -> corio::Coro<std::unique_ptr<int>> {
            co_return std::make_unique<int>(77);
        }());
        std::unique_ptr<int> p = co_await u;
        o.unique = p ? *p : -1;
        std::unique_ptr<int> again = co_await u;  // the first reader took the value
        o.second_reader_empty = (again == nullptr);
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.side == 1);
    CHECK(o.ref == &global_target);
    CHECK(o.unique == 77);
    CHECK(o.second_reader_empty);
}

TEST_CASE("spawn of an awaitable (ensure_future) and of a Task", "[task]") {
    auto main = []() -> corio::Coro<int> {
        corio::Future<int> f;
        corio::Task<int> from_future = corio::spawn(f);  // a task awaiting the future
        corio::Task<int> t = corio::spawn(value_of(2));
        corio::Task<int> same = corio::spawn(t);  // ensure_future(task) is the task
        int ok = (same == t) ? 1 : 0;
        f.set_result(40);
        co_return co_await from_future + co_await same + ok * 1000;
    };
    CHECK(run_bounded(main(), {.workers = 2}) == 1042);
}

TEST_CASE("a task records where it was spawned", "[task]") {
    struct Out {
        unsigned line = 0, expected = 0;
        std::string file;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        o.expected = __LINE__ + 1;
        corio::Task<int> t = corio::spawn(value_of(1));
        o.line = t.spawn_site().line();
        o.file = t.spawn_site().file_name();
        co_await t;
    };
    Out o;
    run_bounded(main(o), {.workers = 1});
    CHECK(o.line == o.expected);
    CHECK_THAT(o.file, Catch::Matchers::EndsWith("test_task.cpp"));
}

TEST_CASE("fork-join fib with spawn gives the right answer at 1, 2 and 8 workers", "[task]") {
    for (unsigned w : {1u, 2u, 8u}) {
        INFO("workers = " << w);
        CHECK(run_bounded(fib(20), {.workers = w}) == 6765);
    }
}

TEST_CASE("create_task is spawn", "[task]") {
    auto main = []() -> corio::Coro<int> {
        corio::Task<int> t = corio::create_task(value_of(8));
        co_return co_await t;
    };
    CHECK(run_bounded(main(), {.workers = 1}) == 8);
}

// The join fast path runs a child that never started inline in its parent;
// callbacks queued before the join must still run when it ends (callback
// nodes hold no reference, so the handle count alone says nothing).
TEST_CASE("callbacks of a task the parent joins inline still run", "[task][callback]") {
    auto main = []() -> corio::Coro<int> {
        int calls = 0;
        corio::Task<int> t = corio::spawn([]() -> corio::Coro<int> { co_return 5; }());
        for (int i = 0; i < 3; ++i) t.add_done_callback([&calls](corio::Task<int>) { ++calls; });
        int v = co_await t;  // one worker: t still sits in the LIFO slot
        co_return calls * 10 + v;
    };
    CHECK(run_bounded(main(), {.workers = 1}) == 35);
}

TEST_CASE("a task one parent joined inline, then woken, is not run inline by a second joiner", "[task][join]") {
    // p1 joins c through the fast path (c runs inside p1's poll) and c
    // suspends. main then cancels c, which wakes it into main's LIFO slot,
    // and joins it too. c has run already: main must wait for it as any
    // joiner does, or it would take over the inline parent p1 still counts
    // on, and p1 would never be resumed.
    auto main = []() -> corio::Coro<bool> {
        corio::Future<int> never, c_started;
        corio::Task<void> c = corio::spawn([](corio::Future<int> f, corio::Future<int> started) -> corio::Coro<void> {
            started.set_result(1);
            (void)co_await f;
        }(never, c_started));
        corio::Task<bool> p1 = corio::spawn([](corio::Task<void> joined) -> corio::Coro<bool> {
            try {
                co_await joined;
            } catch (const corio::CancelledError&) {
                co_return true;
            }
            co_return false;
        }(c));
        (void)co_await c_started;  // p1 ran, joined c inline, and c now waits on `never`
        c.cancel();
        bool c_cancelled = false;
        try {
            co_await c;
        } catch (const corio::CancelledError&) {
            c_cancelled = true;
        }
        // Polled, not wait_for: a p1 that is never resumed cannot be
        // cancelled either, and wait_for would wait for it for ever.
        for (int i = 0; i < 500 && !p1.done(); ++i) co_await corio::sleep(std::chrono::milliseconds(10));
        co_return c_cancelled && p1.done() && p1.result();
    };
    // A lost p1 is leaked at the end: give up on it soon.
    CHECK(run_bounded(main(), {.workers = 1, .shutdown_timeout = std::chrono::seconds(1)}));
}
