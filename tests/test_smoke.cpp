// Smoke test: the runtime starts, runs a main coroutine to its value, and a
// spawned task's result comes back through its handle.
#include <corio/corio.hpp>

#include <catch2/catch.hpp>

namespace {

corio::Coro<int> answer() { co_return 42; }

corio::Coro<int> add(int a, int b) { co_return a + b; }

corio::Coro<int> spawn_and_await() {
    corio::Task<int> t = corio::spawn(add(40, 2));
    int inline_result = co_await add(1, 2);  // runs inline, no scheduling
    co_return co_await t + inline_result;
}

}  // namespace

TEST_CASE("run returns the main coroutine's value", "[smoke]") {
    REQUIRE(corio::run(answer()) == 42);
}

TEST_CASE("a spawned task's result comes back through its handle", "[smoke]") {
    REQUIRE(corio::run(spawn_and_await(), corio::Options{.workers = 2}) == 45);
}
