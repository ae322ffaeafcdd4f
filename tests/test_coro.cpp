// Coro<T>: laziness, inline execution on co_await, values of every kind
// (void, references, move-only), exception propagation, move-only handles,
// and frame lifetime (a never-started Coro frees its frame).
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::bounded;
using corio_test::run_bounded;
using corio_test::Tracker;

namespace {

corio::Coro<int> count_and_return(std::atomic<int>& runs, int v) {
    runs.fetch_add(1);
    co_return v;
}

corio::Coro<void> push_back(std::vector<int>& log, int v) {
    log.push_back(v);
    co_return;
}

corio::Coro<int&> ref_to(int& x) { co_return x; }

corio::Coro<std::unique_ptr<int>> make_unique_int(int v) { co_return std::make_unique<int>(v); }

corio::Coro<std::string> text(std::string s) { co_return s + "!"; }

corio::Coro<int> thrower(int depth) {
    if (depth == 0) throw std::runtime_error("boom at the bottom");
    co_return co_await thrower(depth - 1) + 1;
}

corio::Coro<int> throw_after_yield() {
    co_await corio::yield_now();
    throw std::logic_error("after a suspension");
}

corio::Coro<int> takes_tracker(Tracker t, std::atomic<int>& ran) {
    ran.fetch_add(1);
    (void)t;
    co_return 1;
}

corio::Coro<int> has_local_tracker(std::atomic<int>& live, std::atomic<int>& seen_inside) {
    Tracker local(live);
    seen_inside = live.load();
    co_return 5;
}

corio::Coro<long> fib_inline(int n) {
    if (n < 2) co_return n;
    co_return co_await fib_inline(n - 1) + co_await fib_inline(n - 2);
}

corio::Coro<int> child_on_future(corio::Future<int> f) { co_return co_await f * 2; }

}  // namespace

TEST_CASE("a Coro is lazy: creating it runs nothing, awaiting it runs the body", "[coro]") {
    std::atomic<int> runs{0};
    {
        corio::Coro<int> c = count_and_return(runs, 1);
        CHECK(c.valid());
        CHECK(runs == 0);
    }
    CHECK(runs == 0);  // destroyed unstarted: the body never ran

    auto main = [](std::atomic<int>& r) -> corio::Coro<int> {
        corio::Coro<int> c = count_and_return(r, 7);
        int before = r.load();
        int v = co_await std::move(c);
        co_return before * 100 + v + r.load() * 10;
    };
    // before == 0, v == 7, after == 1
    CHECK(run_bounded(main(runs), {.workers = 2}) == 17);
    CHECK(runs == 1);
}

TEST_CASE("co_await runs the Coro inline on the awaiting thread, in program order", "[coro]") {
    struct Seen {
        std::thread::id outer, inner;
        std::vector<int> log;
    };
    auto inner = [](Seen& s) -> corio::Coro<void> {
        s.inner = std::this_thread::get_id();
        s.log.push_back(2);
        co_return;
    };
    auto outer = [inner](Seen& s) -> corio::Coro<int> {
        s.outer = std::this_thread::get_id();
        s.log.push_back(1);
        co_await inner(s);
        s.log.push_back(3);
        co_await push_back(s.log, 4);
        co_return 0;
    };
    Seen s;
    REQUIRE(run_bounded(outer(s), {.workers = 4}) == 0);
    CHECK(s.outer == s.inner);
    CHECK(s.log == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("Coro results: int, string, void, reference, move-only", "[coro]") {
    struct Out {
        std::string s;
        int* ref_addr = nullptr;
        int ref_value_after = 0;
        int unique_value = 0;
        std::vector<int> log;
    };
    int target = 10;
    auto main = [&target](Out& o) -> corio::Coro<int> {
        o.s = co_await text("hi");
        int& r = co_await ref_to(target);
        o.ref_addr = &r;
        r = 99;  // writes through to target
        o.ref_value_after = target;
        std::unique_ptr<int> p = co_await make_unique_int(31);
        o.unique_value = p ? *p : -1;
        co_await push_back(o.log, 8);
        co_return 0;
    };
    Out o;
    REQUIRE(run_bounded(main(o), {.workers = 2}) == 0);
    CHECK(o.s == "hi!");
    CHECK(o.ref_addr == &target);
    CHECK(o.ref_value_after == 99);
    CHECK(target == 99);
    CHECK(o.unique_value == 31);
    CHECK(o.log == std::vector<int>{8});
}

TEST_CASE("exceptions propagate through nested co_awaits with their type and message", "[coro]") {
    auto main = []() -> corio::Coro<std::string> {
        std::string out;
        try {
            co_await thrower(5);
            out += "no-throw;";
        } catch (const std::runtime_error& e) {
            out += std::string("caught:") + e.what() + ";";
        }
        try {
            co_await throw_after_yield();
        } catch (const std::logic_error& e) {
            out += std::string("caught:") + e.what();
        }
        co_return out;
    };
    CHECK(run_bounded(main(), {.workers = 2}) == "caught:boom at the bottom;caught:after a suspension");

    // And out of run() itself, unchanged.
    CHECK_THROWS_MATCHES(run_bounded(thrower(3), {.workers = 1}), std::runtime_error,
                         Catch::Matchers::Message("boom at the bottom"));
}

TEST_CASE("a Coro is move-only; moving transfers the frame", "[coro]") {
    STATIC_REQUIRE(!std::is_copy_constructible_v<corio::Coro<int>>);
    STATIC_REQUIRE(!std::is_copy_assignable_v<corio::Coro<int>>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<corio::Coro<int>>);
    STATIC_REQUIRE(std::is_nothrow_move_assignable_v<corio::Coro<int>>);

    std::atomic<int> runs{0};
    corio::Coro<int> a = count_and_return(runs, 3);
    corio::Coro<int> b = std::move(a);
    CHECK_FALSE(a.valid());
    CHECK(b.valid());
    corio::Coro<int> def;
    CHECK_FALSE(def.valid());

    auto main = [](corio::Coro<int> c) -> corio::Coro<int> { co_return co_await std::move(c); };
    CHECK(run_bounded(main(std::move(b)), {.workers = 1}) == 3);
    CHECK(runs == 1);
}

TEST_CASE("a never-started Coro frees its frame and the arguments copied into it", "[coro]") {
    std::atomic<int> live{0};
    std::atomic<int> ran{0};
    {
        Tracker t(live);
        {
            corio::Coro<int> c = takes_tracker(t, ran);
            CHECK(live >= 2);  // the frame holds its own copy of the argument
        }
        CHECK(live == 1);  // the frame's copy went with the frame
    }
    CHECK(live == 0);

    // Move-assigning over an unstarted Coro frees the old frame too.
    {
        Tracker t(live);
        corio::Coro<int> c = takes_tracker(t, ran);
        c = takes_tracker(t, ran);
        CHECK(live == 2);  // t and the new frame's copy
    }
    CHECK(live == 0);
    CHECK(ran == 0);
}

TEST_CASE("an awaited Coro destroys its locals when it finishes and its frame with the handle", "[coro]") {
    std::atomic<int> live{0};
    std::atomic<int> seen_inside{-1};
    auto main = [](std::atomic<int>& l, std::atomic<int>& s) -> corio::Coro<int> {
        int v = co_await has_local_tracker(l, s);
        co_return v * 10 + l.load();  // the local is gone by now
    };
    CHECK(run_bounded(main(live, seen_inside), {.workers = 2}) == 50);
    CHECK(seen_inside == 1);
    CHECK(live == 0);
}

TEST_CASE("recursive inline awaits compute the right value", "[coro]") {
    CHECK(run_bounded(fib_inline(20), {.workers = 1}) == 6765);
}

TEST_CASE("an inline Coro that suspends on a Future resumes its awaiting parent", "[coro]") {
    corio::Future<int> f;
    std::thread completer;
    auto main = [&]() -> corio::Coro<int> {
        completer = std::thread([f]() mutable { f.set_result(21); });
        co_return co_await child_on_future(f);
    };
    int v = run_bounded(main(), {.workers = 2});
    completer.join();
    CHECK(v == 42);
}
