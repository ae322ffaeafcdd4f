// The trace recorder (CORIO_TRACE=path or Options.trace_path): each thread
// that records owns a TraceWriter that fills fixed-size chunks with no lock
// and no system call; full chunks go to one flusher thread that converts
// clock ticks to nanoseconds and writes the file (corio/trace_format.hpp).
// A writer never waits: when no free chunk is left (the flusher is behind
// and the memory cap is reached) its events are dropped and counted, and
// the count is written to the file.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <source_location>
#include <string>
#include <thread>
#include <map>
#include <unordered_map>
#include <vector>

#include "corio/detail/atomic.hpp"
#include "corio/trace_format.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#else
#include <chrono>
#endif

namespace corio::detail {

// A cheap monotonic tick: the TSC where there is one (a few ns, no system
// call); the flusher converts ticks to nanoseconds.
inline std::uint64_t trace_ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// An event as the writer stores it: the kind in the top byte of the
// stamp, ticks below; `arg` is a | b << 32, or a spawn's source_location.
struct RawEvent {
    std::uint64_t stamp;
    std::uint64_t task;
    std::uint64_t arg;
};
inline constexpr int kKindShift = 56;
inline constexpr std::uint64_t kTickMask = (std::uint64_t{1} << kKindShift) - 1;
// The ticks of an event recorded without reading the clock (see record_spawn).
inline constexpr std::uint64_t kUnstamped = kTickMask;

inline constexpr std::size_t kChunkEvents = 8192;  // 192 KiB of events

struct TraceChunk {
    std::uint32_t track = 0;
    std::uint32_t count = 0;
    RawEvent events[kChunkEvents];
};

class TraceRecorder;

class TraceWriter {
public:
    TraceWriter(TraceRecorder& recorder, std::uint32_t track) noexcept : recorder_(recorder), track_(track) {}

    void record(trace::EventKind kind, std::uint64_t task, std::uint64_t arg) noexcept {
        if (cursor_ == end_) [[unlikely]] {
            if (!refill()) return;
        }
        *cursor_++ = RawEvent{(std::uint64_t(kind) << kKindShift) | (trace_ticks() & kTickMask), task, arg};
    }
    void record(trace::EventKind kind, std::uint64_t task, std::uint32_t a, std::uint16_t b) noexcept {
        record(kind, task, std::uint64_t{a} | std::uint64_t{b} << 32);
    }
    // site_key: a std::source_location's bits, or TraceRecorder::named_site's key.
    void record_spawn(std::uint64_t task, std::uint64_t site_key) noexcept;

    // The join fast path runs a task that never started inside its
    // parent's poll, where it leaves no events of its own: its spawn, when
    // it is still the last event here (the common case: fork-join), is
    // taken back, so a traced fib or skynet records only the tasks that
    // really went through the scheduler.
    void retract_spawn(std::uint64_t task) noexcept {
        if (cursor_ != nullptr && cursor_ != chunk_->events && cursor_[-1].task == task &&
            (cursor_[-1].stamp >> kKindShift) == std::uint64_t(trace::EventKind::spawn))
            --cursor_;
    }

    // Hands the partly filled chunk to the flusher (the thread is ending,
    // or the recorder closes after every recording thread has stopped).
    void flush() noexcept;
    std::uint32_t track() const noexcept { return track_; }
    std::uint64_t dropped() const noexcept { return dropped_.load(memory_order_relaxed); }

private:
    bool refill() noexcept;

    TraceRecorder& recorder_;
    const std::uint32_t track_;
    TraceChunk* chunk_ = nullptr;
    RawEvent* cursor_ = nullptr;
    RawEvent* end_ = nullptr;
    Atomic<std::uint64_t> dropped_{0};  // written by the owner only
};

// Sets this thread's writer (trace.hpp's thread_trace_writer); returns the old one.
TraceWriter* exchange_thread_trace_writer(TraceWriter* writer) noexcept;

class TraceRecorder {
public:
    // Opens `path` and starts the flusher; throws std::system_error when
    // the file cannot be created.
    TraceRecorder(const std::string& path, unsigned workers, std::size_t memory_cap_bytes);
    ~TraceRecorder();  // close() if not yet done

    // A writer for a new track; it lives as long as the recorder.
    TraceWriter* add_track(trace::TrackKind kind, unsigned index, std::string name);
    // The site key of a named task's spawn (any thread; takes a lock, so
    // only named tasks pay it): the flusher writes a site record with the name.
    std::uint64_t named_site(std::uint64_t site_bits, const std::string& name);
    // For threads with no writer of their own (main, plain std::threads):
    // one shared "external" track behind a mutex.
    void record_external(trace::EventKind kind, std::uint64_t task, std::uint64_t arg) noexcept;
    // Writes everything recorded and the end record, then closes the file.
    // Every recording thread must have stopped.
    void close() noexcept;

    const std::string& path() const noexcept { return path_; }
    std::uint64_t events_written() const noexcept { return events_written_.load(memory_order_relaxed); }
    std::uint64_t events_dropped() const noexcept;

private:
    friend class TraceWriter;
    TraceChunk* take_free_chunk() noexcept;
    void submit(TraceChunk* chunk) noexcept;
    void flusher_loop();
    void drain();
    void write_chunk(TraceChunk* chunk);
    void write_track(std::uint32_t track);
    std::uint32_t site_id(std::uint64_t site_bits);
    void write_record(trace::RecordType type, const void* head, std::size_t head_size, const std::string& tail = {});
    void calibrate() noexcept;

    std::FILE* file_;
    std::string path_;
    const std::size_t max_chunks_;
    Atomic<std::size_t> chunks_made_{0};
    moodycamel::ConcurrentQueue<TraceChunk*> free_;
    moodycamel::ConcurrentQueue<TraceChunk*> full_;

    Atomic<std::uint64_t> lost_in_submit_{0};

    struct Track {
        trace::TrackKind kind;
        unsigned index;
        std::string name;
        bool written;  // its record is in the file
    };
    mutable std::mutex mutex_;  // tracks_, writers_, the flusher's sleep, closing_
    std::condition_variable wake_;
    std::vector<Track> tracks_;
    std::vector<std::unique_ptr<TraceWriter>> writers_;
    std::mutex external_mutex_;
    TraceWriter* external_ = nullptr;
    bool closing_ = false;
    bool closed_ = false;
    std::thread flusher_;

    // The flusher's own state.
    std::unordered_map<std::uint64_t, std::uint32_t> sites_;
    std::mutex names_mutex_;
    std::map<std::pair<std::uint64_t, std::string>, std::uint64_t> named_keys_;
    std::unordered_map<std::uint64_t, std::pair<std::uint64_t, std::string>> named_sites_;  // key -> site, name
    std::vector<trace::Event> converted_;
    std::uint64_t tick0_ = 0;
    std::uint64_t ns0_ = 0;
    double ns_per_tick_ = 1.0;
    bool calibrated_ = false;
    std::uint64_t last_tick_ = 0;  // of the event converted last (interpolation)
    std::vector<std::uint64_t> last_time_;  // per track: the last time written
    bool write_failed_ = false;
    Atomic<std::uint64_t> events_written_{0};
};

}  // namespace corio::detail
