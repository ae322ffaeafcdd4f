// corio-trace summary: the figures of the known-answer trace (sample_trace.hpp)
// come out exactly — busy time, polls, tasks, steals, parks, histogram
// buckets, the longest polls with their sites, latency percentiles — and the
// printed report shows them.
#include <catch2/catch.hpp>

#include <sstream>

#include "quantiles.hpp"
#include "sample_trace.hpp"
#include "summary.hpp"
#include "text.hpp"

using namespace corio::trace_tool;
using namespace corio::trace_test;
using Catch::Matchers::Contains;

TEST_CASE("summary figures of the known-answer trace") {
    const std::string bytes = sample_trace();
    MemorySource src(bytes);
    const Trace t = read_index(src);
    const Summary s = summarize(t, src);

    CHECK(s.span_ns == 1000000);
    REQUIRE(s.tracks.size() == 3);
    const TrackSummary& w0 = s.tracks[0];
    const TrackSummary& w1 = s.tracks[1];
    CHECK(w0.busy_ns == 210000);
    CHECK(w0.polls == 3);
    CHECK(w0.tasks == 2);
    CHECK(w0.parks == 1);
    CHECK(w0.parked_ns == 400000);
    CHECK(w0.steals == 0);
    CHECK(w1.busy_ns == 900500);
    CHECK(w1.polls == 3);
    CHECK(w1.tasks == 2);
    CHECK(w1.steals == 1);
    CHECK(w1.stolen == 3);
    CHECK(s.tracks[2].polls == 0);

    std::array<std::uint64_t, 64> expected{};
    expected[8] = 1;
    expected[13] = 1;
    expected[16] = 3;
    expected[19] = 1;
    CHECK(s.poll_histogram == expected);

    REQUIRE(s.longest.size() == 6);
    CHECK(s.longest[0].end - s.longest[0].begin == 800000);
    CHECK(s.longest[0].task == 3);
    CHECK(s.longest[0].site == 1);
    CHECK(s.longest[0].slot == 1);
    CHECK(s.longest[1].begin == 1000);  // equal lengths: earlier first
    CHECK(s.longest[2].begin == 302000);
    CHECK(s.longest[3].begin == 900000);
    CHECK(s.longest[3].running_at_end);
    CHECK(s.longest[3].end == 1000000);
    CHECK(s.longest[4].site == 2);  // task id 1 reused: its new spawn's site
    CHECK(s.longest[4].task == 1);
    CHECK(s.longest[4].finished);
    CHECK(s.longest[5].end - s.longest[5].begin == 500);

    CHECK(s.latency.count() == 5);
    CHECK(s.latency.percentile(50) == 4000);
    CHECK(s.latency.percentile(99) == 10240);
    CHECK(s.spawn_latency.count() == 4);
    CHECK(s.spawn_latency.percentile(50) == 4000);
    CHECK(s.wake_latency.count() == 1);
    CHECK(s.wake_latency.percentile(99) == 2000);

    CHECK(s.spawns == 4);
    CHECK(s.wakes == 1);
    CHECK(s.io_submits == 1);
    CHECK(s.io_completes == 1);
    CHECK(s.io_errors == 1);
    CHECK(s.timer_fires == 1);
    CHECK(s.timer_lateness.max() == 7000);
    CHECK(s.stats.unmatched == 0);

    std::ostringstream out;
    print_summary(out, "sample.trace", t, s);
    const std::string text = out.str();
    CHECK_THAT(text, Contains("2 workers, 3 tracks"));
    CHECK_THAT(text, Contains(" 21.0%"));
    CHECK_THAT(text, Contains(" 40.0%"));  // worker 0 parked
    CHECK_THAT(text, Contains("spawned at src/app/b.cpp:20 in beta() [beta-task]"));
    CHECK_THAT(text, Contains("spawned at src/app/a.cpp:10 in corio::Task<void> alpha(int)"));
    CHECK_THAT(text, Contains("STILL RUNNING"));
    CHECK_THAT(text, Contains("p50 4.00 \xC2\xB5s, p99 10.2 \xC2\xB5s"));
    CHECK_THAT(text, Contains("1 submitted, 1 completed (1 with errors)"));
    CHECK_THAT(text, Contains("dropped: 3 events (worker 1: 3)"));
    CHECK_THAT(text, !Contains("WARNING"));
}

TEST_CASE("the summary of a cut-short trace says so") {
    std::string bytes = sample_trace();
    bytes.resize(bytes.size() - 10);
    MemorySource src(bytes);
    const Trace t = read_index(src);
    std::ostringstream out;
    print_summary(out, "cut.trace", t, summarize(t, src));
    CHECK_THAT(out.str(), Contains("WARNING: truncated"));
}

TEST_CASE("poll histogram buckets are powers of two") {
    CHECK(poll_bucket(0) == 0);
    CHECK(poll_bucket(1) == 0);
    CHECK(poll_bucket(2) == 1);
    CHECK(poll_bucket(3) == 1);
    CHECK(poll_bucket(1023) == 9);
    CHECK(poll_bucket(1024) == 10);
    CHECK(poll_bucket(~std::uint64_t{0}) == 63);
}

TEST_CASE("quantiles are exact when small and within 1/128 above") {
    Quantiles q;
    CHECK(q.percentile(50) == 0);
    for (std::uint64_t v = 1; v <= 100; ++v) q.add(v);
    CHECK(q.percentile(50) == 50);
    CHECK(q.percentile(99) == 99);
    CHECK(q.percentile(100) == 100);
    Quantiles big;
    big.add(123456789);
    const auto p = big.percentile(50);
    CHECK(p <= 123456789);
    CHECK(p >= 123456789 - 123456789 / 128);
    big.add(~std::uint64_t{0});
    CHECK(big.max() == ~std::uint64_t{0});
}

TEST_CASE("durations and site labels read well") {
    CHECK(duration_text(812) == "812 ns");
    CHECK(duration_text(1500) == "1.50 \xC2\xB5s");
    CHECK(duration_text(12'340'000) == "12.3 ms");
    CHECK(duration_text(2'500'000'000) == "2.50 s");
    CHECK(short_function("corio::Task<void> alpha(int)") == "alpha");
    CHECK(short_function("main()::<lambda(int)>") == "main()::<lambda(int)>");
    CHECK(short_function("corio::Task<std::pair<int, int> > ns::f(std::vector<int>) [with T = int]") == "ns::f");
    CHECK(short_function(")))(((") == ")))(((");
    // GCC's name for a coroutine body, as std::source_location reports it inside one.
    const char* actor = "void {anonymous}::skynet(skynet(long int, long int)::_ZN12_GLOBAL__N_16skynetEll.Frame*)";
    CHECK(tidy_function(actor) == "{anonymous}::skynet(long int, long int)");
    CHECK(short_function(tidy_function(actor)) == "{anonymous}::skynet");
    CHECK(tidy_function("void S::run(S::run(int)::_ZN1S3runEi.Frame*)") == "S::run(int)");
    CHECK(tidy_function("int main()") == "int main()");
    CHECK(tidy_function("(::_Z.Frame*)") == "(::_Z.Frame*)");
}

TEST_CASE("blocking-pool threads are summed in one line, not one row each") {
    using K = corio::trace::EventKind;
    TraceBuilder b(1);
    b.track(0, corio::trace::TrackKind::worker, 0, "")
        .track(7, corio::trace::TrackKind::blocking, 0, "")
        .track(8, corio::trace::TrackKind::blocking, 1, "");
    b.events(7, {ev(100, K::blocking_begin, 1), ev(2100, K::blocking_end, 1), ev(3000, K::blocking_begin, 3)});
    b.events(8, {ev(200, K::blocking_begin, 2), ev(1200, K::blocking_end, 2)});
    b.events(0, {ev(0, K::poll_begin, 5), ev(50, K::poll_end, 5, 0, 1)});
    b.end(4000);
    MemorySource src(b.bytes);
    const Trace t = read_index(src);
    const Summary s = summarize(t, src);
    CHECK(s.tracks[1].blocking_calls == 2);           // the one still running at the end counts
    CHECK(s.tracks[1].blocking_ns == 2000 + 1000);    // ... until the trace's end
    CHECK(s.tracks[2].blocking_ns == 1000);
    std::ostringstream out;
    print_summary(out, "b.trace", t, s);
    CHECK_THAT(out.str(), Contains("blocking pool: 3 calls on 2 threads, 4.00 \xC2\xB5s in total"));
    CHECK_THAT(out.str(), !Contains("blocking 0 "));
    CHECK_THAT(out.str(), Contains("worker 0 "));
}
