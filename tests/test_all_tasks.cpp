// all_tasks(): names, spawn sites and states of live tasks; tasks leave the
// dump when they finish; tasks not yet run are counted; a dump taken from
// another thread while tasks come and go is safe (TSan) and consistent.
#include <catch2/catch.hpp>

#include "support.hpp"

using corio_test::wait_on;

namespace {

const corio::TaskInfo* find_named(const corio::TaskDump& dump, const std::string& name) {
    for (const auto& t : dump.tasks)
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace

TEST_CASE("all_tasks lists a waiting task with its name and site until it finishes", "[all_tasks]") {
    corio_test::bounded([] {
        corio::Runtime rt(corio::Options{.workers = 2});
        corio::Future<int> gate;
        unsigned line = __LINE__ + 1;
        corio::Task<int> t = rt.spawn(wait_on(gate));
        t.set_name("gatekeeper");
        CHECK(t.name() == "gatekeeper");
        // Bounded: the task reaches its await on a worker soon.
        corio::TaskDump dump;
        const corio::TaskInfo* info = nullptr;
        for (int i = 0; i < 100000; ++i) {
            dump = rt.all_tasks();
            info = find_named(dump, "gatekeeper");
            if (info && info->state == corio::TaskState::waiting) break;
            std::this_thread::yield();
        }
        REQUIRE(info);
        CHECK(info->state == corio::TaskState::waiting);
        CHECK(info->spawn_site.line() == line);
        CHECK(info->task == t);
        CHECK(dump.to_string().find("waiting \"gatekeeper\" spawned at") != std::string::npos);
        gate.set_result(5);
        CHECK(rt.block_on([](corio::Task<int> t) -> corio::Coro<int> { co_return co_await t; }(t)) == 5);
        CHECK(find_named(rt.all_tasks(), "gatekeeper") == nullptr);
        CHECK(t.name() == "gatekeeper");  // a finished task keeps its name
    });
}

TEST_CASE("all_tasks from a task shows it running, and counts tasks not yet started", "[all_tasks]") {
    corio::TaskDump dump;
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 1});
        dump = rt.block_on([]() -> corio::Coro<corio::TaskDump> {
            std::vector<corio::Task<void>> children;
            for (int i = 0; i < 10; ++i) children.push_back(corio::spawn([]() -> corio::Coro<void> { co_return; }()));
            corio::TaskDump d = corio::all_tasks();  // one worker: none of them ran yet
            for (auto& c : children) co_await c;
            co_return d;
        }());
    });
    CHECK(dump.not_started == 10);
    REQUIRE(dump.tasks.size() == 1);
    CHECK(dump.tasks[0].state == corio::TaskState::running);
    CHECK(dump.tasks[0].worker == 0);
    CHECK(std::string(dump.tasks[0].spawn_site.file_name()).find("test_all_tasks.cpp") != std::string::npos);
}

TEST_CASE("create_task(coro, name) names the task", "[all_tasks]") {
    std::string name;
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 1});
        name = rt.block_on([]() -> corio::Coro<std::string> {
            auto t = corio::create_task([]() -> corio::Coro<void> { co_return; }(), "worker-7");
            co_await t;
            co_return t.name();
        }());
    });
    CHECK(name == "worker-7");
}

TEST_CASE("a task handle outlives its runtime: result, name, set_name, cancel and its end", "[all_tasks]") {
    // As asyncio's Task outlives its loop. The tasks suspended (so were
    // listed) and one was named; none may reach back into the freed
    // runtime (ASan in CI).
    corio::Task<int> plain, named, created, instant;
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 2});
        auto nap = []() -> corio::Coro<int> {
            co_await corio::yield_now();
            co_return 7;
        };
        plain = rt.spawn(nap());
        named = rt.spawn(nap());
        instant = rt.spawn([]() -> corio::Coro<int> { co_return 1; }());  // never suspends: never listed
        named.set_name("before");
        created = rt.block_on([&]() -> corio::Coro<corio::Task<int>> {
            auto t = corio::create_task(nap(), "created");
            co_await t;
            co_await plain;
            co_await named;
            co_await instant;
            co_return t;
        }());
    });
    CHECK(plain.result() == 7);
    CHECK(plain.name().empty());
    CHECK(named.name() == "before");
    named.set_name("after");
    CHECK(named.name() == "after");
    plain.set_name("late");
    CHECK(plain.name() == "late");
    CHECK(created.name() == "created");
    instant.set_name("after the end");  // freed with the handle (LeakSanitizer in CI)
    CHECK(instant.name() == "after the end");
    CHECK_FALSE(named.cancel());  // done: nothing to cancel
    CHECK(named.result() == 7);
    // The handles' destructors free the tasks here, after the runtime.
}

TEST_CASE("all_tasks outside a runtime is a clear error", "[all_tasks]") {
    CHECK_THROWS_AS(corio::all_tasks(), corio::InvalidStateError);
}

TEST_CASE("a task named from another thread as it first suspends is listed once", "[all_tasks]") {
    const int n = 400 / corio_test::kScale;
    bool once = true, emptied = false;
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 2});
        corio::Future<int> gate;
        std::vector<corio::Task<int>> ts;
        for (int i = 0; i < n; ++i) {
            ts.push_back(rt.spawn(wait_on(gate)));
            ts.back().set_name("t" + std::to_string(i));  // races the task's own registration
        }
        // Bounded: every task reaches its await on a worker soon.
        corio::TaskDump dump;
        for (int i = 0; i < 100000; ++i) {
            dump = rt.all_tasks();
            std::size_t waiting = 0;
            for (auto& t : dump.tasks) waiting += t.state == corio::TaskState::waiting;
            if (waiting == static_cast<std::size_t>(n)) break;
            std::this_thread::yield();
        }
        std::vector<int> seen(static_cast<std::size_t>(n));
        for (auto& t : dump.tasks)
            if (t.name.size() > 1 && t.name[0] == 't') ++seen[static_cast<std::size_t>(std::stoi(t.name.substr(1)))];
        for (int c : seen) once = once && c == 1;
        gate.set_result(1);
        rt.block_on([](std::vector<corio::Task<int>> ts) -> corio::Coro<void> {
            for (auto& t : ts) co_await t;
        }(ts));
        for (int i = 0; i < 100000 && !emptied; ++i) {
            emptied = rt.all_tasks().tasks.empty();
            if (!emptied) std::this_thread::yield();
        }
    });
    CHECK(once);
    CHECK(emptied);
}

TEST_CASE("stress: dumps from another thread while tasks suspend, get named and finish", "[all_tasks][stress]") {
    const int rounds = 200 / corio_test::kScale;
    std::size_t max_listed = 0;
    bool emptied = false;
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 8});
        corio::Future<int> seen;  // set by the dumper once it listed a task
        std::atomic<bool> stop{false};
        std::thread dumper([&] {
            bool told = false;
            while (!stop.load()) {
                corio::TaskDump d = rt.all_tasks();
                max_listed = std::max(max_listed, d.tasks.size());
                for (auto& t : d.tasks)
                    if (t.task.valid()) (void)t.task.name();
                if (!told && !d.tasks.empty()) {
                    seen.set_result(1);
                    told = true;
                }
            }
        });
        rt.block_on([](int rounds, corio::Future<int> seen) -> corio::Coro<void> {
            // Listed (waiting) until the dumper has seen something.
            auto gate = corio::create_task([](corio::Future<int> f) -> corio::Coro<int> { co_return co_await f; }(seen),
                                           "gate");
            for (int r = 0; r < rounds; ++r) {
                std::vector<corio::Task<void>> ts;
                for (int i = 0; i < 50; ++i) {
                    ts.push_back(corio::spawn([]() -> corio::Coro<void> {
                        co_await corio::yield_now();
                        co_await corio::yield_now();
                    }()));
                    if (i % 5 == 0) ts.back().set_name("n" + std::to_string(i));
                }
                for (auto& t : ts) co_await t;
            }
            co_await gate;
        }(rounds, seen));
        stop = true;
        dumper.join();
        // block_on returns once main's result is out; its poll ends a moment later.
        for (int i = 0; i < 100000 && !emptied; ++i) {
            emptied = rt.all_tasks().tasks.empty();
            if (!emptied) std::this_thread::yield();
        }
    });
    CHECK(max_listed >= 1);
    CHECK(emptied);
}
