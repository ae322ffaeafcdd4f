// The corio trace file format, version 1: what the recorder (runtime/) writes
// and tools/corio-trace reads. Plain structs, no code: the reader includes
// this header and links nothing else. tools/TRACE_FORMAT.md documents it.
// Everything is little-endian, packed as declared (the static_asserts pin
// the sizes), times in nanoseconds since the trace began.
#pragma once

#include <cstdint>

namespace corio::trace {

inline constexpr char kMagic[8] = {'C', 'O', 'R', 'I', 'O', 'T', 'R', 'C'};
inline constexpr std::uint16_t kVersion = 1;

// The file starts with this header, then a sequence of records.
struct FileHeader {
    char magic[8];            // kMagic
    std::uint16_t version;    // kVersion; a reader refuses a newer one
    std::uint16_t header_size;  // sizeof(FileHeader) for version 1
    std::uint32_t workers;    // worker threads of the runtime
    std::uint64_t start_unix_ns;  // wall clock when the trace began
    std::uint64_t reserved;
};
static_assert(sizeof(FileHeader) == 32);

// Every record: this header, then `size` bytes of payload.
struct RecordHeader {
    std::uint32_t type;  // RecordType
    std::uint32_t size;  // payload bytes that follow
};
static_assert(sizeof(RecordHeader) == 8);

enum class RecordType : std::uint32_t {
    // TrackRecord, then the name's bytes (no terminator). A track is a thread
    // that records events: a worker, a reactor, a blocking-pool thread, or
    // "external" (threads outside the runtime, e.g. main's spawns).
    track = 1,
    // SiteRecord, then the file name's bytes, then the function's. Spawn
    // sites (std::source_location) and task names, referred to by id.
    site = 2,
    // EventsRecord, then `count` Events of one track, in time order.
    events = 3,
    // DroppedRecord: events a track could not record (buffers full).
    dropped = 4,
    // EndRecord: the last record of a complete file. A file without it was
    // cut short (the program crashed or was killed while tracing).
    end = 5,
};

enum class TrackKind : std::uint32_t { worker = 1, reactor = 2, blocking = 3, external = 4 };

struct TrackRecord {
    std::uint32_t track;  // id used by EventsRecord; worker i is track i
    TrackKind kind;
    std::uint32_t index;  // worker / reactor / blocking thread number
    std::uint32_t name_size;
};
static_assert(sizeof(TrackRecord) == 16);

struct SiteRecord {
    std::uint32_t site;  // id, > 0 (0 means "unknown" in events)
    std::uint32_t line;
    std::uint32_t file_size;
    std::uint32_t function_size;
    std::uint32_t name_size;  // the task's name, if it has one (after function)
    std::uint32_t reserved;
};
static_assert(sizeof(SiteRecord) == 24);

struct EventsRecord {
    std::uint32_t track;
    std::uint32_t count;
};
static_assert(sizeof(EventsRecord) == 8);

struct DroppedRecord {
    std::uint32_t track;
    std::uint32_t reserved;
    std::uint64_t count;
};
static_assert(sizeof(DroppedRecord) == 16);

struct EndRecord {
    std::uint64_t events;   // events written, all tracks
    std::uint64_t dropped;  // events lost, all tracks
    std::uint64_t end_ns;   // when the trace ended
};
static_assert(sizeof(EndRecord) == 24);

// What happened. `task` identifies a task while it lives (ids may be reused
// once a task has finished: a poll_end with b = 1 ends that task's life).
// Fields an event kind does not list are 0.
enum class EventKind : std::uint16_t {
    spawn = 1,       // task = the new task, a = its site id; on the spawner's track
    poll_begin = 2,  // task starts running on this track
    poll_end = 3,    // task leaves the track; b = 1 when it finished
    wake = 4,        // task made runnable again (what it awaited completed)
    steal = 5,       // a = victim worker, b = tasks taken
    park = 6,        // the worker goes to sleep
    unpark = 7,      // the worker woke up
    io_submit = 8,   // task = operation id, a = io_uring opcode
    io_complete = 9, // task = operation id, a = the result (an int32, as bits)
    timer_fire = 10, // task = timer id, a = lateness in microseconds
    blocking_begin = 11,  // a blocking-pool call starts on this track; task = job id
    blocking_end = 12,    // task = job id
};
inline constexpr std::uint16_t kLastEventKind = 12;

struct Event {
    std::uint64_t time_ns;
    std::uint64_t task;
    std::uint32_t a;
    std::uint16_t b;
    EventKind kind;
};
static_assert(sizeof(Event) == 24);

}  // namespace corio::trace
