// Turns the time-ordered event stream into what the reports are about:
// polls (begin..end on a track, with the task's spawn site), parked spans,
// blocking-pool calls, steals and schedule latencies. One walk serves the
// summary, the Chrome JSON and the SVG alike; it tolerates what dropped
// events leave behind (an end with no begin is skipped and counted).
#pragma once

#include <cstdint>

#include "reader.hpp"

namespace corio::trace_tool {

struct Poll {
    std::uint32_t slot;   // track
    std::uint64_t task;
    std::uint32_t site;   // 0: spawned before the trace began, or its spawn was dropped
    std::uint64_t begin, end;
    bool finished;        // the task completed in this poll
    bool running_at_end;  // never ended: the trace stopped during it
    bool first_on_track;  // first poll of this task (this life of its id) on this track
    // Set on a task's first poll after its spawn: the flow from spawn to it.
    std::uint64_t flow;   // 0 for none, else unique per spawn
    std::uint32_t spawn_slot;
    std::uint64_t spawn_ns;
    bool spawned_in_poll;  // the spawner was inside a poll of its track
};

class TimelineVisitor {
public:
    virtual ~TimelineVisitor() = default;
    virtual void poll(const Poll&) {}
    // Spawn or wake to the next poll_begin of that task.
    virtual void latency(std::uint64_t ns, bool from_spawn) { (void)ns, (void)from_spawn; }
    virtual void parked(std::uint32_t slot, std::uint64_t begin, std::uint64_t end) {
        (void)slot, (void)begin, (void)end;
    }
    virtual void blocking(std::uint32_t slot, std::uint64_t job, std::uint64_t begin, std::uint64_t end) {
        (void)slot, (void)job, (void)begin, (void)end;
    }
    // Every event of a valid kind, as read (steal, io, timer, spawn, wake...).
    virtual void event(std::uint32_t slot, const Event& e) { (void)slot, (void)e; }
};

struct TimelineStats {
    std::uint64_t unknown_kinds = 0;  // events of kinds this reader does not know: skipped
    std::uint64_t unmatched = 0;      // ends without a begin, begins over an open span
    std::uint64_t backwards = 0;      // a track's time went backwards
};

TimelineStats walk_timeline(const Trace& trace, const Source& source, TimelineVisitor& visitor);

}  // namespace corio::trace_tool
