// Cancellation, as asyncio: cancel() is a request seen at the task's current
// or next suspension point (a Future, a Task, yield_now), which throws
// CancelledError out of that co_await; it is passed on to what the task
// awaits; a task may catch it and go on; a task cancelled before it starts
// never runs its body; awaiting a cancelled task throws CancelledError.
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::run_bounded;
using corio_test::Tracker;

namespace {

enum class Seen { nothing, value, cancelled, other };

struct Probe {
    std::atomic<int> stage{0};
    std::atomic<Seen> seen{Seen::nothing};
};

// Signals `started`, then awaits `target` (a Future<int>), recording what came out.
corio::Coro<int> wait_future(corio::Future<int> started, corio::Future<int> target, Probe& p) {
    started.set_result(1);
    try {
        int v = co_await target;
        p.seen = Seen::value;
        co_return v;
    } catch (const corio::CancelledError&) {
        p.seen = Seen::cancelled;
        throw;
    }
}

corio::Coro<int> wait_task(corio::Future<int> started, corio::Task<int> target, Probe& p) {
    started.set_result(1);
    try {
        int v = co_await target;
        p.seen = Seen::value;
        co_return v;
    } catch (const corio::CancelledError&) {
        p.seen = Seen::cancelled;
        throw;
    }
}

corio::Coro<int> yield_forever(corio::Future<int> started, Probe& p) {
    started.set_result(1);
    try {
        for (;;) {
            co_await corio::yield_now();
            p.stage.fetch_add(1);
        }
    } catch (const corio::CancelledError&) {
        p.seen = Seen::cancelled;
        throw;
    }
}

template <class T>
corio::Coro<Seen> outcome_of(corio::Task<T> t) {
    try {
        co_await t;
        co_return Seen::value;
    } catch (const corio::CancelledError&) {
        co_return Seen::cancelled;
    } catch (...) {
        co_return Seen::other;
    }
}

}  // namespace

TEST_CASE("cancel() on a task suspended on a Future throws CancelledError there and cancels the Future", "[cancel]") {
    struct Out {
        Probe p;
        Seen awaited = Seen::nothing;
        bool cancel_returned = false, task_cancelled = false, future_cancelled = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> started, target;
        corio::Task<int> t = corio::spawn(wait_future(started, target, o.p));
        co_await started;
        o.cancel_returned = t.cancel();
        o.awaited = co_await outcome_of(t);
        o.task_cancelled = t.cancelled();
        o.future_cancelled = target.cancelled();
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.cancel_returned);
    CHECK(o.p.seen == Seen::cancelled);
    CHECK(o.awaited == Seen::cancelled);
    CHECK(o.task_cancelled);
    CHECK(o.future_cancelled);
}

TEST_CASE("cancel() on a task suspended on a Task cancels the awaited task too", "[cancel]") {
    struct Out {
        Probe inner_p, outer_p;
        Seen outer = Seen::nothing;
        bool inner_cancelled = false, future_cancelled = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> s1, s2, target;
        corio::Task<int> inner = corio::spawn(wait_future(s1, target, o.inner_p));
        co_await s1;
        corio::Task<int> outer = corio::spawn(wait_task(s2, inner, o.outer_p));
        co_await s2;
        outer.cancel();
        o.outer = co_await outcome_of(outer);
        (void)co_await outcome_of(inner);
        o.inner_cancelled = inner.cancelled();
        o.future_cancelled = target.cancelled();
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.outer == Seen::cancelled);
    CHECK(o.outer_p.seen == Seen::cancelled);
    CHECK(o.inner_p.seen == Seen::cancelled);
    CHECK(o.inner_cancelled);
    CHECK(o.future_cancelled);
}

TEST_CASE("cancel() on a task looping on yield_now throws from yield_now", "[cancel]") {
    struct Out {
        Probe p;
        Seen awaited = Seen::nothing;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> started;
        corio::Task<int> t = corio::spawn(yield_forever(started, o.p));
        co_await started;
        t.cancel();
        o.awaited = co_await outcome_of(t);
    };
    for (unsigned w : {1u, 2u}) {
        INFO("workers = " << w);
        Out o;
        run_bounded(main(o), {.workers = w});
        CHECK(o.p.seen == Seen::cancelled);
        CHECK(o.awaited == Seen::cancelled);
    }
}

TEST_CASE("a task may catch CancelledError and go on", "[cancel]") {
    struct Out {
        int result = 0;
        bool cancelled = true;
        int second_catch = 0;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> started, f1, f2, next_wait;
        corio::Task<int> t = corio::spawn([](corio::Future<int> s, corio::Future<int> a, corio::Future<int> b,
                                              corio::Future<int> n, int& second) -> corio::Coro<int> {
            int caught = 0;
            s.set_result(1);
            try {
                co_await a;
            } catch (const corio::CancelledError&) {
                ++caught;
            }
            n.set_result(1);
            // A second cancel() is a second request: delivered again.
            try {
                co_await b;
            } catch (const corio::CancelledError&) {
                ++second;
            }
            co_return 100 + caught;
        }(started, f1, f2, next_wait, o.second_catch));
        co_await started;
        t.cancel();
        co_await next_wait;
        t.cancel();
        o.result = co_await t;
        o.cancelled = t.cancelled();
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.result == 101);
    CHECK(o.second_catch == 1);
    CHECK_FALSE(o.cancelled);
}

TEST_CASE("a task cancelled before it starts never runs its body", "[cancel]") {
    struct Out {
        std::atomic<int> body_ran{0};
        Seen awaited = Seen::nothing;
        bool cancelled = false;
        bool cancel_returned = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        // One worker, and main keeps it busy: the child cannot start before cancel().
        corio::Task<void> t = corio::spawn([](std::atomic<int>& ran) -> corio::Coro<void> {
            ran.fetch_add(1);
            co_return;
        }(o.body_ran));
        o.cancel_returned = t.cancel();
        o.awaited = co_await outcome_of(t);
        o.cancelled = t.cancelled();
    };
    Out o;
    run_bounded(main(o), {.workers = 1});
    CHECK(o.cancel_returned);
    CHECK(o.body_ran == 0);
    CHECK(o.awaited == Seen::cancelled);
    CHECK(o.cancelled);
}

TEST_CASE("a task cancelled before it starts (from a foreign thread, via Runtime::spawn) never runs", "[cancel]") {
    // Main blocks the only worker until the task is cancelled.
    std::atomic<int> ran{0};
    int outcome = corio_test::bounded([&] {
        corio::Runtime rt({.workers = 1});
        corio::Future<int> release;
        corio::Future<int> busy_started;
        corio::Task<int> blocker = rt.spawn([](corio::Future<int> go, corio::Future<int> started) -> corio::Coro<int> {
            started.set_result(1);
            // Spin (not await) so the single worker stays occupied.
            while (!go.done()) std::this_thread::yield();
            co_return 0;
        }(release, busy_started));
        // Wait until the blocker occupies the worker.
        while (!busy_started.done()) std::this_thread::yield();
        corio::Task<void> victim = rt.spawn([](std::atomic<int>& r) -> corio::Coro<void> {
            r.fetch_add(1);
            co_return;
        }(ran));
        victim.cancel();
        release.set_result(1);
        return static_cast<int>(rt.block_on(outcome_of(victim)));
    });
    CHECK(outcome == static_cast<int>(Seen::cancelled));
    CHECK(ran == 0);
}

TEST_CASE("awaiting a cancelled task throws CancelledError; result() and exception() too", "[cancel]") {
    struct Out {
        int awaited = 0, from_result = 0, from_exception = 0;
        std::string message;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> never;
        corio::Task<int> t = corio::spawn(corio_test::wait_on(never));
        t.cancel();
        try {
            co_await t;
        } catch (const corio::CancelledError& e) {
            o.awaited = 1;
            o.message = e.what();
        }
        try {
            (void)t.result();
        } catch (const corio::CancelledError&) {
            o.from_result = 1;
        }
        try {
            (void)t.exception();
        } catch (const corio::CancelledError&) {
            o.from_exception = 1;
        }
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.awaited == 1);
    CHECK(o.from_result == 1);
    CHECK(o.from_exception == 1);
    CHECK_FALSE(o.message.empty());
}

TEST_CASE("catch (const std::exception&) does not swallow a cancellation", "[cancel]") {
    struct Out {
        std::atomic<int> swallowed{0};
        Seen awaited = Seen::nothing;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> started, never;
        corio::Task<int> t = corio::spawn([](corio::Future<int> s, corio::Future<int> n, std::atomic<int>& sw) -> corio::Coro<int> {
            s.set_result(1);
            try {
                co_await n;
            } catch (const std::exception&) {
                sw.fetch_add(1);
            }
            co_return 0;
        }(started, never, o.swallowed));
        co_await started;
        t.cancel();
        o.awaited = co_await outcome_of(t);
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.swallowed == 0);
    CHECK(o.awaited == Seen::cancelled);
}

TEST_CASE("a task that throws CancelledError itself ends cancelled", "[cancel]") {
    auto main = []() -> corio::Coro<int> {
        corio::Task<int> t = corio::spawn([]() -> corio::Coro<int> {
            co_await corio::yield_now();
            throw corio::CancelledError("by hand");
        }());
        Seen s = co_await outcome_of(t);
        co_return (s == Seen::cancelled ? 1 : 0) + (t.cancelled() ? 10 : 0);
    };
    CHECK(run_bounded(main(), {.workers = 2}) == 11);
}

TEST_CASE("cancelling a task unwinds its inline Coro chain down to the awaited Future", "[cancel]") {
    struct Out {
        std::atomic<int> live{0};
        Seen awaited = Seen::nothing;
        bool future_cancelled = false;
    };
    // task -> Coro -> Coro -> Future; each level holds an RAII probe.
    struct Levels {
        static corio::Coro<int> bottom(corio::Future<int> started, corio::Future<int> f, Tracker) {
            started.set_result(1);
            co_return co_await f;
        }
        static corio::Coro<int> middle(corio::Future<int> started, corio::Future<int> f, std::atomic<int>& live) {
            Tracker here(live);
            co_return co_await bottom(started, f, Tracker(live));
        }
        static corio::Coro<int> top(corio::Future<int> started, corio::Future<int> f, std::atomic<int>& live) {
            Tracker here(live);
            co_return co_await middle(started, f, live);
        }
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> started, f;
        corio::Task<int> t = corio::spawn(Levels::top(started, f, o.live));
        co_await started;
        t.cancel();
        o.awaited = co_await outcome_of(t);
        o.future_cancelled = f.cancelled();
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.awaited == Seen::cancelled);
    CHECK(o.future_cancelled);
    CHECK(o.live == 0);
}

TEST_CASE("cancel() from a foreign thread reaches a task waiting on a Future", "[cancel]") {
    struct Out {
        Probe p;
        Seen awaited = Seen::nothing;
    };
    std::thread canceller;
    auto main = [&canceller](Out& o) -> corio::Coro<void> {
        corio::Future<int> started, target;
        corio::Task<int> t = corio::spawn(wait_future(started, target, o.p));
        co_await started;
        canceller = std::thread([t]() mutable { t.cancel(); });
        o.awaited = co_await outcome_of(t);
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    canceller.join();
    CHECK(o.awaited == Seen::cancelled);
    CHECK(o.p.seen == Seen::cancelled);
}

TEST_CASE("cancel() returns false once the task is done", "[cancel]") {
    auto main = []() -> corio::Coro<int> {
        corio::Task<int> t = corio::spawn([]() -> corio::Coro<int> { co_return 3; }());
        int v = co_await t;
        bool c = t.cancel();
        co_return c ? -1 : v + (t.cancelled() ? 100 : 0);
    };
    CHECK(run_bounded(main(), {.workers = 2}) == 3);
}

TEST_CASE("a cancel that arrives while the task runs is thrown at its next suspension point", "[cancel]") {
    // The canceller is a foreign thread: a spinning task must not hold up the
    // worker that the canceller itself would need.
    std::atomic<bool> cancel_sent{false};
    std::atomic<int> after_spin{0};
    int outcome = corio_test::bounded([&] {
        corio::Runtime rt({.workers = 2});
        std::promise<void> started;
        std::future<void> started_f = started.get_future();
        corio::Task<int> t = rt.spawn([](std::promise<void>& s, std::atomic<bool>& sent, std::atomic<int>& after) -> corio::Coro<int> {
            s.set_value();
            // Still running (no suspension) when cancel() comes.
            while (!sent.load()) std::this_thread::yield();
            after = 1;
            co_await corio::yield_now();  // the cancellation comes out here
            after = 2;
            co_return 0;
        }(started, cancel_sent, after_spin));
        corio_test::wait_std(started_f);
        t.cancel();
        cancel_sent = true;
        return static_cast<int>(rt.block_on(outcome_of(t)));
    });
    CHECK(after_spin == 1);
    CHECK(outcome == static_cast<int>(Seen::cancelled));
}
