// Future<T>: completed exactly once from any thread (set_result,
// set_exception, cancel); many awaiters and callbacks; awaiters resume on the
// runtime's workers; results of every kind; callbacks of a never-completed
// future are freed unrun.
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::run_bounded;
using corio_test::Tracker;

namespace {

struct Where {
    std::thread::id before, after, completer;
    bool can_spawn_after = false;
};

corio::Coro<int> await_and_record(corio::Future<int> f, Where& w) {
    w.before = std::this_thread::get_id();
    int v = co_await f;
    w.after = std::this_thread::get_id();
    // Only a worker thread may spawn: proof that we resumed on the runtime.
    try {
        corio::Task<void> t = corio::spawn([]() -> corio::Coro<void> { co_return; }());
        co_await t;
        w.can_spawn_after = true;
    } catch (const corio::InvalidStateError&) {
    }
    co_return v;
}

}  // namespace

TEST_CASE("set_result from a plain std::thread wakes the awaiter on a worker thread", "[future]") {
    corio::Future<int> f;
    Where w;
    std::thread completer;
    auto main = [&]() -> corio::Coro<int> {
        corio::Task<int> t = corio::spawn(await_and_record(f, w));
        completer = std::thread([f, &w]() mutable {
            w.completer = std::this_thread::get_id();
            f.set_result(17);
        });
        co_return co_await t;
    };
    int v = run_bounded(main(), {.workers = 2});
    completer.join();
    CHECK(v == 17);
    CHECK(w.after != w.completer);
    CHECK(w.can_spawn_after);
    CHECK(f.done());
    CHECK_FALSE(f.cancelled());
    CHECK(f.result() == 17);
    CHECK(f.exception() == nullptr);
}

TEST_CASE("set_exception from a foreign thread: the awaiter gets the exception", "[future]") {
    corio::Future<int> f;
    std::thread completer;
    auto main = [&]() -> corio::Coro<std::string> {
        completer = std::thread([f]() mutable { f.set_exception(std::make_exception_ptr(std::out_of_range("nope"))); });
        try {
            co_await f;
        } catch (const std::out_of_range& e) {
            co_return std::string("out_of_range:") + e.what();
        }
        co_return "no exception";
    };
    std::string got = run_bounded(main(), {.workers = 2});
    completer.join();
    CHECK(got == "out_of_range:nope");
    CHECK(f.done());
    CHECK_FALSE(f.cancelled());
    CHECK(corio::describe(f.exception()) == "nope");
    CHECK_THROWS_MATCHES(f.result(), std::out_of_range, Catch::Matchers::Message("nope"));
}

TEST_CASE("cancel() from a foreign thread: the awaiter gets CancelledError", "[future]") {
    corio::Future<int> f;
    std::thread canceller;
    std::atomic<bool> cancel_returned{false};
    auto main = [&]() -> corio::Coro<int> {
        canceller = std::thread([f, &cancel_returned]() mutable { cancel_returned = f.cancel(); });
        try {
            co_await f;
        } catch (const corio::CancelledError&) {
            co_return 1;
        }
        co_return 0;
    };
    int got = run_bounded(main(), {.workers = 2});
    canceller.join();
    CHECK(got == 1);
    CHECK(cancel_returned);
    CHECK(f.done());
    CHECK(f.cancelled());
    CHECK_FALSE(f.cancel());  // already done
    CHECK_THROWS_AS(f.result(), corio::CancelledError);
    CHECK_THROWS_AS(f.exception(), corio::CancelledError);
}

TEST_CASE("a Future completes exactly once", "[future]") {
    SECTION("set_result then anything") {
        corio::Future<int> f;
        f.set_result(1);
        CHECK_THROWS_AS(f.set_result(2), corio::InvalidStateError);
        CHECK_THROWS_AS(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))), corio::InvalidStateError);
        CHECK_FALSE(f.cancel());
        CHECK(f.result() == 1);
        CHECK_FALSE(f.cancelled());
    }
    SECTION("cancel then anything") {
        corio::Future<int> f;
        CHECK(f.cancel());
        CHECK_THROWS_AS(f.set_result(2), corio::InvalidStateError);
        CHECK_FALSE(f.cancel());
        CHECK(f.cancelled());
    }
    SECTION("set_exception then anything") {
        corio::Future<void> f;
        f.set_exception(std::make_exception_ptr(std::runtime_error("first")));
        CHECK_THROWS_AS(f.set_result(), corio::InvalidStateError);
        CHECK_FALSE(f.cancel());
        CHECK_THROWS_MATCHES(f.result(), std::runtime_error, Catch::Matchers::Message("first"));
    }
}

TEST_CASE("a Future is usable without any runtime", "[future]") {
    corio::Future<std::string> f;
    CHECK_FALSE(f.done());
    corio::Future<std::string> copy = f;
    CHECK(copy == f);
    std::thread t([copy]() mutable { copy.set_result("from a thread"); });
    t.join();
    CHECK(f.done());
    CHECK(f.result() == "from a thread");
    CHECK(f.result() == "from a thread");  // copyable values: every read gets a copy
}

TEST_CASE("many tasks await one Future completed from a foreign thread", "[future]") {
    constexpr int kAwaiters = 200;
    corio::Future<int> f;
    std::thread completer;
    auto main = [&]() -> corio::Coro<long> {
        std::vector<corio::Task<int>> ts;
        for (int i = 0; i < kAwaiters; ++i)
            ts.push_back(corio::spawn([](corio::Future<int> fut, int i) -> corio::Coro<int> {
                co_return co_await fut + i;
            }(f, i)));
        completer = std::thread([f]() mutable { f.set_result(1000); });
        long sum = 0;
        for (auto& t : ts) sum += co_await t;
        co_return sum;
    };
    long sum = run_bounded(main(), {.workers = 4});
    completer.join();
    CHECK(sum == 1000L * kAwaiters + kAwaiters * (kAwaiters - 1) / 2);
}

TEST_CASE("Future callbacks: every one runs once, on the completer's thread or at once", "[future]") {
    corio::Future<int> f;
    std::atomic<int> calls{0};
    std::atomic<int> on_completer{0};
    std::atomic<long> seen_sum{0};
    std::thread::id completer_id;
    for (int i = 0; i < 10; ++i)
        f.add_done_callback([&, i](corio::Future<int> self) {
            calls.fetch_add(1);
            seen_sum.fetch_add(self.result() + i);
            if (std::this_thread::get_id() == completer_id) on_completer.fetch_add(1);
        });
    CHECK(calls == 0);
    std::thread t([&, f]() mutable {
        completer_id = std::this_thread::get_id();
        f.set_result(5);
    });
    t.join();
    CHECK(calls == 10);
    CHECK(on_completer == 10);
    CHECK(seen_sum == 10 * 5 + 45);

    bool inline_ran = false;
    f.add_done_callback([&](corio::Future<int>) { inline_ran = true; });
    CHECK(inline_ran);
}

TEST_CASE("callbacks of a Future that is never completed are freed unrun", "[future]") {
    std::atomic<int> live{0};
    std::atomic<int> ran{0};
    {
        corio::Future<int> f;
        f.add_done_callback([&ran, t = Tracker(live)](corio::Future<int>) { ran.fetch_add(1); });
        f.add_done_callback([&ran, t = Tracker(live)](corio::Future<int>) { ran.fetch_add(1); });
        CHECK(live == 2);
    }
    CHECK(live == 0);
    CHECK(ran == 0);
}

TEST_CASE("Future<void>, move-only and already-completed Futures", "[future]") {
    struct Out {
        bool void_ok = false;
        int unique = 0;
        int ready = 0;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<void> v;
        v.set_result();
        co_await v;
        o.void_ok = v.done();
        corio::Future<std::unique_ptr<int>> u;
        u.set_result(std::make_unique<int>(6));
        std::unique_ptr<int> p = co_await u;
        o.unique = p ? *p : -1;
        corio::Future<int> r;
        r.set_result(2);
        for (int i = 0; i < 1000; ++i) o.ready += co_await r;  // done before the await
    };
    Out o;
    run_bounded(main(o), {.workers = 1});
    CHECK(o.void_ok);
    CHECK(o.unique == 6);
    CHECK(o.ready == 2000);
}

TEST_CASE("set_result whose value constructor throws leaves the Future failed", "[future]") {
    struct Explodes {
        explicit Explodes(int v) {
            if (v < 0) throw std::invalid_argument("negative");
        }
    };
    corio::Future<Explodes> f;
    CHECK_THROWS_AS(f.set_result(-1), std::invalid_argument);
    CHECK(f.done());
    CHECK_FALSE(f.cancelled());
    CHECK_THROWS_AS(f.result(), std::invalid_argument);
    CHECK_THROWS_AS(f.set_result(1), corio::InvalidStateError);
}
