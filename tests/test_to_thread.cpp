// to_thread and run_in_arena, as asyncio's to_thread: the call runs on
// another thread and gives its value or exception; the pool never runs more
// than Options.max_blocking_threads calls at once; cancelling the awaiter
// throws CancelledError at once while the call finishes on its thread.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <oneapi/tbb/parallel_for.h>
#include <corio/run_in_arena.hpp>
#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::run_bounded;

namespace {

// A gate a plain thread blocks on (what a blocking call looks like).
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    void release() {
        {
            std::lock_guard l(m);
            open = true;
        }
        cv.notify_all();
    }
    void wait() {
        std::unique_lock l(m);
        // Bounded: a lost release fails the test instead of hanging it.
        if (!cv.wait_for(l, corio_test::kBodyLimit, [&] { return open; })) std::abort();
    }
};

}  // namespace

TEST_CASE("to_thread runs the call on another thread and gives its value", "[to_thread]") {
    struct Out {
        int v = 0;
        bool other_thread = false, void_ok = false, ref_ok = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        auto here = std::this_thread::get_id();
        o.v = co_await corio::to_thread([](int a, int b) { return a * b; }, 6, 7);
        auto there = co_await corio::to_thread([] { return std::this_thread::get_id(); });
        o.other_thread = there != here;
        co_await corio::to_thread([] {});
        o.void_ok = true;
        int x = 1;
        co_await corio::to_thread([](int& r) { r = 5; }, std::ref(x));
        o.ref_ok = x == 5;
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.v == 42);
    CHECK(o.other_thread);
    CHECK(o.void_ok);
    CHECK(o.ref_ok);
}

TEST_CASE("to_thread rethrows the call's exception", "[to_thread]") {
    auto main = []() -> corio::Coro<bool> {
        try {
            co_await corio::to_thread([]() -> int { throw std::runtime_error("blocking call failed"); });
        } catch (const std::runtime_error& e) {
            co_return std::string(e.what()) == "blocking call failed";
        }
        co_return false;
    };
    CHECK(run_bounded(main(), {.workers = 2}));
}

TEST_CASE("to_thread never runs more calls at once than max_blocking_threads", "[to_thread]") {
    struct Shared {
        std::atomic<int> running{0}, peak{0}, done{0};
        Gate gate;
    };
    auto main = [](Shared& s) -> corio::Coro<int> {
        auto call = [&s] {
            int now = s.running.fetch_add(1) + 1;
            int p = s.peak.load();
            while (now > p && !s.peak.compare_exchange_weak(p, now)) {
            }
            if (now == 2) s.gate.release();  // the limit is reached: let everyone go
            s.gate.wait();
            s.running.fetch_sub(1);
            s.done.fetch_add(1);
        };
        std::vector<corio::Coro<void>> calls;
        for (int i = 0; i < 8; ++i) calls.push_back(corio::to_thread(call));
        co_await corio::gather(calls);
        co_return s.done.load();
    };
    Shared s;
    CHECK(run_bounded(main(s), {.workers = 4, .max_blocking_threads = 2}) == 8);
    CHECK(s.peak.load() == 2);
}

TEST_CASE("cancelling a to_thread awaiter gives CancelledError at once; the call finishes", "[to_thread][cancel]") {
    struct Shared {
        Gate gate;
        std::atomic<bool> entered{false}, finished{false};
        bool cancelled = false, finished_before = true;
    };
    auto main = [](Shared& s) -> corio::Coro<void> {
        corio::Future<int> in_call;
        corio::Task<void> t = corio::spawn(corio::to_thread([&s, in_call]() mutable {
            in_call.set_result(1);
            s.gate.wait();
            s.finished = true;
        }));
        co_await in_call;
        t.cancel();
        try {
            co_await t;
        } catch (const corio::CancelledError&) {
            s.cancelled = true;
        }
        s.finished_before = s.finished.load();
        s.gate.release();
        // Shutdown joins the pool's threads, so the call ends before run() returns.
    };
    Shared s;
    run_bounded(main(s), {.workers = 2});
    CHECK(s.cancelled);
    CHECK_FALSE(s.finished_before);
    CHECK(s.finished.load());
}

TEST_CASE("stress: to_thread calls cancelled at random points with 8 workers", "[to_thread][stress]") {
    auto main = []() -> corio::Coro<int> {
        std::vector<corio::Task<int>> ts;
        for (int i = 0; i < 400 / corio_test::kScale; ++i)
            ts.push_back(corio::spawn(corio::to_thread([i] { return i; })));
        for (std::size_t i = 0; i < ts.size(); i += 3) ts[i].cancel();
        int ends = 0;
        for (auto& t : ts) {
            try {
                co_await t;
            } catch (const corio::CancelledError&) {
            }
            ++ends;
        }
        co_return ends;
    };
    CHECK(run_bounded(main(), {.workers = 8, .max_blocking_threads = 4}) == 400 / corio_test::kScale);
}

// libtbb is not built with ThreadSanitizer: its task hand-off and small-object
// pool are invisible to TSan, which then reports races inside TBB's storage.
#if !CORIO_TSAN
TEST_CASE("run_in_arena runs a parallel_for on a oneTBB arena and gives its value", "[run_in_arena]") {
    struct Out {
        long sum = 0;
        bool error = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        tbb::task_arena arena(2);
        o.sum = co_await corio::run_in_arena(arena, [] {
            std::vector<long> v(10000);
            tbb::parallel_for(std::size_t{0}, v.size(), [&](std::size_t i) { v[i] = static_cast<long>(i); });
            long s = 0;
            for (long x : v) s += x;
            return s;
        });
        try {
            co_await corio::run_in_arena(arena, []() -> int { throw std::runtime_error("cpu"); });
        } catch (const std::runtime_error&) {
            o.error = true;
        }
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.sum == 10000L * 9999 / 2);
    CHECK(o.error);
}
#endif
