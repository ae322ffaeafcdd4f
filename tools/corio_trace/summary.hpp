// `corio-trace summary`: the figures a person reads first — per-track busy
// share, polls, tasks, steals, parks; the poll-duration histogram; the ten
// longest polls with their spawn sites; schedule latency; I/O, timers,
// blocking calls, dropped events. summarize() computes, print_summary() words.
#pragma once

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "quantiles.hpp"
#include "reader.hpp"
#include "timeline.hpp"

namespace corio::trace_tool {

struct TrackSummary {
    std::uint64_t busy_ns = 0;  // sum of its poll durations
    std::uint64_t polls = 0;
    std::uint64_t tasks = 0;    // distinct tasks polled here
    std::uint64_t steals = 0;   // steal events (this track was the thief)
    std::uint64_t stolen = 0;   // tasks those steals took
    std::uint64_t parks = 0;
    std::uint64_t parked_ns = 0;
    std::uint64_t blocking_calls = 0;
    std::uint64_t blocking_ns = 0;
};

inline constexpr std::size_t kLongestPolls = 10;

struct Summary {
    std::uint64_t span_ns = 0;
    std::vector<TrackSummary> tracks;  // by slot
    // Bucket k counts polls of [2^k, 2^(k+1)) ns; bucket 0 also holds 0 ns.
    std::array<std::uint64_t, 64> poll_histogram{};
    Quantiles poll_durations;
    std::vector<Poll> longest;  // longest first, at most kLongestPolls
    Quantiles latency, spawn_latency, wake_latency;
    std::uint64_t spawns = 0, wakes = 0;
    std::uint64_t io_submits = 0, io_completes = 0, io_errors = 0;
    std::uint64_t timer_fires = 0;
    Quantiles timer_lateness;  // ns
    TimelineStats stats;
};

Summary summarize(const Trace& trace, const Source& source);
void print_summary(std::ostream& out, const std::string& path, const Trace& trace, const Summary& summary);

// Index of the histogram bucket for a poll of `ns`.
std::size_t poll_bucket(std::uint64_t ns);

}  // namespace corio::trace_tool
