// Chrome JSON writer (chrome.hpp). Times are written in microseconds with
// three decimals, which keeps the nanoseconds exactly; every string goes
// through append_json_string, so names from the file cannot break the JSON.
// Flow starts bind to the spawner's enclosing slice; a spawn made outside a
// poll (e.g. from main) gets a zero-length "spawn" slice to bind to.
#include "chrome.hpp"

#include <charconv>
#include <string>
#include <unordered_map>

#include "text.hpp"

namespace corio::trace_tool {

namespace {

class ChromeWriter final : public TimelineVisitor {
public:
    ChromeWriter(std::ostream& out, const Trace& trace) : out_(out), trace_(trace) {
        for (const auto& [id, site] : trace.sites) {
            std::string name;
            append_json_string(name, site_short_label(trace, id));
            names_.emplace(id, std::move(name));
        }
        append_json_string(unknown_, "unknown site");
    }

    void header() {
        buf_ += "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
        buf_ += "{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":";
        append_json_string(buf_, "corio (" + std::to_string(trace_.header.workers) + " workers)");
        buf_ += "}}";
        for (std::size_t slot = 0; slot < trace_.tracks.size(); ++slot) {
            buf_ += ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":";
            num(slot + 1);
            buf_ += ",\"name\":\"thread_name\",\"args\":{\"name\":";
            append_json_string(buf_, trace_.track_label(slot));
            buf_ += "}},\n{\"ph\":\"M\",\"pid\":1,\"tid\":";
            num(slot + 1);
            buf_ += ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":";
            num(slot);
            buf_ += "}}";
        }
    }

    void footer(const TimelineStats& stats) {
        buf_ += "\n],\"otherData\":{\"format_version\":";
        num(trace_.header.version);
        buf_ += ",\"workers\":";
        num(trace_.header.workers);
        buf_ += ",\"events\":";
        num(trace_.events);
        buf_ += ",\"dropped\":";
        num(trace_.dropped);
        buf_ += ",\"unmatched\":";
        num(stats.unmatched);
        buf_ += ",\"truncated\":";
        append_json_string(buf_, trace_.truncated);
        buf_ += ",\"sites\":{";
        bool first = true;
        for (const auto& [id, site] : trace_.sites) {
            if (!first) buf_ += ',';
            first = false;
            append_json_string(buf_, std::to_string(id));
            buf_ += ':';
            append_json_string(buf_, site_label(trace_, id));
            maybe_flush();
        }
        buf_ += "}}}\n";
        flush();
    }

    void poll(const Poll& p) override {
        if (p.flow != 0) {
            if (!p.spawned_in_poll) {
                begin_event("X", p.spawn_slot, p.spawn_ns);
                buf_ += ",\"dur\":0,\"cat\":\"spawn\",\"name\":\"spawn\"}";
            }
            begin_event("s", p.spawn_slot, p.spawn_ns);
            buf_ += ",\"cat\":\"spawn\",\"name\":\"spawn\",\"id\":";
            num(p.flow);
            buf_ += '}';
            begin_event("f", p.slot, p.begin);
            buf_ += ",\"bp\":\"e\",\"cat\":\"spawn\",\"name\":\"spawn\",\"id\":";
            num(p.flow);
            buf_ += '}';
        }
        begin_event("X", p.slot, p.begin);
        buf_ += ",\"dur\":";
        micros(p.end - p.begin);
        buf_ += ",\"cat\":\"poll\",\"name\":";
        auto it = names_.find(p.site);
        buf_ += it == names_.end() ? unknown_ : it->second;
        buf_ += ",\"args\":{\"task\":";
        num(p.task);
        buf_ += ",\"site\":";
        num(p.site);
        buf_ += ",\"end\":\"";
        buf_ += p.running_at_end ? "running when the trace ended" : p.finished ? "finished" : "suspended";
        buf_ += "\"}}";
        maybe_flush();
    }

    void parked(std::uint32_t slot, std::uint64_t begin, std::uint64_t end) override {
        begin_event("X", slot, begin);
        buf_ += ",\"dur\":";
        micros(end - begin);
        buf_ += ",\"cat\":\"park\",\"name\":\"parked\"}";
        maybe_flush();
    }

    void blocking(std::uint32_t slot, std::uint64_t job, std::uint64_t begin, std::uint64_t end) override {
        begin_event("X", slot, begin);
        buf_ += ",\"dur\":";
        micros(end - begin);
        buf_ += ",\"cat\":\"blocking\",\"name\":\"blocking call\",\"args\":{\"job\":";
        num(job);
        buf_ += "}}";
        maybe_flush();
    }

    void event(std::uint32_t slot, const Event& e) override {
        switch (e.kind) {
        case EventKind::steal:
            instant(slot, e.time_ns, "steal");
            buf_ += ",\"args\":{\"victim\":";
            num(e.a);
            buf_ += ",\"tasks\":";
            num(e.b);
            buf_ += "}}";
            break;
        case EventKind::io_submit:
            instant(slot, e.time_ns, "io submit");
            buf_ += ",\"args\":{\"op\":";
            num(e.task);
            buf_ += ",\"opcode\":";
            num(e.a);
            buf_ += "}}";
            break;
        case EventKind::io_complete:
            instant(slot, e.time_ns, "io complete");
            buf_ += ",\"args\":{\"op\":";
            num(e.task);
            buf_ += ",\"result\":";
            signed_num(static_cast<std::int32_t>(e.a));
            buf_ += "}}";
            break;
        case EventKind::timer_fire:
            instant(slot, e.time_ns, "timer fire");
            buf_ += ",\"args\":{\"timer\":";
            num(e.task);
            buf_ += ",\"lateness_us\":";
            num(e.a);
            buf_ += "}}";
            break;
        default: return;  // spawn/poll/park/blocking: drawn as slices and flows; wakes: too many to show
        }
        maybe_flush();
    }

private:
    static constexpr std::size_t kFlushAt = 1 << 20;

    void begin_event(const char* ph, std::uint32_t slot, std::uint64_t ns) {
        buf_ += ",\n{\"ph\":\"";
        buf_ += ph;
        buf_ += "\",\"pid\":1,\"tid\":";
        num(std::uint64_t{slot} + 1);
        buf_ += ",\"ts\":";
        micros(ns);
    }
    void instant(std::uint32_t slot, std::uint64_t ns, const char* name) {
        begin_event("i", slot, ns);
        buf_ += ",\"s\":\"t\",\"name\":\"";
        buf_ += name;
        buf_ += '"';
    }
    void num(std::uint64_t v) {
        char tmp[24];
        auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
        buf_.append(tmp, r.ptr);
    }
    void signed_num(std::int64_t v) {
        char tmp[24];
        auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
        buf_.append(tmp, r.ptr);
    }
    void micros(std::uint64_t ns) {
        num(ns / 1000);
        const auto frac = static_cast<unsigned>(ns % 1000);
        const char digits[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                                static_cast<char>('0' + frac % 10)};
        buf_.append(digits, 4);
    }
    void maybe_flush() {
        if (buf_.size() >= kFlushAt) flush();
    }
    void flush() {
        out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
        buf_.clear();
    }

    std::ostream& out_;
    const Trace& trace_;
    std::unordered_map<std::uint32_t, std::string> names_;  // site id -> JSON string
    std::string unknown_;
    std::string buf_;
};

}  // namespace

TimelineStats write_chrome(std::ostream& out, const Trace& trace, const Source& source) {
    ChromeWriter writer(out, trace);
    writer.header();
    TimelineStats stats = walk_timeline(trace, source, writer);
    writer.footer(stats);
    return stats;
}

}  // namespace corio::trace_tool
