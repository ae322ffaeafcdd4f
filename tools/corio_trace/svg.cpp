// SVG timeline writer (svg.hpp). Each lane keeps, per pixel column, the time
// spent polling, the site that took most of it (a one-candidate heavy-hitter
// count, so memory is fixed) and the time parked. A column is drawn with its
// site's colour at an opacity for how busy it was; runs of equal columns
// become one rect. Site colours go to the ten sites with the most poll time.
#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <vector>

#include "text.hpp"

namespace corio::trace_tool {

namespace {

constexpr unsigned kLeft = 190, kRight = 40, kTop = 58, kLane = 20, kLaneGap = 6;
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf"};
constexpr std::size_t kColours = std::size(kPalette);
constexpr const char* kOther = "#b4bac2";
constexpr const char* kBlocking = "#56606b";

struct Lane {
    std::uint32_t slot;
    std::vector<std::uint64_t> busy, site_ns, parked, blocking;
    std::vector<std::uint32_t> site;
    std::uint64_t busy_total = 0;  // polls and blocking-pool calls
};

class SvgBinner final : public TimelineVisitor {
public:
    SvgBinner(const Trace& trace, unsigned width) : trace_(trace), width_(width) {
        col_ns_ = trace.span_ns() / width + 1;  // (span + width - 1) / width could overflow
        lane_of_.assign(trace.tracks.size(), -1);
        for (std::uint32_t slot = 0; slot < trace.tracks.size() && lanes_.size() < kSvgMaxLanes; ++slot) {
            if (trace.tracks[slot].events == 0) continue;
            lane_of_[slot] = static_cast<int>(lanes_.size());
            Lane lane;
            lane.slot = slot;
            lane.busy.assign(width, 0);
            lane.site_ns.assign(width, 0);
            lane.parked.assign(width, 0);
            lane.blocking.assign(width, 0);
            lane.site.assign(width, 0);
            lanes_.push_back(std::move(lane));
        }
        hidden_ = 0;
        for (std::uint32_t slot = 0; slot < trace.tracks.size(); ++slot)
            if (trace.tracks[slot].events != 0 && lane_of_[slot] < 0) ++hidden_;
    }

    void poll(const Poll& p) override {
        // Sites without a record share one entry, so a hostile file cannot
        // grow this map past the number of site records.
        const std::uint32_t site = trace_.site(p.site) ? p.site : 0;
        site_ns_[site] += p.end - p.begin;
        total_poll_ns_ += p.end - p.begin;
        const int l = lane_of_[p.slot];
        if (l < 0) return;
        Lane& lane = lanes_[static_cast<std::size_t>(l)];
        lane.busy_total += p.end - p.begin;
        spread(p.begin, p.end, [&](std::size_t c, std::uint64_t ns) {
            lane.busy[c] += ns;
            if (lane.site[c] == site) lane.site_ns[c] += ns;
            else if (ns > lane.site_ns[c]) lane.site[c] = site, lane.site_ns[c] = ns;
        });
    }

    void parked(std::uint32_t slot, std::uint64_t begin, std::uint64_t end) override {
        const int l = lane_of_[slot];
        if (l < 0) return;
        Lane& lane = lanes_[static_cast<std::size_t>(l)];
        spread(begin, end, [&](std::size_t c, std::uint64_t ns) { lane.parked[c] += ns; });
    }

    void blocking(std::uint32_t slot, std::uint64_t, std::uint64_t begin, std::uint64_t end) override {
        const int l = lane_of_[slot];
        if (l < 0) return;
        Lane& lane = lanes_[static_cast<std::size_t>(l)];
        lane.busy_total += end - begin;
        any_blocking_ = true;
        spread(begin, end, [&](std::size_t c, std::uint64_t ns) { lane.blocking[c] += ns; });
    }

    void render(std::string& o, const std::string& title, const TimelineStats& stats) {
        // The sites that get colours: the most poll time first.
        std::vector<std::pair<std::uint64_t, std::uint32_t>> top;
        for (const auto& [site, ns] : site_ns_) top.emplace_back(ns, site);
        std::sort(top.begin(), top.end(), [](auto& a, auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
        if (top.size() > kColours) top.resize(kColours);
        std::unordered_map<std::uint32_t, unsigned> colour;  // site -> palette index
        for (std::size_t i = 0; i < top.size(); ++i) colour[top[i].second] = static_cast<unsigned>(i);
        auto colour_index = [&](std::uint32_t site) {
            auto it = colour.find(site);
            return it == colour.end() ? static_cast<unsigned>(kColours) : it->second;
        };
        auto colour_of = [&](std::uint32_t site) {
            const unsigned i = colour_index(site);
            return i < kColours ? kPalette[i] : kOther;
        };

        const unsigned lanes_h = static_cast<unsigned>(lanes_.size()) * (kLane + kLaneGap);
        const unsigned axis_y = kTop + lanes_h + 4;
        const unsigned legend_y = axis_y + 40;
        const unsigned legend_rows = static_cast<unsigned>(top.size()) + 2 + (any_blocking_ ? 1 : 0);
        const unsigned total_w = kLeft + width_ + kRight;
        const unsigned total_h = legend_y + legend_rows * 18 + 16;

        o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(total_w) + "\" height=\"" +
             std::to_string(total_h) + "\" viewBox=\"0 0 " + std::to_string(total_w) + " " + std::to_string(total_h) +
             "\" font-family=\"sans-serif\" font-size=\"12\">\n";
        o += "<defs><pattern id=\"parked\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
             "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eef1f4\"/>"
             "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c3cad3\" stroke-width=\"2\"/></pattern></defs>\n";
        o += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
        o += "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">";
        append_xml_text(o, title);
        o += "</text>\n<text x=\"10\" y=\"40\" fill=\"#444\">";
        std::string info = std::to_string(trace_.header.workers) + " workers, span " + duration_text(trace_.span_ns()) +
                           ", " + std::to_string(trace_.events) + " events, " + std::to_string(trace_.dropped) +
                           " dropped; one pixel = " + duration_text(col_ns_) +
                           "; paler colour = the column was busy for less of its time";
        if (hidden_) info += "; " + std::to_string(hidden_) + " more tracks not drawn";
        if (stats.unmatched) info += "; " + std::to_string(stats.unmatched) + " unmatched begin/end events";
        append_xml_text(o, info);
        o += "</text>\n";
        if (!trace_.truncated.empty()) {
            o += "<text x=\"10\" y=\"54\" fill=\"#b00\">";
            append_xml_text(o, "truncated: " + trace_.truncated);
            o += "</text>\n";
        }

        const std::uint64_t span = trace_.span_ns();
        // Lane backgrounds and labels, then the grid over them, then the slices over both.
        for (std::size_t i = 0; i < lanes_.size(); ++i) {
            const Lane& lane = lanes_[i];
            const unsigned y = kTop + static_cast<unsigned>(i) * (kLane + kLaneGap);
            char busy[32];
            std::snprintf(busy, sizeof busy, " (%.0f%% busy)",
                          span ? 100.0 * static_cast<double>(lane.busy_total) / static_cast<double>(span) : 0.0);
            o += "<text x=\"" + std::to_string(kLeft - 8) + "\" y=\"" + std::to_string(y + 14) +
                 "\" text-anchor=\"end\">";
            std::string label = trace_.track_label(lane.slot);
            if (label.size() > 20) label = label.substr(0, 20) + "...";
            append_xml_text(o, label + busy);
            o += "</text>\n";
            rect(o, kLeft, y, width_, kLane, "#f7f8fa", 1.0);
        }
        axis(o, axis_y, span);
        for (std::size_t i = 0; i < lanes_.size(); ++i) {
            const Lane& lane = lanes_[i];
            const unsigned y = kTop + static_cast<unsigned>(i) * (kLane + kLaneGap);
            // Parked: columns parked for at least half their time, merged.
            runs(lane.parked, [&](std::size_t c) { return lane.parked[c] * 2 >= col_ns_ ? 1u : 0u; },
                 [&](std::size_t c0, std::size_t c1, unsigned) {
                     rect(o, kLeft + static_cast<unsigned>(c0), y, static_cast<unsigned>(c1 - c0), kLane, "url(#parked)", 1.0);
                 });
            // Busy: a level per column (1..4 quarters busy) and a colour per site.
            auto key = [&](std::size_t c) -> unsigned {
                if (lane.busy[c] == 0) return 0;
                const auto level = static_cast<unsigned>(std::min<std::uint64_t>(4, (lane.busy[c] * 4 + col_ns_ - 1) / col_ns_));
                return level + 8 * (colour_index(lane.site[c]) + 1);
            };
            // Blocking-pool calls: one colour, paler when they fill less of a column.
            runs(lane.blocking, [&](std::size_t c) -> unsigned {
                     return lane.blocking[c] == 0 ? 0u
                         : static_cast<unsigned>(std::min<std::uint64_t>(4, (lane.blocking[c] * 4 + col_ns_ - 1) / col_ns_));
                 },
                 [&](std::size_t c0, std::size_t c1, unsigned level) {
                     rect(o, kLeft + static_cast<unsigned>(c0), y + 1, static_cast<unsigned>(c1 - c0), kLane - 2, kBlocking,
                          0.25 * level);
                 });
            runs(lane.busy, key, [&](std::size_t c0, std::size_t c1, unsigned k) {
                const unsigned level = k % 8;
                const std::uint32_t site = lane.site[c0];
                const unsigned x = kLeft + static_cast<unsigned>(c0), w = static_cast<unsigned>(c1 - c0);
                rect(o, x, y + 1, w, kLane - 2, colour_of(site), 0.25 * level,
                     w >= 4 ? site_short_label(trace_, site) : std::string());
            });
        }

        // Legend.
        unsigned y = legend_y;
        o += "<text x=\"10\" y=\"" + std::to_string(y) + "\" font-weight=\"bold\">sites by poll time</text>\n";
        for (const auto& [ns, site] : top) {
            y += 18;
            rect(o, 10, y - 10, 12, 12, colour_of(site), 1.0);
            char share[64];
            std::snprintf(share, sizeof share, "%.1f%%",
                          total_poll_ns_ ? 100.0 * static_cast<double>(ns) / static_cast<double>(total_poll_ns_) : 0.0);
            o += "<text x=\"28\" y=\"" + std::to_string(y) + "\">";
            std::string text = std::string(share) + "  " + duration_text(ns) + "  " + site_label(trace_, site);
            if (text.size() > 200) text = text.substr(0, 200) + "...";
            append_xml_text(o, text);
            o += "</text>\n";
        }
        y += 18;
        rect(o, 10, y - 10, 12, 12, kOther, 1.0);
        o += "<text x=\"28\" y=\"" + std::to_string(y) + "\">other sites</text>\n";
        if (any_blocking_) {
            y += 18;
            rect(o, 10, y - 10, 12, 12, kBlocking, 1.0);
            o += "<text x=\"28\" y=\"" + std::to_string(y) + "\">blocking-pool call (to_thread)</text>\n";
        }
        y += 18;
        rect(o, 10, y - 10, 12, 12, "url(#parked)", 1.0);
        o += "<text x=\"28\" y=\"" + std::to_string(y) + "\">parked (worker asleep)</text>\n";
        o += "</svg>\n";
    }

private:
    // Calls f(column, ns) for each column that [begin, end) overlaps.
    template <class F>
    void spread(std::uint64_t begin, std::uint64_t end, F f) {
        if (end <= begin) return;
        std::uint64_t c = begin / col_ns_;
        for (std::uint64_t t = begin; t < end && c < width_; ++c) {
            const std::uint64_t col_end = (c + 1) * col_ns_;
            const std::uint64_t stop = std::min(end, col_end);
            f(static_cast<std::size_t>(c), stop - t);
            t = stop;
        }
    }

    // Calls draw(first, past_last, key) for each run of columns with one non-zero key.
    template <class Key, class Draw>
    void runs(const std::vector<std::uint64_t>& cols, Key key, Draw draw) {
        std::size_t c = 0;
        while (c < cols.size()) {
            const unsigned k = key(c);
            std::size_t e = c + 1;
            while (e < cols.size() && key(e) == k) ++e;
            if (k != 0) draw(c, e, k);
            c = e;
        }
    }

    static void rect(std::string& o, unsigned x, unsigned y, unsigned w, unsigned h, const char* fill, double opacity,
                     const std::string& title = {}) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\"", x, y, w, h, fill);
        o += buf;
        if (opacity < 1.0) {
            std::snprintf(buf, sizeof buf, " fill-opacity=\"%.2f\"", opacity);
            o += buf;
        }
        if (title.empty()) {
            o += "/>\n";
        } else {
            o += "><title>";
            append_xml_text(o, title);
            o += "</title></rect>\n";
        }
    }

    void axis(std::string& o, unsigned y, std::uint64_t span) {
        o += "<line x1=\"" + std::to_string(kLeft) + "\" y1=\"" + std::to_string(y) + "\" x2=\"" +
             std::to_string(kLeft + width_) + "\" y2=\"" + std::to_string(y) + "\" stroke=\"#333\"/>\n";
        if (span == 0) return;
        // A 1-2-5 step giving at most about ten ticks.
        const double raw = static_cast<double>(span) / 10.0;
        double step = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
        for (double m : {1.0, 2.0, 5.0, 10.0})
            if (step * m >= raw) {
                step *= m;
                break;
            }
        const double px_per_ns = static_cast<double>(width_) / static_cast<double>(col_ns_ * width_);
        for (double t = 0; t <= static_cast<double>(span) && t < 1e30; t += step) {
            const auto x = static_cast<unsigned>(kLeft + std::lround(t * px_per_ns));
            if (x > kLeft + width_) break;
            o += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(kTop - 4) + "\" x2=\"" +
                 std::to_string(x) + "\" y2=\"" + std::to_string(y + 5) + "\" stroke=\"#d0d4da\"/>\n";
            char label[48];
            // Each label in its own unit: "900 µs", then "1 ms".
            const char* unit = t >= 1e9 ? "s" : t >= 1e6 ? "ms" : t >= 1e3 ? "\xC2\xB5s" : "ns";
            const double scale = t >= 1e9 ? 1e9 : t >= 1e6 ? 1e6 : t >= 1e3 ? 1e3 : 1.0;
            std::snprintf(label, sizeof label, "%g %s", t / scale, t == 0 ? "" : unit);
            o += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y + 18) + "\" text-anchor=\"middle\">";
            append_xml_text(o, label);
            o += "</text>\n";
        }
    }

    const Trace& trace_;
    const unsigned width_;
    std::uint64_t col_ns_ = 1;
    std::vector<int> lane_of_;
    std::vector<Lane> lanes_;
    std::size_t hidden_ = 0;
    std::unordered_map<std::uint32_t, std::uint64_t> site_ns_;
    std::uint64_t total_poll_ns_ = 0;
    bool any_blocking_ = false;
};

}  // namespace

TimelineStats write_svg(std::ostream& out, const Trace& trace, const Source& source, const std::string& title,
                        unsigned width) {
    width = std::clamp(width, 100u, 20000u);
    SvgBinner binner(trace, width);
    TimelineStats stats = walk_timeline(trace, source, binner);
    std::string o;
    binner.render(o, title, stats);
    out.write(o.data(), static_cast<std::streamsize>(o.size()));
    return stats;
}

}  // namespace corio::trace_tool
