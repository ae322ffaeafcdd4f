// Reads a corio trace file (corio/trace_format.hpp, tools/TRACE_FORMAT.md) in
// two passes that never hold the events in memory: read_index() walks the
// records once, checks every size against the file's bounds and keeps only
// tracks, sites and where each track's events lie; EventMerger then streams
// the events of all tracks in time order with one small buffer per track.
// Bad input throws TraceError; nothing here trusts a size it has not checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "corio/trace_format.hpp"

namespace corio::trace_tool {

using corio::trace::Event;
using corio::trace::EventKind;
using corio::trace::TrackKind;

// What is wrong with a file, in words for a person (the caller adds its name).
class TraceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Random-access bytes: a file read with pread, or memory (tests, the fuzzer).
class Source {
public:
    virtual ~Source() = default;
    virtual std::uint64_t size() const = 0;
    // Reads exactly n bytes at offset; throws TraceError if they are not there.
    virtual void read(std::uint64_t offset, void* out, std::size_t n) const = 0;
};

class MemorySource final : public Source {
public:
    explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
    std::uint64_t size() const override { return bytes_.size(); }
    void read(std::uint64_t offset, void* out, std::size_t n) const override;

private:
    std::string_view bytes_;
};

class FileSource final : public Source {
public:
    // Throws TraceError when the file cannot be opened or is not a regular file.
    explicit FileSource(const std::string& path);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;
    std::uint64_t size() const override { return size_; }
    void read(std::uint64_t offset, void* out, std::size_t n) const override;

private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

// Limits that keep a hostile file from making the reader allocate without
// bound; a real runtime stays far below them.
inline constexpr std::size_t kMaxTracks = 4096;
inline constexpr std::uint32_t kMaxWorkers = 1u << 16;

struct Chunk {  // one events record: `count` Events at `offset`
    std::uint64_t offset;
    std::uint32_t count;
};

struct Track {
    std::uint32_t id = 0;
    TrackKind kind{};      // 0 when the file has events but no track record for it
    std::uint32_t index = 0;
    std::string name;
    std::uint64_t events = 0;
    std::uint64_t dropped = 0;  // from its dropped records
    std::vector<Chunk> chunks;  // in file order, which is time order
};

struct Site {
    std::uint32_t line = 0;
    std::string file;
    std::string function;
    std::string name;  // the task's name, may be empty
};

struct Trace {
    corio::trace::FileHeader header{};
    std::vector<Track> tracks;  // sorted: workers, reactors, blocking, external, undeclared
    std::unordered_map<std::uint32_t, Site> sites;
    std::uint64_t events = 0;   // in events records
    std::uint64_t dropped = 0;  // sum of dropped records
    std::optional<corio::trace::EndRecord> end;
    std::string truncated;  // empty for a complete file, else what was cut short
    std::uint64_t unknown_records = 0;
    std::uint64_t trailing_bytes = 0;  // after the end record, ignored
    std::uint64_t last_event_ns = 0;

    // The trace's length: the end record's time, else the last event's.
    std::uint64_t span_ns() const;
    // nullptr for site 0 ("unknown") and ids with no site record.
    const Site* site(std::uint32_t id) const;
    // "worker 0", or the track's own name when it has one.
    std::string track_label(std::size_t slot) const;
};

// Pass 1. Throws TraceError for a file that cannot be read at all (foreign,
// newer version, corrupt record); a file cut short is read up to its last
// complete record and marked `truncated`.
Trace read_index(const Source& source);

// Pass 2: every event of every track, merged in time order (ties: spawn and
// wake before the rest, so a task's spawn precedes its first poll).
class EventMerger {
public:
    EventMerger(const Trace& trace, const Source& source);
    // The next event and the slot (index into Trace::tracks) it belongs to.
    bool next(std::uint32_t& slot, Event& event);

private:
    struct Cursor {
        std::size_t chunk = 0;        // current chunk of the track
        std::uint32_t in_chunk = 0;   // events of that chunk already buffered
        std::vector<Event> buffer;
        std::size_t pos = 0;
    };
    bool refill(std::uint32_t slot);
    void push(std::uint32_t slot);

    struct HeapItem {
        std::uint64_t time;
        std::uint32_t rank;
        std::uint32_t slot;
    };
    const Trace& trace_;
    const Source& source_;
    std::vector<Cursor> cursors_;
    std::vector<HeapItem> heap_;
};

}  // namespace corio::trace_tool
