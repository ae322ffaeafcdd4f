// libFuzzer target for the trace reader (tools/fuzz_trace.sh builds and runs
// it with clang): any bytes must either be refused with a TraceError or read,
// summarised and turned into Chrome JSON and SVG without a crash, a sanitizer
// report or another exception. tests/trace/test_trace_corpus.cpp links this
// file into a normal test to replay the kept corpus in every build.
#include <cstdint>
#include <sstream>
#include <string_view>

#include "chrome.hpp"
#include "reader.hpp"
#include "summary.hpp"
#include "svg.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace ctt = corio::trace_tool;
    const ctt::MemorySource source(std::string_view(reinterpret_cast<const char*>(data), size));
    try {
        const ctt::Trace trace = ctt::read_index(source);
        const ctt::Summary summary = ctt::summarize(trace, source);
        // Invariants a reader bug would break: every poll counted once,
        // spans never negative.
        std::uint64_t in_histogram = 0;
        for (std::uint64_t n : summary.poll_histogram) in_histogram += n;
        if (in_histogram != summary.poll_durations.count()) __builtin_trap();
        for (const ctt::Poll& p : summary.longest)
            if (p.end < p.begin) __builtin_trap();
        std::ostringstream text, json, svg;
        ctt::print_summary(text, "fuzz", trace, summary);
        ctt::write_chrome(json, trace, source);
        ctt::write_svg(svg, trace, source, "fuzz", 200);
    } catch (const ctt::TraceError&) {
        // refused with a message: what bad input should get
    }
    return 0;
}
