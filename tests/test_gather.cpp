// gather and when_any, as asyncio documents gather: results in argument
// order whatever the finishing order; the first failure propagates while the
// others keep running; return_exceptions turns failures into Outcomes;
// cancelling the gather cancels its children and ends once they have.
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::run_bounded;

namespace {

corio::Coro<int> value(int v) { co_return v; }
corio::Coro<void> nothing() { co_return; }
corio::Coro<int> gated(corio::Future<int> gate) { co_return co_await gate; }
corio::Coro<int> fail(std::string what) {
    co_await corio::yield_now();
    throw std::runtime_error(what);
}

}  // namespace

TEST_CASE("gather of Coros, Tasks and Futures gives a tuple in argument order", "[gather]") {
    auto main = []() -> corio::Coro<int> {
        corio::Future<int> gate;
        corio::Task<int> t = corio::spawn(value(2));
        auto g = corio::gather(gated(gate), t, nothing(), corio::Future<int>(gate));
        gate.set_result(1);
        auto [a, b, c, d] = co_await std::move(g);
        static_assert(std::is_same_v<decltype(c), std::monostate>);
        co_return a * 1000 + b * 100 + d;
    };
    CHECK(run_bounded(main(), {.workers = 4}) == 1201);
}

TEST_CASE("gather of nothing and of a range", "[gather]") {
    auto main = []() -> corio::Coro<int> {
        auto empty = co_await corio::gather();
        static_assert(std::tuple_size_v<decltype(empty)> == 0);
        std::vector<corio::Coro<int>> coros;
        for (int i = 0; i < 100; ++i) coros.push_back(value(i));
        std::vector<int> got = co_await corio::gather(coros);
        int sum = 0;
        for (int i = 0; i < 100; ++i) sum += got[i] == i ? 1 : 0;
        std::vector<corio::Task<int>> none;
        auto zero = co_await corio::gather(none);
        co_return sum + static_cast<int>(zero.size());
    };
    CHECK(run_bounded(main(), {.workers = 4}) == 100);
}

TEST_CASE("gather: the first exception propagates and the other children keep running", "[gather]") {
    struct Out {
        std::string caught;
        bool other_done_before = true, other_value = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> gate;
        corio::Task<int> slow = corio::spawn(gated(gate));
        try {
            co_await corio::gather(slow, fail("boom"));
        } catch (const std::runtime_error& e) {
            o.caught = e.what();
        }
        o.other_done_before = slow.done();
        gate.set_result(7);
        o.other_value = co_await slow == 7;
    };
    Out o;
    run_bounded(main(o), {.workers = 4});
    CHECK(o.caught == "boom");
    CHECK_FALSE(o.other_done_before);
    CHECK(o.other_value);
}

TEST_CASE("gather(return_exceptions, ...) holds values and exceptions", "[gather]") {
    struct Out {
        int a = 0;
        std::string err;
        bool cancelled = false, range_ok = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> never;
        corio::Task<int> doomed = corio::spawn(gated(never));
        doomed.cancel();
        auto [a, b, c] = co_await corio::gather(corio::return_exceptions, value(5), fail("bad"), doomed);
        o.a = a.value();
        try {
            b.value();
        } catch (const std::runtime_error& e) {
            o.err = e.what();
        }
        try {
            std::rethrow_exception(c.error());
        } catch (const corio::CancelledError&) {
            o.cancelled = true;
        }
        std::vector<corio::Coro<int>> coros;
        coros.push_back(value(1));
        coros.push_back(fail("x"));
        auto r = co_await corio::gather(corio::return_exceptions, coros);
        o.range_ok = r.size() == 2 && r[0].has_value() && r[0].value() == 1 && !r[1].has_value();
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.a == 5);
    CHECK(o.err == "bad");
    CHECK(o.cancelled);
    CHECK(o.range_ok);
}

TEST_CASE("gather: a cancelled child is a failure (CancelledError) without return_exceptions", "[gather]") {
    auto main = []() -> corio::Coro<bool> {
        corio::Future<int> never;
        corio::Task<int> t = corio::spawn(gated(never));
        t.cancel();
        try {
            co_await corio::gather(value(1), t);
        } catch (const corio::CancelledError&) {
            co_return true;
        }
        co_return false;
    };
    CHECK(run_bounded(main(), {.workers = 2}));
}

TEST_CASE("cancelling a gather cancels every child and waits for them", "[gather][cancel]") {
    struct Out {
        bool outer_cancelled = false, children_done = false, children_cancelled = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> never1, never2, started;
        corio::Task<int> c1 = corio::spawn(gated(never1));
        corio::Task<int> c2 = corio::spawn(gated(never2));
        corio::Task<void> outer = corio::spawn([](corio::Task<int> a, corio::Task<int> b,
                                                  corio::Future<int> s) -> corio::Coro<void> {
            auto g = corio::gather(a, b);
            s.set_result(1);
            co_await std::move(g);
        }(c1, c2, started));
        co_await started;
        outer.cancel();
        try {
            co_await outer;
        } catch (const corio::CancelledError&) {
            o.outer_cancelled = true;
        }
        o.children_done = c1.done() && c2.done();
        o.children_cancelled = c1.cancelled() && c2.cancelled();
    };
    Out o;
    run_bounded(main(o), {.workers = 4});
    CHECK(o.outer_cancelled);
    CHECK(o.children_done);
    CHECK(o.children_cancelled);
}

TEST_CASE("stress: gathers cancelled at random points with 8 workers", "[gather][stress]") {
    auto main = []() -> corio::Coro<int> {
        int ok = 0;
        for (int round = 0; round < 200 / corio_test::kScale; ++round) {
            std::vector<corio::Task<int>> outers;
            for (int i = 0; i < 8; ++i) {
                outers.push_back(corio::spawn([](int n) -> corio::Coro<int> {
                    std::vector<corio::Coro<int>> kids;
                    for (int k = 0; k < n; ++k)
                        kids.push_back([](int k) -> corio::Coro<int> {
                            for (int y = 0; y < k % 4; ++y) co_await corio::yield_now();
                            co_return k;
                        }(k));
                    auto v = co_await corio::gather(kids);
                    co_return static_cast<int>(v.size());
                }(4 + i)));
            }
            for (int i = 0; i < 8; i += 2) outers[i].cancel();
            for (int i = 0; i < 8; ++i) {
                try {
                    int n = co_await outers[i];
                    ok += n == 4 + i ? 1 : 0;
                } catch (const corio::CancelledError&) {
                    ok += 1;
                }
            }
        }
        co_return ok;
    };
    CHECK(run_bounded(main(), {.workers = 8}) == 8 * (200 / corio_test::kScale));
}

TEST_CASE("when_any gives the first to finish and cancels the rest", "[when_any]") {
    struct Out {
        std::size_t index = 99;
        int v = 0;
        bool loser_cancelled = false, error_rethrown = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> never;
        corio::Future<void> never_void;
        corio::Task<int> loser = corio::spawn(gated(never));
        auto r = co_await corio::when_any(loser, value(3), never_void);
        o.index = r.index();
        if (r.index() == 1) o.v = std::get<1>(r);
        // (never_void itself is cancelled only if its wrapping task had started:
        // spawn wraps a Future in a task rather than using it as asyncio would.)
        o.loser_cancelled = loser.cancelled();
        corio::Future<int> never2;
        try {
            co_await corio::when_any(gated(never2), fail("first"));
        } catch (const std::runtime_error&) {
            o.error_rethrown = true;
        }
    };
    Out o;
    run_bounded(main(o), {.workers = 1});
    CHECK(o.index == 1);
    CHECK(o.v == 3);
    CHECK(o.loser_cancelled);
    CHECK(o.error_rethrown);
}
