// TaskGroup, as asyncio documents it: leaving the scope joins every child;
// the first failure cancels the others (the body too); every failure comes
// out in one ExceptionGroup; cancelling the caller cancels the children,
// waits for them, then throws CancelledError; a finished or shutting-down
// group refuses new tasks with InvalidStateError.
#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::run_bounded;

namespace {

corio::Coro<int> gated(corio::Future<int> gate) { co_return co_await gate; }
// Fails once `gate` is set: lets a body finish its create_task calls first
// (a group that is already aborting refuses new tasks, as asyncio's).
corio::Coro<void> fail_after(corio::Future<void> gate, std::string what) {
    co_await gate;
    throw std::runtime_error(what);
}
corio::Coro<void> fail(std::string what) {
    co_await corio::yield_now();
    throw std::runtime_error(what);
}

}  // namespace

TEST_CASE("task_group joins every child before it returns the body's value", "[task_group]") {
    auto main = []() -> corio::Coro<int> {
        std::atomic<int> finished{0};
        int r = co_await corio::task_group([&](corio::TaskGroup& tg) -> corio::Coro<int> {
            for (int i = 0; i < 50; ++i)
                tg.create_task([](std::atomic<int>& f) -> corio::Coro<void> {
                    co_await corio::yield_now();
                    f.fetch_add(1);
                }(finished));
            co_return 7;
        });
        co_return r * 1000 + finished.load();
    };
    CHECK(run_bounded(main(), {.workers = 4}) == 7050);
}

TEST_CASE("task_group: a failure cancels the others and errors come out together", "[task_group]") {
    struct Out {
        std::vector<std::string> errors;
        bool sibling_cancelled = false, body_cancelled = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> never;
        corio::Task<int> sibling;
        try {
            co_await corio::task_group([&](corio::TaskGroup& tg) -> corio::Coro<void> {
                corio::Future<void> go;
                sibling = tg.create_task(gated(never));
                tg.create_task(fail_after(go, "one"));
                tg.create_task(fail_after(go, "two"));
                go.set_result();  // only now may they fail: every create_task above succeeded
                try {
                    corio::Future<int> body_never;
                    co_await body_never;  // the group's abort cancels the body
                } catch (const corio::CancelledError&) {
                    o.body_cancelled = true;
                    throw;
                }
            });
        } catch (const corio::ExceptionGroup& group) {
            for (auto& e : group.exceptions()) o.errors.push_back(corio::describe(e));
        }
        o.sibling_cancelled = sibling.cancelled();
    };
    Out o;
    run_bounded(main(o), {.workers = 4});
    // "two" may lose the race to the abort (cancelled before it ran).
    REQUIRE_FALSE(o.errors.empty());
    CHECK((o.errors[0] == "one" || o.errors[0] == "two"));
    CHECK(o.sibling_cancelled);
    CHECK(o.body_cancelled);
}

TEST_CASE("TaskGroup refuses create_task once finished or shutting down", "[task_group]") {
    struct Out {
        bool after_join = false, while_aborting = false;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::TaskGroup tg;
        tg.create_task(gated([] { corio::Future<int> f; f.set_result(1); return f; }()));
        co_await tg.join();
        try {
            tg.create_task(fail("late"));
        } catch (const corio::InvalidStateError&) {
            o.after_join = true;
        }
        try {
            co_await corio::task_group([&](corio::TaskGroup& g) -> corio::Coro<void> {
                co_await g.create_task(fail("x"));  // rethrown here: the body fails too
            });
        } catch (const corio::ExceptionGroup&) {
        }
        corio::Future<int> never;
        try {
            co_await corio::task_group([&](corio::TaskGroup& g) -> corio::Coro<void> {
                auto failing = g.create_task(fail("y"));
                try {
                    co_await failing;
                } catch (const std::runtime_error&) {
                } catch (const corio::CancelledError&) {  // the abort cancels the body too
                }
                try {
                    g.create_task(gated(never));
                } catch (const corio::InvalidStateError&) {
                    o.while_aborting = true;
                }
            });
        } catch (const corio::ExceptionGroup&) {
        }
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK(o.after_join);
    CHECK(o.while_aborting);
}

TEST_CASE("children may add siblings while the group joins", "[task_group]") {
    auto main = []() -> corio::Coro<int> {
        std::atomic<int> n{0};
        co_await corio::task_group([&](corio::TaskGroup& tg) -> corio::Coro<void> {
            tg.create_task([](corio::TaskGroup& tg, std::atomic<int>& n) -> corio::Coro<void> {
                co_await corio::yield_now();
                for (int i = 0; i < 10; ++i)
                    tg.create_task([](std::atomic<int>& n) -> corio::Coro<void> {
                        n.fetch_add(1);
                        co_return;
                    }(n));
            }(tg, n));
            co_return;
        });
        co_return n.load();
    };
    CHECK(run_bounded(main(), {.workers = 4}) == 10);
}

TEST_CASE("cancelling a task_group's caller cancels and joins the children", "[task_group][cancel]") {
    struct Out {
        bool cancelled = false;
        std::atomic<int> unwound{0};
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        std::vector<corio::Future<int>> started(4);
        corio::Task<void> outer = corio::spawn([](Out& o, std::vector<corio::Future<int>> s) -> corio::Coro<void> {
            co_await corio::task_group([&](corio::TaskGroup& tg) -> corio::Coro<void> {
                for (auto& f : s)
                    tg.create_task([](Out& o, corio::Future<int> up) -> corio::Coro<void> {
                        corio::Future<int> never;
                        up.set_result(1);
                        try {
                            co_await never;
                        } catch (const corio::CancelledError&) {
                            o.unwound.fetch_add(1);
                            throw;
                        }
                    }(o, f));
                co_return;
            });
        }(o, started));
        co_await corio::gather(started);  // every child is inside its try
        outer.cancel();
        try {
            co_await outer;
        } catch (const corio::CancelledError&) {
            o.cancelled = true;
        }
    };
    Out o;
    run_bounded(main(o), {.workers = 4});
    CHECK(o.cancelled);
    CHECK(o.unwound.load() == 4);
}

TEST_CASE("stress: task groups failing and cancelled with 8 workers", "[task_group][stress]") {
    auto main = []() -> corio::Coro<int> {
        int ends = 0;
        for (int round = 0; round < 100 / corio_test::kScale; ++round) {
            std::vector<corio::Task<int>> groups;
            for (int g = 0; g < 8; ++g)
                groups.push_back(corio::spawn([](int g) -> corio::Coro<int> {
                    co_await corio::task_group([g](corio::TaskGroup& tg) -> corio::Coro<void> {
                        for (int i = 0; i < 8; ++i)
                            tg.create_task([](int i, bool f) -> corio::Coro<void> {
                                for (int y = 0; y < i % 3; ++y) co_await corio::yield_now();
                                if (f && i == 5) throw std::runtime_error("child");
                            }(i, g % 3 == 0));
                        co_return;
                    });
                    co_return g;
                }(g)));
            groups[1].cancel();
            for (auto& t : groups) {
                try {
                    co_await t;
                    ++ends;
                } catch (const corio::ExceptionGroup&) {
                    ++ends;
                } catch (const corio::CancelledError&) {
                    ++ends;
                }
            }
        }
        co_return ends;
    };
    CHECK(run_bounded(main(), {.workers = 8}) == 8 * (100 / corio_test::kScale));
}
