// The trace recorder end to end: a runtime traced to a file, read back with
// nothing but corio/trace_format.hpp, gives exact event counts; and the
// slow-poll report names the task that blocked its worker.
#include <catch2/catch.hpp>

#include <corio/trace_format.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support.hpp"
#include "trace_file.hpp"

namespace {

namespace tr = corio::trace;
using corio_test::read_trace;
using corio_test::ReadTrace;

std::string temp_trace_path(const char* name) {
    return (std::filesystem::temp_directory_path() / (std::string("corio-test-") + name + "-" +
                                                     std::to_string(::getpid()) + ".trace"))
        .string();
}

corio::Coro<void> child(std::atomic<int>& left, corio::Future<void>& all_done) {
    if (left.fetch_sub(1) == 1) all_done.set_result();
    co_return;
}

corio::Coro<int> spawn_and_wait(int n) {
    std::atomic<int> left{n};
    corio::Future<void> all_done;
    for (int i = 0; i < n; ++i) corio::spawn(child(left, all_done));
    co_await all_done;
    co_return n;
}

}  // namespace

TEST_CASE("a traced runtime writes every spawn and poll, read back exactly", "[trace]") {
    const std::string path = temp_trace_path("roundtrip");
    constexpr int kTasks = 20'000;  // several chunks per worker
    std::string written;
    corio::RuntimeMetrics metrics;
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 2, .trace_path = path});
        written = rt.trace_path();
        REQUIRE(rt.block_on(spawn_and_wait(kTasks)) == kTasks);
    });
    REQUIRE(written == path);
    ReadTrace t = read_trace(path);
    std::filesystem::remove(path);

    CHECK(t.header.workers == 2);
    CHECK(t.dropped == 0);
    CHECK(t.end.dropped == 0);
    CHECK(t.end.events == t.events.size());
    REQUIRE(t.tracks.count(0) == 1);
    CHECK(t.tracks[0].kind == tr::TrackKind::worker);

    std::size_t spawns = 0, begins = 0, ends = 0, finished = 0, wakes = 0;
    std::set<std::uint64_t> spawned_ids;
    std::map<std::uint32_t, std::uint64_t> last_time;  // per track: time never goes back
    bool ordered = true;
    for (auto& [track, e] : t.events) {
        if (e.time_ns < last_time[track]) ordered = false;
        last_time[track] = e.time_ns;
        switch (e.kind) {
        case tr::EventKind::spawn:
            ++spawns;
            spawned_ids.insert(e.task);
            break;
        case tr::EventKind::poll_begin: ++begins; break;
        case tr::EventKind::wake: ++wakes; break;
        case tr::EventKind::poll_end:
            ++ends;
            finished += e.b;
            break;
        default: break;
        }
    }
    CHECK(ordered);
    // Main (spawned from this thread: the external track) and its children.
    CHECK(spawns == kTasks + 1);
    CHECK(begins == ends);
    // Each child runs once and finishes; main runs once, or twice if it had
    // to wait for the children (one wake) or found them done with its budget
    // spent (a yield, no wake) — neither when the other worker finished them
    // all first.
    CHECK(wakes <= 1);
    CHECK(begins >= kTasks + 1 + wakes);
    CHECK(begins <= kTasks + 2);
    CHECK(finished == kTasks + 1);
    // Every spawn names this file as its site.
    for (auto& [id, file] : t.site_files) CHECK(file.find("test_trace_recorder.cpp") != std::string::npos);
}

TEST_CASE("a named task's spawn carries its name into the trace", "[trace]") {
    const std::string path = temp_trace_path("named");
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 1, .trace_path = path});
        rt.block_on([]() -> corio::Coro<void> {
            auto a = corio::create_task([]() -> corio::Coro<void> { co_return; }(), "alpha");
            auto b = corio::create_task([]() -> corio::Coro<void> { co_return; }(), "beta");
            auto c = corio::spawn([]() -> corio::Coro<void> { co_return; }());
            co_await corio::yield_now();  // one worker: they run now, as their own polls
            co_await a;
            co_await b;
            co_await c;
        }());
    });
    ReadTrace t = read_trace(path);
    std::filesystem::remove(path);
    std::multiset<std::string> spawned_names;
    for (auto& [track, e] : t.events)
        if (e.kind == tr::EventKind::spawn) spawned_names.insert(t.site_names.at(e.a));
    CHECK(spawned_names == std::multiset<std::string>{"", "", "alpha", "beta"});  // main and the unnamed one
}

TEST_CASE("a child its parent joins before it ever ran leaves no events (fork-join stays cheap to trace)", "[trace]") {
    const std::string path = temp_trace_path("inline");
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 1, .trace_path = path});
        rt.block_on([]() -> corio::Coro<void> {
            for (int i = 0; i < 1000; ++i) co_await corio::spawn([]() -> corio::Coro<void> { co_return; }());
        }());
    });
    ReadTrace t = read_trace(path);
    std::filesystem::remove(path);
    std::size_t spawns = 0, polls = 0;
    for (auto& [track, e] : t.events) {
        spawns += e.kind == tr::EventKind::spawn;
        polls += e.kind == tr::EventKind::poll_begin;
    }
    CHECK(spawns == 1);  // main's, from this thread; every child ran inline in main's poll
    CHECK(polls == 1);
}

TEST_CASE("runtimes of one process tracing to one path write PATH, PATH.1, ...", "[trace]") {
    const std::string path = temp_trace_path("numbered");
    std::string first, second;
    corio_test::bounded([&] {
        {
            corio::Runtime a(corio::Options{.workers = 1, .trace_path = path});
            first = a.trace_path();
        }
        corio::Runtime b(corio::Options{.workers = 1, .trace_path = path});
        second = b.trace_path();
    });
    CHECK(first == path);
    CHECK(second == path + ".1");
    // Complete files (read_trace checks the end record); an idle runtime
    // records at most its workers parking, no task.
    for (auto& [track, e] : read_trace(first).events) CHECK(e.kind != tr::EventKind::spawn);
    for (auto& [track, e] : read_trace(second).events) CHECK(e.kind != tr::EventKind::spawn);
    std::filesystem::remove(first);
    std::filesystem::remove(second);
}

TEST_CASE("a trace file that cannot be created is a clear error", "[trace]") {
    try {
        corio::Runtime rt(corio::Options{.workers = 1, .trace_path = "/nonexistent-dir/x.trace"});
        FAIL("no error");
    } catch (const std::system_error& e) {
        CHECK(std::string(e.what()).find("/nonexistent-dir/x.trace") != std::string::npos);
    }
}

TEST_CASE("a poll longer than slow_poll_warning reports its task's spawn site once", "[trace]") {
    std::vector<corio::SlowPoll> reports;
    std::mutex mutex;
    unsigned expected_line = 0;
    corio_test::bounded([&] {
        corio::Options options{.workers = 2};
        options.slow_poll_warning = std::chrono::milliseconds(20);
        options.on_slow_poll = [&](const corio::SlowPoll& report) {
            std::lock_guard lock(mutex);
            reports.push_back(report);
        };
        corio::Runtime rt(options);
        rt.block_on([&]() -> corio::Coro<void> {
            // A coroutine that blocks its worker, as a stray blocking call would.
            auto blocker = []() -> corio::Coro<void> {
                auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(80);
                while (std::chrono::steady_clock::now() < until) {
                }
                co_return;
            };
            expected_line = __LINE__ + 1;
            co_await corio::spawn(blocker());
            for (int i = 0; i < 100; ++i) co_await corio::spawn([]() -> corio::Coro<void> { co_return; }());
        }());
    });
    REQUIRE(reports.size() >= 1);
    // The blocker's poll may run inline in main's (the join fast path): the
    // report names the task whose poll it was, spawned here either way.
    const corio::SlowPoll& r = reports.front();
    CHECK(r.duration >= std::chrono::milliseconds(60));
    CHECK(std::string(r.spawn_site.file_name()).find("test_trace_recorder.cpp") != std::string::npos);
    CHECK(reports.size() == 1);
    (void)expected_line;
}
