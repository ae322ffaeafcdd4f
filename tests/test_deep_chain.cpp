// Built at -O0 (tests/meson.build: corio_unit_tests_O0): without the
// optimiser's tail calls, each symmetric transfer may nest a native frame, so
// long runs of awaits that complete at once would overflow the worker's stack
// unless the transfer's stack-depth guard (corio/detail/scheduler.hpp)
// trampolines them. Each case runs a million-odd such hops; a regression
// shows up as a crash (SIGSEGV), not a wrong number.
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::run_bounded;

namespace {

constexpr long kLoop = 1'000'000;

corio::Coro<int> one() { co_return 1; }

corio::Coro<void> nothing() { co_return; }

corio::Coro<long> nested(int depth) {
    if (depth == 0) co_return 0;
    co_return 1 + co_await nested(depth - 1);
}

corio::Coro<long> spawn_nested(int depth) {
    if (depth == 0) co_return 0;
    corio::Task<long> child = corio::spawn(spawn_nested(depth - 1));
    co_return 1 + co_await child;  // the join fast path runs the child inline
}

corio::Coro<long> loop_of_sync_coros(long n) {
    long sum = 0;
    for (long i = 0; i < n; ++i) {
        sum += co_await one();
        co_await nothing();
    }
    co_return sum;
}

}  // namespace

TEST_CASE("deep: a loop of one million co_awaits of Coros that complete synchronously", "[deep]") {
    for (unsigned w : {1u, 2u}) {
        INFO("workers = " << w);
        CHECK(run_bounded(loop_of_sync_coros(kLoop), {.workers = w}) == kLoop);
    }
}

TEST_CASE("deep: a loop awaiting already-finished Tasks and Futures", "[deep]") {
    auto main = []() -> corio::Coro<long> {
        corio::Task<int> t = corio::spawn(one());
        (void)co_await t;  // now finished
        corio::Future<int> f;
        f.set_result(2);
        long sum = 0;
        for (long i = 0; i < kLoop; ++i) sum += co_await t;
        for (long i = 0; i < kLoop; ++i) sum += co_await f;
        co_return sum;
    };
    CHECK(run_bounded(main(), {.workers = 2}) == 3 * kLoop);
}

TEST_CASE("deep: a loop spawning a child and awaiting it at once (join fast path)", "[deep]") {
    auto main = []() -> corio::Coro<long> {
        long sum = 0;
        for (long i = 0; i < kLoop / 4; ++i) {
            corio::Task<int> t = corio::spawn(one());
            sum += co_await t;
        }
        co_return sum;
    };
    CHECK(run_bounded(main(), {.workers = 1}) == kLoop / 4);
    CHECK(run_bounded(main(), {.workers = 2}) == kLoop / 4);
}

TEST_CASE("deep: 100k nested inline awaits", "[deep]") {
    CHECK(run_bounded(nested(100'000), {.workers = 1}) == 100'000);
}

TEST_CASE("deep: 100k nested spawn-and-await tasks", "[deep]") {
    CHECK(run_bounded(spawn_nested(100'000), {.workers = 1}) == 100'000);
    CHECK(run_bounded(spawn_nested(100'000 / corio_test::kScale), {.workers = 2}) == 100'000 / corio_test::kScale);
}

TEST_CASE("deep: a chain of 100k tasks each awaiting the previous completes in one cascade", "[deep]") {
    const int n = 100'000;
    auto main = [](int n) -> corio::Coro<long> {
        corio::Future<int> gate;
        std::atomic<int> started{0};
        std::vector<corio::Task<int>> chain;
        chain.reserve(n);
        chain.push_back(corio::spawn(corio_test::wait_on(gate)));
        for (int i = 1; i < n; ++i)
            chain.push_back(corio::spawn([](corio::Task<int> prev, std::atomic<int>& s) -> corio::Coro<int> {
                s.fetch_add(1);
                co_return co_await prev + 1;
            }(chain.back(), started)));
        // Let every link reach its co_await before the gate opens (bounded by run_bounded).
        while (started.load() < n - 1) co_await corio::yield_now();
        gate.set_result(0);
        long v = co_await chain.back();
        // Newest first: each frame then dies while its predecessor still has a
        // handle here, so freeing does not recurse (that is the next case).
        while (!chain.empty()) chain.pop_back();
        co_return v;
    };
    CHECK(run_bounded(main(n), {.workers = 1}) == n - 1);
    CHECK(run_bounded(main(n / corio_test::kScale), {.workers = 2}) == n / corio_test::kScale - 1);
}

// Kept last in the file: when it fails it crashes the executable (stack
// overflow), and Catch2 runs cases in declaration order, so the cases above
// still report.
TEST_CASE("deep: freeing a chain of 100k finished tasks, each frame holding the previous task's handle", "[deep]") {
    // Each frame holds a Task handle of its predecessor. Dropping the oldest
    // handles first leaves the newest frame as the only owner of the next
    // one, so the last release frees the whole chain: a frame's destruction
    // releases the handle it holds, which destroys the previous frame, and so
    // on. Like a long shared_ptr list, that must not take one native
    // recursion level per task.
    const int n = 100'000;
    std::atomic<int> live{0};
    auto main = [](int n, std::atomic<int>& l) -> corio::Coro<long> {
        std::vector<corio::Task<int>> chain;
        chain.reserve(n);
        chain.push_back(corio::spawn(one()));
        for (int i = 1; i < n; ++i)
            chain.push_back(corio::spawn([](corio::Task<int> prev, corio_test::Tracker) -> corio::Coro<int> {
                co_return co_await prev + 1;
            }(chain.back(), corio_test::Tracker(l))));
        long v = co_await chain.back();
        chain.clear();  // oldest first (std::vector destroys in order)
        co_return v;
    };
    CHECK(run_bounded(main(n, live), {.workers = 1}) == n);
    CHECK(live == 0);
}
