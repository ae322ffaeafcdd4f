// Runtime::metrics(): the counters add up after a known workload, and a
// snapshot can be taken from another thread while tasks run.
#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::fib;

namespace {

// Spawns in fib(n): one per call with n >= 2.
long spawns_in_fib(int n) { return n < 2 ? 0 : 1 + spawns_in_fib(n - 1) + spawns_in_fib(n - 2); }

}  // namespace

TEST_CASE("metrics count every spawn, completion and poll of a known workload", "[metrics]") {
    constexpr int kN = 18;
    corio::RuntimeMetrics before, after;
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 2});
        before = rt.metrics();
        REQUIRE(rt.block_on(fib(kN)) == 2584);
        // block_on returns once main's result is published; main is counted
        // complete a moment later.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        do after = rt.metrics();
        while (after.live_tasks != 0 && std::chrono::steady_clock::now() < deadline);
    });
    REQUIRE(before.workers.size() == 2);
    CHECK(before.live_tasks == 0);
    REQUIRE(after.workers.size() == 2);
    std::uint64_t spawned = 0, completed = 0, steals = 0, steal_ops = 0;
    for (auto& w : after.workers) {
        spawned += w.spawned;
        completed += w.completed;
        steals += w.steals;
        steal_ops += w.steal_operations;
        CHECK(w.local_queue_depth == 0);
    }
    CHECK(after.live_tasks == 0);
    CHECK(spawned == static_cast<std::uint64_t>(spawns_in_fib(kN)));  // main came from outside
    CHECK(completed == spawned + 1);                                   // ... and finished on a worker
    CHECK(after.total_polls() >= 1);
    CHECK(steals >= steal_ops);
    CHECK(after.global_queue_depth == 0);
    CHECK(after.trace_events == 0);
}

TEST_CASE("metrics can be read from another thread while tasks run", "[metrics]") {
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 2});
        std::atomic<bool> stop{false};
        std::uint64_t max_polls = 0;
        std::thread reader([&] {
            while (!stop.load()) max_polls = std::max(max_polls, rt.metrics().total_polls());
        });
        for (int i = 0; i < 20; ++i) REQUIRE(rt.block_on(fib(14)) == 377);
        stop = true;
        reader.join();
        CHECK(rt.metrics().total_polls() >= max_polls);
    });
}

TEST_CASE("metrics count the blocking pool's threads", "[metrics]") {
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 1});
        CHECK(rt.metrics().blocking_threads == 0);
        rt.block_on([]() -> corio::Coro<void> { co_await corio::to_thread([] { return 1; }); }());
        CHECK(rt.metrics().blocking_threads == 1);
    });
}
