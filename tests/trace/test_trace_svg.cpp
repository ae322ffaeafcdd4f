// corio-trace svg: the picture is well-formed XML (checked by Python's
// xml.etree), has a lane per track, an axis and a legend of the top sites,
// and stays small for a long trace because narrow slices are merged.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>

#include "sample_trace.hpp"
#include "svg.hpp"

using namespace corio::trace_tool;
using namespace corio::trace_test;
using Catch::Matchers::Contains;

namespace {

std::string svg_of(const std::string& bytes, unsigned width = kSvgDefaultWidth) {
    MemorySource src(bytes);
    const Trace t = read_index(src);
    std::ostringstream out;
    write_svg(out, t, src, "test <&> trace", width);
    return out.str();
}

bool well_formed(const std::string& svg) {
    TempFile file(".svg");
    file.write(svg);
    const std::string cmd =
        "python3 -c 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); "
        "sys.exit(0 if r.tag == \"{http://www.w3.org/2000/svg}svg\" else 1)' " + file.path;
    return std::system(cmd.c_str()) == 0;
}

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("svg of the known-answer trace") {
    const std::string svg = svg_of(sample_trace());
    CHECK(well_formed(svg));
    CHECK_THAT(svg, Contains("test &lt;&amp;&gt; trace"));
    CHECK_THAT(svg, Contains("worker 0 (21% busy)"));
    CHECK_THAT(svg, Contains("worker 1 (90% busy)"));
    CHECK_THAT(svg, Contains("external (0% busy)"));
    // Legend: site 1 took 1100000 of the 1110500 ns of polls.
    CHECK_THAT(svg, Contains("99.1%  1.10 ms  src/app/a.cpp:10 in corio::Task&lt;void&gt; alpha(int)"));
    CHECK_THAT(svg, Contains("src/app/b.cpp:20 in beta() [beta-task]"));
    CHECK_THAT(svg, Contains("url(#parked)"));
    CHECK_THAT(svg, Contains(">500 \xC2\xB5s</text>"));  // an axis label
    CHECK_THAT(svg, Contains("<title>a.cpp:10 in alpha</title>"));
}

TEST_CASE("svg stays small for many short polls") {
    using K = corio::trace::EventKind;
    TraceBuilder b(2);
    b.site(1, "x.cpp", 1, "x()").site(2, "y.cpp", 2, "y()");
    for (std::uint32_t w = 0; w < 2; ++w) {
        std::vector<corio::trace::Event> evs;
        for (std::uint64_t i = 0; i < 100000; ++i) {
            const std::uint64_t task = i * 2 + w + 1;
            evs.push_back(ev(i * 100, K::spawn, task, 1 + (i / 7) % 2));
            evs.push_back(ev(i * 100 + 10, K::poll_begin, task));
            evs.push_back(ev(i * 100 + 10 + (i % 50), K::poll_end, task, 0, 1));
        }
        b.events(w, evs);
    }
    b.end(100000 * 100);
    const std::string svg = svg_of(b.bytes, 800);
    CHECK(well_formed(svg));
    CHECK(svg.size() < 300 * 1024);
    CHECK(count(svg, "<rect") <= 2 * 800 + 50);
}

TEST_CASE("svg of an empty or cut-short trace is still a picture") {
    TraceBuilder empty(2);
    empty.end(0);
    CHECK(well_formed(svg_of(empty.bytes)));
    std::string cut = sample_trace();
    cut.resize(cut.size() - 30);
    const std::string svg = svg_of(cut);
    CHECK(well_formed(svg));
    CHECK_THAT(svg, Contains("truncated:"));
}

TEST_CASE("svg draws blocking-pool calls on their threads' lanes") {
    using K = corio::trace::EventKind;
    TraceBuilder b(1);
    b.track(0, corio::trace::TrackKind::worker, 0, "").track(4, corio::trace::TrackKind::blocking, 0, "");
    b.events(4, {ev(1000, K::blocking_begin, 1), ev(3000, K::blocking_end, 1)});
    b.events(0, {ev(0, K::poll_begin, 5), ev(100, K::poll_end, 5, 0, 1)});
    b.end(4000);
    const std::string svg = svg_of(b.bytes, 400);
    CHECK(well_formed(svg));
    CHECK_THAT(svg, Contains("blocking 0 (50% busy)"));
    CHECK_THAT(svg, Contains("fill=\"#56606b\""));
    CHECK_THAT(svg, Contains("blocking-pool call"));
}
