// The corio-trace program as a user meets it: usage errors exit 2, a good
// trace exits 0 and writes its outputs, a cut-short one exits 3 with a
// warning, and a missing, foreign, newer or corrupt file exits 1 with one
// message naming the file and the problem.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>

#include "sample_trace.hpp"

using namespace corio::trace_test;
using Catch::Matchers::Contains;

namespace {

struct Run {
    int status = -1;
    std::string out, err;
};

// Runs corio-trace with `args` (already shell-quoted where needed).
Run corio_trace(const std::string& args, const TempFile& scratch) {
    const std::string cmd = std::string(CORIO_TRACE_EXE) + " " + args + " >" + scratch.path + ".out 2>" +
                            scratch.path + ".err";
    const int rc = std::system(cmd.c_str());
    Run r;
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + (WIFSIGNALED(rc) ? WTERMSIG(rc) : 0);
    r.out = slurp(scratch.path + ".out");
    r.err = slurp(scratch.path + ".err");
    return r;
}

std::size_t lines(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

}  // namespace

TEST_CASE("usage errors exit 2, --help exits 0") {
    TempFile scratch;
    Run r = corio_trace("", scratch);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("usage: corio-trace"));
    r = corio_trace("frobnicate x.trace", scratch);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("unknown command 'frobnicate'"));
    r = corio_trace("summary", scratch);
    CHECK(r.status == 2);
    r = corio_trace("summary a b", scratch);
    CHECK(r.status == 2);
    r = corio_trace("svg a --width 5", scratch);
    CHECK(r.status == 2);
    r = corio_trace("chrome a --bogus", scratch);
    CHECK(r.status == 2);
    r = corio_trace("--help", scratch);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Contains("corio-trace summary FILE"));
}

TEST_CASE("a good trace: summary, chrome and svg exit 0") {
    TempFile trace;
    trace.write(sample_trace());
    Run r = corio_trace("summary " + trace.path, trace);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out, Contains("longest polls"));
    CHECK_THAT(r.out, Contains("worker 1"));

    r = corio_trace("chrome " + trace.path + " -o " + trace.path + ".json", trace);
    CHECK(r.status == 0);
    CHECK_THAT(slurp(trace.path + ".json"), Contains("\"traceEvents\""));
    r = corio_trace("svg " + trace.path, trace);  // default output: FILE.svg
    CHECK(r.status == 0);
    CHECK_THAT(slurp(trace.path + ".svg"), Contains("</svg>"));
}

TEST_CASE("a cut-short trace exits 3 after summarising what it has") {
    TempFile trace;
    std::string bytes = sample_trace();
    bytes.resize(bytes.size() - 40);  // the end record and half the dropped one
    trace.write(bytes);
    Run r = corio_trace("summary " + trace.path, trace);
    CHECK(r.status == 3);
    CHECK_THAT(r.out, Contains("WARNING: truncated"));
    CHECK_THAT(r.err, Contains(trace.path + ": warning: truncated"));
    CHECK(lines(r.err) == 1);
    r = corio_trace("chrome " + trace.path + " -o " + trace.path + ".json", trace);
    CHECK(r.status == 3);
    CHECK_THAT(slurp(trace.path + ".json"), Contains("\"truncated\":\"dropped record at offset"));
}

TEST_CASE("unreadable traces exit 1 with one message naming the file") {
    TempFile trace;
    auto expect_error = [&](const std::string& bytes, const std::string& why) {
        trace.write(bytes);
        for (const char* cmd : {"summary ", "chrome ", "svg "}) {
            Run r = corio_trace(cmd + trace.path + (cmd[0] == 's' && cmd[1] == 'u' ? "" : " -o " + trace.path + ".out"),
                                trace);
            CHECK(r.status == 1);
            CHECK(lines(r.err) == 1);
            CHECK_THAT(r.err, Contains("corio-trace: " + trace.path + ": "));
            CHECK_THAT(r.err, Contains(why));
        }
    };
    expect_error("hello, world\n", "not a corio trace");
    expect_error(TraceBuilder(2, 3).end(0).bytes, "version 3, newer");
    TraceBuilder corrupt(2);
    corrupt.put(corio::trace::RecordHeader{3, 8});
    corrupt.put(corio::trace::EventsRecord{0, 1000000});
    expect_error(corrupt.bytes, "corrupt events record");

    Run r = corio_trace("summary /nonexistent/dir/x.trace", trace);
    CHECK(r.status == 1);
    CHECK(r.err == "corio-trace: /nonexistent/dir/x.trace: cannot open: No such file or directory\n");
    TempFile good;
    good.write(sample_trace());
    r = corio_trace("chrome " + good.path + " -o /nonexistent/dir/out.json", trace);
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("/nonexistent/dir/out.json: cannot create"));
}
