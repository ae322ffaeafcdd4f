// Misuse gives a clear error, never undefined behaviour (DESIGN.md §5), and
// the error hierarchy: CancelledError stands outside std::exception; the
// others derive from corio::Error. A failed task whose exception nobody
// retrieved is reported through the configurable hook with its message and
// spawn site.
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using Catch::Matchers::Contains;
using corio_test::bounded;
using corio_test::run_bounded;
using corio_test::Tracker;

using corio_test::value_of;
using corio_test::fails;

namespace {

corio::Coro<int> takes_tracker(Tracker t) {
    (void)t;
    co_return 1;
}

// Captures unretrieved-exception reports for the duration of a test.
struct ReportSink {
    struct Report {
        std::string message;
        std::string file;
        unsigned line;
    };
    std::mutex m;
    std::condition_variable cv;
    std::vector<Report> reports;
    corio::UnretrievedExceptionHandler previous;

    ReportSink() {
        previous = corio::set_unretrieved_exception_handler([this](const corio::UnretrievedException& r) {
            std::lock_guard lock(m);
            reports.push_back({corio::describe(r.error), r.spawn_site.file_name(), r.spawn_site.line()});
            cv.notify_all();
        });
    }
    ~ReportSink() { corio::set_unretrieved_exception_handler(previous); }

    // Waits (bounded) until at least n reports came in; returns how many did.
    std::size_t wait_for(std::size_t n) {
        std::unique_lock lock(m);
        cv.wait_for(lock, std::chrono::seconds(20), [&] { return reports.size() >= n; });
        return reports.size();
    }
    std::size_t count() {
        std::lock_guard lock(m);
        return reports.size();
    }
};

}  // namespace

TEST_CASE("the error hierarchy: CancelledError is no std::exception, the rest are corio::Error", "[errors]") {
    STATIC_REQUIRE_FALSE(std::is_base_of_v<std::exception, corio::CancelledError>);
    STATIC_REQUIRE(std::is_base_of_v<corio::Error, corio::InvalidStateError>);
    STATIC_REQUIRE(std::is_base_of_v<corio::Error, corio::TimeoutError>);
    STATIC_REQUIRE(std::is_base_of_v<std::runtime_error, corio::Error>);

    int where = 0;
    try {
        try {
            throw corio::CancelledError();
        } catch (const std::exception&) {
            where = 1;
        }
    } catch (const corio::CancelledError& e) {
        where = 2;
        CHECK(std::string(e.what()) == "task was cancelled");
    }
    CHECK(where == 2);
    CHECK(std::string(corio::CancelledError("custom").what()) == "custom");
}

TEST_CASE("describe() names the exception in an exception_ptr", "[errors]") {
    CHECK(corio::describe(std::make_exception_ptr(std::runtime_error("plain"))) == "plain");
    CHECK(corio::describe(std::make_exception_ptr(corio::CancelledError("c"))) == "CancelledError: c");
    CHECK(corio::describe(std::make_exception_ptr(42)) == "<unknown exception>");
    CHECK(corio::describe(nullptr) == "<no exception>");
}

TEST_CASE("result()/exception() of an unfinished task is InvalidStateError", "[errors]") {
    struct Out {
        std::string result_msg, exception_msg;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Future<int> gate;
        corio::Task<int> t = corio::spawn(corio_test::wait_on(gate));
        try {
            (void)t.result();
        } catch (const corio::InvalidStateError& e) {
            o.result_msg = e.what();
        }
        try {
            (void)t.exception();
        } catch (const corio::InvalidStateError& e) {
            o.exception_msg = e.what();
        }
        gate.set_result(1);
        co_await t;
    };
    Out o;
    run_bounded(main(o), {.workers = 2});
    CHECK_THAT(o.result_msg, Contains("not done"));
    CHECK_THAT(o.exception_msg, Contains("not done"));
}

TEST_CASE("result()/exception() of an unfinished Future is InvalidStateError", "[errors]") {
    corio::Future<int> f;
    CHECK_THROWS_MATCHES(f.result(), corio::InvalidStateError, Catch::Matchers::Predicate<corio::InvalidStateError>(
        [](const corio::InvalidStateError& e) { return std::string(e.what()).find("not done") != std::string::npos; },
        "message says 'not done'"));
    CHECK_THROWS_AS(f.exception(), corio::InvalidStateError);
}

TEST_CASE("completing a Future twice is InvalidStateError with a clear message", "[errors]") {
    corio::Future<int> f;
    f.set_result(1);
    try {
        f.set_result(2);
        FAIL("set_result twice did not throw");
    } catch (const corio::InvalidStateError& e) {
        CHECK_THAT(e.what(), Contains("set_result") && Contains("already done"));
    }
    try {
        f.set_exception(std::make_exception_ptr(std::runtime_error("x")));
        FAIL("set_exception after set_result did not throw");
    } catch (const corio::InvalidStateError& e) {
        CHECK_THAT(e.what(), Contains("set_exception") && Contains("already done"));
    }
    CHECK(f.result() == 1);  // the first outcome stands

    corio::Future<int> g;
    CHECK_THROWS_AS(g.set_exception(nullptr), corio::InvalidStateError);
    CHECK_FALSE(g.done());  // a rejected call completes nothing
}

TEST_CASE("spawn with no runtime on this thread is InvalidStateError and frees the Coro", "[errors]") {
    std::atomic<int> live{0};
    try {
        (void)corio::spawn(takes_tracker(Tracker(live)));
        FAIL("spawn outside a runtime did not throw");
    } catch (const corio::InvalidStateError& e) {
        CHECK_THAT(e.what(), Contains("no corio runtime"));
    }
    CHECK(live == 0);
    CHECK_THROWS_AS(corio::create_task(value_of(1)), corio::InvalidStateError);
}

TEST_CASE("awaiting a Coro twice, or an empty one, is InvalidStateError", "[errors]") {
    struct Out {
        std::string twice, empty, spawned_empty;
        int first = 0;
    };
    auto main = [](Out& o) -> corio::Coro<void> {
        corio::Coro<int> c = value_of(4);
        o.first = co_await c;
        try {
            co_await c;
        } catch (const corio::InvalidStateError& e) {
            o.twice = e.what();
        }
        corio::Coro<int> moved = std::move(c);
        try {
            co_await c;  // moved from
        } catch (const corio::InvalidStateError& e) {
            o.empty = e.what();
        }
        corio::Coro<int> none;
        try {
            (void)corio::spawn(std::move(none));
        } catch (const corio::InvalidStateError& e) {
            o.spawned_empty = e.what();
        }
    };
    Out o;
    run_bounded(main(o), {.workers = 1});
    CHECK(o.first == 4);
    CHECK_THAT(o.twice, Contains("already ran"));
    CHECK_THAT(o.empty, Contains("empty"));
    CHECK_THAT(o.spawned_empty, Contains("empty"));
}

TEST_CASE("block_on from a worker thread is InvalidStateError", "[errors]") {
    std::string msg = bounded([] {
        corio::Runtime rt({.workers = 2});
        return rt.block_on([](corio::Runtime& r) -> corio::Coro<std::string> {
            try {
                (void)r.block_on(value_of(1));
            } catch (const corio::InvalidStateError& e) {
                co_return e.what();
            }
            co_return "no error";
        }(rt));
    });
    CHECK_THAT(msg, Contains("worker"));
}

TEST_CASE("empty Task and moved-from Future handles are InvalidStateError", "[errors]") {
    corio::Task<int> t;
    CHECK_FALSE(t.valid());
    CHECK_THROWS_AS(t.done(), corio::InvalidStateError);
    CHECK_THROWS_AS(t.cancel(), corio::InvalidStateError);
    CHECK_THROWS_AS(t.result(), corio::InvalidStateError);

    corio::Future<int> f;
    corio::Future<int> g = std::move(f);
    CHECK_THROWS_AS(f.done(), corio::InvalidStateError);
    CHECK_THROWS_AS(f.set_result(1), corio::InvalidStateError);
    CHECK_FALSE(g.done());
}

TEST_CASE("too many workers is InvalidStateError", "[errors]") {
    CHECK_THROWS_AS(corio::Runtime({.workers = 5000}), corio::InvalidStateError);
}

TEST_CASE("an unretrieved task exception is reported with its message and spawn site", "[errors][unretrieved]") {
    ReportSink sink;
    unsigned spawn_line = 0;
    bounded([&] {
        corio::Runtime rt({.workers = 2});
        rt.block_on([](unsigned& line) -> corio::Coro<void> {
            // Detached at once: nobody will look at its exception.
            line = __LINE__ + 1;
            (void)corio::spawn(fails("nobody looked at me"));
            co_return;
        }(spawn_line));
        sink.wait_for(1);  // bounded; the checks below say whether it came
    });
    REQUIRE(sink.count() == 1);
    CHECK(sink.reports[0].message == "nobody looked at me");
    CHECK(sink.reports[0].line == spawn_line);
    CHECK_THAT(sink.reports[0].file, Catch::Matchers::EndsWith("test_errors.cpp"));
}

TEST_CASE("the last handle of a failed task reports it, unless the exception was retrieved", "[errors][unretrieved]") {
    ReportSink sink;
    std::size_t before = 99;
    bounded([&] {
        corio::Runtime rt({.workers = 2});
        // Kept handles: finished, never looked at, then dropped on the main thread.
        std::vector<corio::Task<int>> unlooked, awaited, by_result, by_exception;
        rt.block_on([](auto& u, auto& a, auto& r, auto& e) -> corio::Coro<void> {
            for (int i = 0; i < 3; ++i) u.push_back(corio::spawn(fails("unlooked")));
            a.push_back(corio::spawn(fails("awaited")));
            r.push_back(corio::spawn(fails("by result")));
            e.push_back(corio::spawn(fails("by exception")));
            try {
                co_await a[0];
            } catch (const std::runtime_error&) {
            }
            // Wait for the others without retrieving: done callbacks don't count.
            for (auto* v : {&u, &r, &e})
                for (auto& t : *v) {
                    corio::Future<void> done;
                    t.add_done_callback([done](corio::Task<int>) mutable { done.set_result(); });
                    co_await done;
                }
            try {
                (void)r[0].result();
            } catch (const std::runtime_error&) {
            }
            (void)e[0].exception();
        }(unlooked, awaited, by_result, by_exception));
        before = sink.count();
        awaited.clear();
        by_result.clear();
        by_exception.clear();
        unlooked.clear();
        sink.wait_for(3);
        // The runtime's end (here) frees whatever is left, reporting late ones too.
    });
    CHECK(before == 0);
    std::lock_guard lock(sink.m);
    REQUIRE(sink.reports.size() == 3);
    for (auto& r : sink.reports) CHECK(r.message == "unlooked");
}

TEST_CASE("a cancelled task is not reported as an unretrieved exception", "[errors][unretrieved]") {
    ReportSink sink;
    bounded([] {
        corio::run([]() -> corio::Coro<void> {
            corio::Future<int> never;
            corio::Task<int> t = corio::spawn(corio_test::wait_on(never));
            t.cancel();
            co_await corio::yield_now();
            co_return;  // t is dropped, perhaps before it ran; shutdown finishes it
        }(), {.workers = 2});
    });
    CHECK(sink.count() == 0);
}

TEST_CASE("a throwing unretrieved-exception handler does not take the process down", "[errors][unretrieved]") {
    auto previous = corio::set_unretrieved_exception_handler([](const corio::UnretrievedException&) {
        throw std::runtime_error("handler failed");
    });
    int v = bounded([] {
        return corio::run([]() -> corio::Coro<int> {
            (void)corio::spawn(fails("dropped"));
            co_await corio::yield_now();
            co_return 3;
        }(), {.workers = 2});
    });
    corio::set_unretrieved_exception_handler(previous);
    CHECK(v == 3);
}
