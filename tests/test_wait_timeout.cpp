// wait(tasks, when, timeout): asyncio.wait's timeout. On the deadline it
// returns done and pending without raising or cancelling; before it, the
// mode's condition ends the wait as usual. (Assertions run on the Catch2
// thread: the coroutines only record what they see.)
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace std::chrono_literals;

using corio_test::value_of;
using corio_test::wait_on;

namespace {

struct Seen {
    std::size_t done = 0, pending = 0;
    bool pending_was_done = true;
    int late_value = 0;
    std::chrono::steady_clock::duration took{};
};

}  // namespace

TEST_CASE("wait with a timeout returns done and pending when the deadline passes", "[wait][timers]") {
    Seen seen;
    corio_test::bounded([&] {
        corio::run([](Seen& seen) -> corio::Coro<void> {
            corio::Future<int> never;
            std::vector<corio::Task<int>> ts{corio::spawn(value_of(1)), corio::spawn(wait_on(never))};
            auto start = std::chrono::steady_clock::now();
            auto r = co_await corio::wait(ts, 30ms);
            seen.took = std::chrono::steady_clock::now() - start;
            seen.done = r.done.size();
            seen.pending = r.pending.size();
            seen.pending_was_done = r.pending.empty() || r.pending[0].done();
            never.set_result(2);
            if (!r.pending.empty()) seen.late_value = co_await r.pending[0];  // not cancelled: still runs
        }(seen), corio::Options{.workers = 2});
    });
    CHECK(seen.took >= 30ms);
    CHECK(seen.done == 1);
    CHECK(seen.pending == 1);
    CHECK_FALSE(seen.pending_was_done);
    CHECK(seen.late_value == 2);
}

TEST_CASE("wait with a timeout ends at the mode's condition before the deadline", "[wait][timers]") {
    Seen seen;
    corio_test::bounded([&] {
        corio::run([](Seen& seen) -> corio::Coro<void> {
            corio::Future<int> never;
            std::vector<corio::Task<int>> ts{corio::spawn(value_of(1)), corio::spawn(wait_on(never))};
            auto start = std::chrono::steady_clock::now();
            auto r = co_await corio::wait(ts, corio::ReturnWhen::FIRST_COMPLETED, 10s);
            seen.took = std::chrono::steady_clock::now() - start;
            seen.done = r.done.size();
            seen.pending = r.pending.size();
            never.set_result(0);
            co_await ts[1];  // `never` lives in this frame: let its waiter finish first
        }(seen), corio::Options{.workers = 2});
    });
    CHECK(seen.took < 5s);
    CHECK(seen.done == 1);
    CHECK(seen.pending == 1);
}

TEST_CASE("wait with a timeout: cancelling the caller leaves the tasks alone", "[wait][timers]") {
    bool waiter_cancelled = false, child_done_early = true;
    corio_test::bounded([&] {
        corio::run([](bool& waiter_cancelled, bool& child_done_early) -> corio::Coro<void> {
            corio::Future<int> gate;
            std::vector<corio::Task<int>> ts{corio::spawn(wait_on(gate))};
            auto waiter = corio::spawn(corio::wait(ts, 10s));
            co_await corio::sleep(5ms);
            waiter.cancel();
            try {
                co_await waiter;
            } catch (const corio::CancelledError&) {
                waiter_cancelled = true;
            }
            child_done_early = ts[0].done();
            gate.set_result(1);
            co_await ts[0];
        }(waiter_cancelled, child_done_early), corio::Options{.workers = 2});
    });
    CHECK(waiter_cancelled);
    CHECK_FALSE(child_done_early);
}

TEST_CASE("wait with a timeout of an empty set is a clear error", "[wait][timers]") {
    corio_test::bounded([] {
        CHECK_THROWS_AS(corio::run([]() -> corio::Coro<void> {
            co_await corio::wait(std::vector<corio::Task<int>>{}, 1ms);
        }()), corio::InvalidStateError);
    });
}
