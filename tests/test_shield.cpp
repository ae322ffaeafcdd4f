// shield and current_task, as asyncio: cancelling the task that awaits a
// shield throws CancelledError there at once while the shielded work goes
// on; current_task() names the running task (a Coro awaited inline runs in
// its caller's task).
#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::run_bounded;

namespace {
corio::Coro<int> gated(corio::Future<int> gate) { co_return co_await gate; }
}  // namespace

TEST_CASE("shield passes the value through", "[shield]") {
    auto main = []() -> corio::Coro<int> {
        corio::Future<int> gate;
        auto s = corio::shield(gated(gate));
        gate.set_result(9);
        co_return co_await std::move(s);
    };
    CHECK(run_bounded(main(), {.workers = 2}) == 9);
}

TEST_CASE("cancelling the awaiter of a shield leaves the shielded task running", "[shield][cancel]") {
    struct Out {
        bool awaiter_cancelled = false, inner_alive = false, inner_value = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> gate, started;
        corio::Task<int> inner = corio::spawn(gated(gate));
        corio::Task<int> outer = corio::spawn([](corio::Task<int> in, corio::Future<int> s) -> corio::Coro<int> {
            auto sh = corio::shield(in);
            s.set_result(1);
            co_return co_await std::move(sh);
        }(inner, started));
        co_await started;
        outer.cancel();
        try {
            co_await outer;
        } catch (const corio::CancelledError&) {
            o.awaiter_cancelled = true;
        }
        o.inner_alive = !inner.done();
        gate.set_result(5);
        o.inner_value = co_await inner == 5;
    };
    Out o;
    run_bounded(main(o), {.workers = 4});
    CHECK(o.awaiter_cancelled);
    CHECK(o.inner_alive);
    CHECK(o.inner_value);
}

TEST_CASE("stress: shields cancelled at random points with 8 workers", "[shield][stress]") {
    auto main = []() -> corio::Coro<int> {
        int inner_ok = 0;
        for (int round = 0; round < 500 / corio_test::kScale; ++round) {
            corio::Task<int> inner = corio::spawn([]() -> corio::Coro<int> {
                co_await corio::yield_now();
                co_return 1;
            }());
            corio::Task<int> outer = corio::spawn(corio::shield(inner));
            if (round % 2) outer.cancel();
            try {
                co_await outer;
            } catch (const corio::CancelledError&) {
            }
            inner_ok += co_await inner;  // never cancelled through the shield
        }
        co_return inner_ok;
    };
    CHECK(run_bounded(main(), {.workers = 8}) == 500 / corio_test::kScale);
}

TEST_CASE("current_task names the running task, inline coroutines included", "[current_task]") {
    struct Out {
        bool same_inline = false, matches_handle = false, differs = false, cancelled_self = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::TaskRef me = co_await corio::current_task();
        corio::TaskRef inner = co_await []() -> corio::Coro<corio::TaskRef> { co_return co_await corio::current_task(); }();
        o.same_inline = me == inner && me.valid() && !me.done();
        // Into a slot of ours, not the task's own result: a task holding a
        // TaskRef to itself in its result would keep itself alive (a cycle).
        corio::TaskRef other;
        corio::Task<void> t = corio::spawn([](corio::TaskRef& slot) -> corio::Coro<void> {
            slot = co_await corio::current_task();
        }(other));
        co_await t;
        o.matches_handle = other == t;
        o.differs = !(other == me);
        corio::Task<void> selfish = corio::spawn([]() -> corio::Coro<void> {
            (co_await corio::current_task()).cancel();
            co_await corio::yield_now();  // the request is seen here
        }());
        try {
            co_await selfish;
        } catch (const corio::CancelledError&) {
            o.cancelled_self = true;
        }
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.same_inline);
    CHECK(o.matches_handle);
    CHECK(o.differs);
    CHECK(o.cancelled_self);
}
