// walk_timeline: pairs begin/end events per track and follows each task from
// spawn to polls to its end. State is per track (open poll, park, blocking
// call) and per live task (site, pending ready time, flow); a task's entry
// goes when a poll_end says it finished, so ids the runtime reuses start over.
#include "timeline.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace corio::trace_tool {

namespace {

constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();

struct TaskState {
    std::uint64_t ready_ns = kNone;  // spawned or woken, not yet polled since
    std::uint64_t flow = 0;          // spawn not yet followed by a poll
    std::uint64_t spawn_ns = 0;
    std::uint64_t track_mask = 0;    // tracks (first 64 slots) that polled it
    std::uint32_t site = 0;
    std::uint32_t spawn_slot = 0;
    std::uint32_t last_slot = kNoSlot;
    bool ready_from_spawn = false;
    bool spawned_in_poll = false;
};

struct TrackState {
    std::uint64_t last_ns = 0;
    bool in_poll = false;
    Poll poll{};
    bool parked = false;
    std::uint64_t park_ns = 0;
    bool blocking = false;
    std::uint64_t job = 0;
    std::uint64_t blocking_ns = 0;
};

}  // namespace

TimelineStats walk_timeline(const Trace& trace, const Source& source, TimelineVisitor& visitor) {
    TimelineStats stats;
    std::vector<TrackState> tracks(trace.tracks.size());
    std::unordered_map<std::uint64_t, TaskState> tasks;
    std::uint64_t flows = 0;

    EventMerger merger(trace, source);
    std::uint32_t slot = 0;
    Event e{};
    while (merger.next(slot, e)) {
        const auto kind = static_cast<std::uint16_t>(e.kind);
        if (kind == 0 || kind > corio::trace::kLastEventKind) {
            ++stats.unknown_kinds;
            continue;
        }
        TrackState& ts = tracks[slot];
        // Spans must not come out negative: a track's clock only moves on.
        if (e.time_ns < ts.last_ns) {
            ++stats.backwards;
            e.time_ns = ts.last_ns;
        }
        ts.last_ns = e.time_ns;
        const std::uint64_t t = e.time_ns;
        visitor.event(slot, e);

        switch (e.kind) {
        case EventKind::spawn: {
            TaskState& s = tasks[e.task];
            s = TaskState{};  // a new life for this id
            s.site = e.a;
            s.ready_ns = t;
            s.ready_from_spawn = true;
            s.flow = ++flows;
            s.spawn_ns = t;
            s.spawn_slot = slot;
            s.spawned_in_poll = ts.in_poll;
            break;
        }
        case EventKind::wake: {
            TaskState& s = tasks[e.task];
            if (s.ready_ns == kNone) {  // the first wake counts; later ones find it queued
                s.ready_ns = t;
                s.ready_from_spawn = false;
            }
            break;
        }
        case EventKind::poll_begin: {
            if (ts.in_poll) ++stats.unmatched;  // its poll_end was dropped
            if (ts.parked) {                    // so was an unpark
                ++stats.unmatched;
                ts.parked = false;
            }
            TaskState& s = tasks[e.task];
            if (s.ready_ns != kNone) {
                // Clamping a backwards clock on another track can put the
                // ready time after this poll: count that as no wait.
                visitor.latency(t > s.ready_ns ? t - s.ready_ns : 0, s.ready_from_spawn);
                s.ready_ns = kNone;
            }
            Poll& p = ts.poll;
            p = Poll{};
            p.slot = slot;
            p.task = e.task;
            p.site = s.site;
            p.begin = t;
            p.flow = s.flow;
            p.spawn_slot = s.spawn_slot;
            p.spawn_ns = s.spawn_ns;
            p.spawned_in_poll = s.spawned_in_poll;
            s.flow = 0;
            if (slot < 64) {
                p.first_on_track = (s.track_mask & (std::uint64_t{1} << slot)) == 0;
                s.track_mask |= std::uint64_t{1} << slot;
            } else {
                p.first_on_track = s.last_slot != slot;  // approximate beyond 64 tracks
            }
            s.last_slot = slot;
            ts.in_poll = true;
            break;
        }
        case EventKind::poll_end: {
            if (ts.in_poll && ts.poll.task == e.task) {
                ts.poll.end = t;
                ts.poll.finished = e.b == 1;
                visitor.poll(ts.poll);
            } else {
                ++stats.unmatched;
            }
            ts.in_poll = false;
            if (e.b == 1) tasks.erase(e.task);
            break;
        }
        case EventKind::park:
            if (ts.parked) ++stats.unmatched;
            ts.parked = true;
            ts.park_ns = t;
            break;
        case EventKind::unpark:
            if (ts.parked) visitor.parked(slot, ts.park_ns, t);
            else ++stats.unmatched;
            ts.parked = false;
            break;
        case EventKind::blocking_begin:
            if (ts.blocking) ++stats.unmatched;
            ts.blocking = true;
            ts.job = e.task;
            ts.blocking_ns = t;
            break;
        case EventKind::blocking_end:
            if (ts.blocking && ts.job == e.task) visitor.blocking(slot, e.task, ts.blocking_ns, t);
            else ++stats.unmatched;
            ts.blocking = false;
            break;
        default:
            break;  // steal, io, timers: instants, seen through event() above
        }
    }

    // What was still going on when the trace stopped ends with it; a poll
    // that never returned is how a hung program's culprit shows up.
    const std::uint64_t span = trace.span_ns();
    for (std::uint32_t s = 0; s < tracks.size(); ++s) {
        TrackState& ts = tracks[s];
        if (ts.in_poll) {
            ts.poll.end = std::max(span, ts.poll.begin);
            ts.poll.running_at_end = true;
            visitor.poll(ts.poll);
        }
        if (ts.parked) visitor.parked(s, ts.park_ns, std::max(span, ts.park_ns));
        if (ts.blocking) visitor.blocking(s, ts.job, ts.blocking_ns, std::max(span, ts.blocking_ns));
    }
    return stats;
}

}  // namespace corio::trace_tool
