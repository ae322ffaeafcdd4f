// `corio-trace chrome`: the trace as Chrome trace-event JSON, which Perfetto
// UI and chrome://tracing open: one named thread per track, an "X" slice per
// poll named by its spawn site, flow arrows from each spawn to the task's
// first poll, slices for parked spans and blocking calls, instants for
// steals, I/O and timers. Streams: memory does not grow with the output.
#pragma once

#include <ostream>

#include "reader.hpp"
#include "timeline.hpp"

namespace corio::trace_tool {

// Writes the JSON document to `out`; returns what the timeline walk found.
TimelineStats write_chrome(std::ostream& out, const Trace& trace, const Source& source);

}  // namespace corio::trace_tool
