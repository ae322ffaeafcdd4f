// Computes and prints the summary (summary.hpp). One timeline walk fills
// fixed-size accumulators (histograms, a ten-entry list), so memory does not
// grow with the trace; only the timeline's per-task table does, with the
// number of tasks alive at once.
#include "summary.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <ctime>

#include "text.hpp"

namespace corio::trace_tool {

std::size_t poll_bucket(std::uint64_t ns) {
    return ns < 2 ? 0 : static_cast<std::size_t>(std::bit_width(ns) - 1);
}

namespace {

class Summarizer final : public TimelineVisitor {
public:
    explicit Summarizer(Summary& s) : s_(s) {}

    void poll(const Poll& p) override {
        const std::uint64_t ns = p.end - p.begin;
        TrackSummary& t = s_.tracks[p.slot];
        t.busy_ns += ns;
        ++t.polls;
        if (p.first_on_track) ++t.tasks;
        ++s_.poll_histogram[poll_bucket(ns)];
        s_.poll_durations.add(ns);
        keep_if_long(p);
    }
    void latency(std::uint64_t ns, bool from_spawn) override {
        s_.latency.add(ns);
        (from_spawn ? s_.spawn_latency : s_.wake_latency).add(ns);
    }
    void parked(std::uint32_t slot, std::uint64_t begin, std::uint64_t end) override {
        s_.tracks[slot].parked_ns += end - begin;
    }
    void blocking(std::uint32_t slot, std::uint64_t, std::uint64_t begin, std::uint64_t end) override {
        ++s_.tracks[slot].blocking_calls;
        s_.tracks[slot].blocking_ns += end - begin;
    }
    void event(std::uint32_t slot, const Event& e) override {
        TrackSummary& t = s_.tracks[slot];
        switch (e.kind) {
        case EventKind::spawn: ++s_.spawns; break;
        case EventKind::wake: ++s_.wakes; break;
        case EventKind::steal:
            ++t.steals;
            t.stolen += e.b;
            break;
        case EventKind::park: ++t.parks; break;
        case EventKind::io_submit: ++s_.io_submits; break;
        case EventKind::io_complete:
            ++s_.io_completes;
            if (static_cast<std::int32_t>(e.a) < 0) ++s_.io_errors;
            break;
        case EventKind::timer_fire:
            ++s_.timer_fires;
            s_.timer_lateness.add(std::uint64_t{e.a} * 1000);
            break;
        default: break;
        }
    }

private:
    static bool longer(const Poll& a, const Poll& b) {
        const std::uint64_t da = a.end - a.begin, db = b.end - b.begin;
        if (da != db) return da > db;
        return a.begin < b.begin;
    }
    void keep_if_long(const Poll& p) {
        auto& v = s_.longest;
        if (v.size() == kLongestPolls && !longer(p, v.back())) return;
        v.insert(std::upper_bound(v.begin(), v.end(), p, longer), p);
        if (v.size() > kLongestPolls) v.pop_back();
    }

    Summary& s_;
};

std::string percent(std::uint64_t part, std::uint64_t whole) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%5.1f%%", whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return buf;
}

std::string seconds(std::uint64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f s", static_cast<double>(ns) / 1e9);
    return buf;
}

std::string utc(std::uint64_t unix_ns) {
    std::time_t t = static_cast<std::time_t>(unix_ns / 1000000000u);
    std::tm tm{};
    char buf[64];
    if (gmtime_r(&t, &tm) == nullptr || std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        return "an unknown time";
    return buf;
}

// Pads to `width` columns: UTF-8 continuation bytes ("µ") take none.
std::string pad(std::string s, std::size_t width) {
    std::size_t columns = 0;
    for (char c : s) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (columns < width) s.append(width - columns, ' ');
    return s;
}

void print_quantiles(std::ostream& out, const char* what, const Quantiles& q) {
    if (q.count() == 0) return;
    out << what << "p50 " << duration_text(q.percentile(50)) << ", p99 " << duration_text(q.percentile(99))
        << ", max " << duration_text(q.max()) << " (n = " << q.count() << ")\n";
}

}  // namespace

Summary summarize(const Trace& trace, const Source& source) {
    Summary s;
    s.span_ns = trace.span_ns();
    s.tracks.resize(trace.tracks.size());
    Summarizer visitor(s);
    s.stats = walk_timeline(trace, source, visitor);
    return s;
}

void print_summary(std::ostream& out, const std::string& path, const Trace& trace, const Summary& s) {
    out << "corio trace " << printable(path) << ": format v" << trace.header.version << ", "
        << trace.header.workers << " workers, " << trace.tracks.size() << " tracks\n";
    out << "span " << duration_text(s.span_ns) << " from " << utc(trace.header.start_unix_ns) << ", "
        << trace.events << " events, " << trace.dropped << " dropped\n";
    if (!trace.truncated.empty())
        out << "WARNING: truncated: " << trace.truncated << "; this summarises the complete records before it\n";
    if (trace.end && trace.end->events != trace.events)
        out << "note: the end record counts " << trace.end->events << " events, the file holds " << trace.events
            << "\n";
    if (trace.unknown_records) out << "note: skipped " << trace.unknown_records << " records of unknown types\n";
    if (trace.trailing_bytes) out << "note: ignored " << trace.trailing_bytes << " bytes after the end record\n";
    if (s.stats.unknown_kinds) out << "note: skipped " << s.stats.unknown_kinds << " events of unknown kinds\n";
    if (s.stats.unmatched)
        out << "note: " << s.stats.unmatched << " begin/end events had no partner (dropped events?)\n";
    if (s.stats.backwards) out << "note: a track's clock went backwards " << s.stats.backwards << " times\n";

    out << "\n" << pad("track", 18) << "   busy      polls      tasks  steals (tasks taken)   parks  parked\n";
    for (std::size_t i = 0; i < trace.tracks.size(); ++i) {
        const TrackSummary& t = s.tracks[i];
        // Blocking-pool threads run no polls: the "blocking pool" line below covers them.
        if (trace.tracks[i].kind == TrackKind::blocking) continue;
        if (trace.tracks[i].events == 0 && trace.tracks[i].dropped == 0) continue;
        char buf[160];
        std::snprintf(buf, sizeof buf, " %s %10llu %10llu  %6llu (%llu)", percent(t.busy_ns, s.span_ns).c_str(),
                      static_cast<unsigned long long>(t.polls), static_cast<unsigned long long>(t.tasks),
                      static_cast<unsigned long long>(t.steals), static_cast<unsigned long long>(t.stolen));
        std::string line = pad(printable(trace.track_label(i)).substr(0, 18), 18) + buf;
        line = pad(line, 73);
        std::snprintf(buf, sizeof buf, "%6llu  %s", static_cast<unsigned long long>(t.parks),
                      percent(t.parked_ns, s.span_ns).c_str());
        out << line << buf << "\n";
    }

    const std::uint64_t polls = s.poll_durations.count();
    out << "\npoll durations: " << polls << " polls";
    if (polls) out << ", p50 " << duration_text(s.poll_durations.percentile(50)) << ", p99 "
                   << duration_text(s.poll_durations.percentile(99)) << ", max " << duration_text(s.poll_durations.max());
    out << "\n";
    std::size_t lo = s.poll_histogram.size(), hi = 0;
    std::uint64_t most = 0;
    for (std::size_t k = 0; k < s.poll_histogram.size(); ++k)
        if (s.poll_histogram[k]) {
            lo = std::min(lo, k);
            hi = k;
            most = std::max(most, s.poll_histogram[k]);
        }
    for (std::size_t k = lo; k <= hi && lo < s.poll_histogram.size(); ++k) {
        const std::uint64_t n = s.poll_histogram[k];
        const std::string from = k == 0 ? std::string("0 ns") : duration_text(std::uint64_t{1} << k);
        const std::string to = k == 63 ? std::string("max") : duration_text(std::uint64_t{1} << (k + 1));
        const auto bar = static_cast<std::size_t>(n == 0 ? 0 : std::max<std::uint64_t>(1, n * 40 / most));
        out << "  " << pad(from, 9) << "- " << pad(to, 9) << " " << pad(std::string(bar, '#'), 40) << " " << n << "\n";
    }

    if (!s.longest.empty()) out << "\nlongest polls\n";
    for (std::size_t i = 0; i < s.longest.size(); ++i) {
        const Poll& p = s.longest[i];
        char head[64];
        std::snprintf(head, sizeof head, "%3zu. ", i + 1);
        out << head << pad(duration_text(p.end - p.begin), 9) << " on " << printable(trace.track_label(p.slot))
            << " at " << seconds(p.begin) << ", task " << p.task
            << (p.running_at_end ? "  STILL RUNNING when the trace ended" : "") << "\n"
            << "       spawned at " << printable(site_label(trace, p.site)) << "\n";
    }

    out << "\n";
    if (s.latency.count()) {
        print_quantiles(out, "schedule latency (spawn or wake to poll): ", s.latency);
        print_quantiles(out, "  from spawn: ", s.spawn_latency);
        print_quantiles(out, "  from wake:  ", s.wake_latency);
    } else {
        out << "schedule latency: no spawn or wake was followed by a poll\n";
    }
    out << "spawns " << s.spawns << ", wakes " << s.wakes << "\n";
    if (s.io_submits || s.io_completes)
        out << "I/O: " << s.io_submits << " submitted, " << s.io_completes << " completed (" << s.io_errors
            << " with errors)\n";
    if (s.timer_fires) print_quantiles(out, ("timers: " + std::to_string(s.timer_fires) + " fired, lateness ").c_str(),
                                       s.timer_lateness);
    std::uint64_t calls = 0, blocked = 0, threads = 0;
    for (std::size_t i = 0; i < s.tracks.size(); ++i) {
        calls += s.tracks[i].blocking_calls;
        blocked += s.tracks[i].blocking_ns;
        threads += trace.tracks[i].kind == TrackKind::blocking;
    }
    if (calls || threads)
        out << "blocking pool: " << calls << " calls on " << threads << " threads, " << duration_text(blocked)
            << " in total\n";
    out << "dropped: " << trace.dropped << " events";
    if (trace.end && trace.end->dropped != trace.dropped)
        out << " in dropped records, " << trace.end->dropped << " by the end record";
    bool first = true;
    for (std::size_t i = 0; i < trace.tracks.size(); ++i)
        if (trace.tracks[i].dropped) {
            out << (first ? " (" : ", ") << printable(trace.track_label(i)) << ": " << trace.tracks[i].dropped;
            first = false;
        }
    out << (first ? "" : ")") << "\n";
}

}  // namespace corio::trace_tool
