// `corio-trace svg`: a self-contained SVG timeline a person can open in any
// browser: a lane per track, polls coloured by spawn site, blocking-pool
// calls in grey, parked spans hatched, a time axis and a legend of the sites
// that took the most time.
// Slices are binned per pixel column and runs of alike columns merged, so the
// file stays small (bounded by lanes x width) however long the trace is.
#pragma once

#include <ostream>
#include <string>

#include "reader.hpp"
#include "timeline.hpp"

namespace corio::trace_tool {

inline constexpr unsigned kSvgDefaultWidth = 1200;  // pixels of timeline
inline constexpr std::size_t kSvgMaxLanes = 256;

TimelineStats write_svg(std::ostream& out, const Trace& trace, const Source& source, const std::string& title,
                        unsigned width = kSvgDefaultWidth);

}  // namespace corio::trace_tool
