// Trace hooks for threads other than the workers (reactors, the blocking
// pool): a thread joins the runtime's trace as a track for its lifetime and
// records events through its own lock-free writer. Everything here is a
// no-op returning at once when the runtime does not trace. The format of
// what ends up in the file is corio/trace_format.hpp.
#pragma once

#include <cstdint>

#include "corio/trace_format.hpp"

namespace corio::detail {

struct RuntimeCore;
class TraceWriter;

// This thread's writer, or nullptr when it records nothing.
TraceWriter* thread_trace_writer() noexcept;
void trace_record(TraceWriter* writer, trace::EventKind kind, std::uint64_t task, std::uint32_t a,
                  std::uint16_t b) noexcept;

inline void trace_event(trace::EventKind kind, std::uint64_t task, std::uint32_t a = 0, std::uint16_t b = 0) noexcept {
    if (TraceWriter* writer = thread_trace_writer()) [[unlikely]]
        trace_record(writer, kind, task, a, b);
}

// Makes the calling thread a track of `runtime`'s trace until the scope
// ends (its last events are handed to the recorder then).
class TraceThreadScope {
public:
    TraceThreadScope(RuntimeCore* runtime, trace::TrackKind kind, unsigned index) noexcept;
    ~TraceThreadScope();
    TraceThreadScope(const TraceThreadScope&) = delete;
    TraceThreadScope& operator=(const TraceThreadScope&) = delete;

private:
    TraceWriter* writer_;
    TraceWriter* previous_;
};

}  // namespace corio::detail
