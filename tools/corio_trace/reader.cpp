// Pass 1 (read_index) and pass 2 (EventMerger) of reading a trace file. Every
// size read from the file is checked against the bytes that remain before it
// is used, in 64-bit arithmetic, so no count can overflow or send a read or
// an allocation past the file; see tools/TRACE_FORMAT.md for the rules.
#include "reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

namespace corio::trace_tool {

namespace ct = corio::trace;

// The structs are the file's bytes: that only holds on a little-endian host.
static_assert(std::endian::native == std::endian::little, "the trace format is little-endian");

void MemorySource::read(std::uint64_t offset, void* out, std::size_t n) const {
    if (offset > bytes_.size() || n > bytes_.size() - offset)
        throw TraceError("internal: read past the end of the data");
    if (n != 0) std::memcpy(out, bytes_.data() + offset, n);
}

FileSource::FileSource(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw TraceError(std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        throw TraceError("not a regular file");
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
}

FileSource::~FileSource() {
    if (fd_ >= 0) ::close(fd_);
}

void FileSource::read(std::uint64_t offset, void* out, std::size_t n) const {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
        ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw TraceError(std::string("read error: ") + std::strerror(errno));
        }
        if (got == 0) throw TraceError("the file shrank while it was being read");
        p += got;
        n -= static_cast<std::size_t>(got);
        offset += static_cast<std::uint64_t>(got);
    }
}

namespace {

template <class T>
T load(const Source& source, std::uint64_t offset) {
    T value;
    source.read(offset, &value, sizeof value);
    return value;
}

std::string load_string(const Source& source, std::uint64_t offset, std::uint32_t n) {
    std::string s(n, '\0');
    source.read(offset, s.data(), n);
    return s;
}

const char* record_name(std::uint32_t type) {
    switch (static_cast<ct::RecordType>(type)) {
    case ct::RecordType::track: return "track";
    case ct::RecordType::site: return "site";
    case ct::RecordType::events: return "events";
    case ct::RecordType::dropped: return "dropped";
    case ct::RecordType::end: return "end";
    }
    return "unknown";
}

std::string at(std::uint64_t offset, std::uint32_t type) {
    return std::string(record_name(type)) + " record at offset " + std::to_string(offset);
}

int kind_order(TrackKind kind) {
    auto k = static_cast<std::uint32_t>(kind);
    return k >= 1 && k <= 4 ? static_cast<int>(k) : 5;
}

// Builds the index; tracks are kept in first-seen order until finish().
class Indexer {
public:
    explicit Indexer(const Source& source) : source_(source), size_(source.size()) {}

    Trace run() {
        read_header();
        std::uint64_t offset = trace_.header.header_size;
        std::uint64_t records = 0;
        for (;;) {
            if (offset == size_) {
                trace_.truncated = "no end record after " + std::to_string(records) +
                                   " records: the program stopped while tracing";
                break;
            }
            if (size_ - offset < sizeof(ct::RecordHeader)) {
                trace_.truncated = "the file ends inside a record header at offset " + std::to_string(offset);
                break;
            }
            auto rh = load<ct::RecordHeader>(source_, offset);
            const std::uint64_t payload = offset + sizeof rh;
            if (rh.size > size_ - payload) {
                trace_.truncated = at(offset, rh.type) + " needs " + std::to_string(rh.size) +
                                   " bytes but only " + std::to_string(size_ - payload) +
                                   " remain: the file was cut short";
                break;
            }
            ++records;
            bool done = record(offset, rh, payload);
            offset = payload + rh.size;
            if (done) {
                trace_.trailing_bytes = size_ - offset;
                break;
            }
        }
        finish();
        return std::move(trace_);
    }

private:
    void read_header() {
        char magic[sizeof ct::kMagic] = {};
        const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(size_, sizeof magic));
        source_.read(0, magic, have);
        if (size_ == 0) throw TraceError("empty file: not a corio trace (the program wrote nothing)");
        if (std::memcmp(magic, ct::kMagic, have) != 0)
            throw TraceError("not a corio trace file (it does not start with \"CORIOTRC\")");
        if (size_ < sizeof(ct::FileHeader)) {
            if (size_ >= 10) check_version(load<std::uint16_t>(source_, 8));
            throw TraceError("truncated: the file ends inside its header (" + std::to_string(size_) +
                             " bytes of " + std::to_string(sizeof(ct::FileHeader)) + ")");
        }
        trace_.header = load<ct::FileHeader>(source_, 0);
        check_version(trace_.header.version);
        if (trace_.header.header_size < sizeof(ct::FileHeader))
            throw TraceError("corrupt header: header_size " + std::to_string(trace_.header.header_size) +
                             " is smaller than the " + std::to_string(sizeof(ct::FileHeader)) +
                             "-byte version 1 header");
        if (trace_.header.header_size > size_)
            throw TraceError("truncated: the file ends inside its " +
                             std::to_string(trace_.header.header_size) + "-byte header");
        if (trace_.header.workers > kMaxWorkers)
            throw TraceError("corrupt header: it claims " + std::to_string(trace_.header.workers) +
                             " worker threads");
    }

    static void check_version(std::uint16_t version) {
        if (version > ct::kVersion)
            throw TraceError("written in trace format version " + std::to_string(version) +
                             ", newer than the version " + std::to_string(ct::kVersion) +
                             " this corio-trace reads: use the corio-trace of the corio that wrote it");
        if (version == 0) throw TraceError("corrupt header: format version 0");
    }

    // Reads one record whose payload is known to lie inside the file.
    // Returns true for the end record.
    bool record(std::uint64_t offset, const ct::RecordHeader& rh, std::uint64_t payload) {
        auto need = [&](std::uint64_t expected, const char* what) {
            if (rh.size != expected)
                throw TraceError("corrupt " + at(offset, rh.type) + ": it has " + std::to_string(rh.size) +
                                 " bytes where " + what + " need " + std::to_string(expected));
        };
        auto need_fixed = [&](std::uint64_t fixed) {
            if (rh.size < fixed)
                throw TraceError("corrupt " + at(offset, rh.type) + ": " + std::to_string(rh.size) +
                                 " bytes, shorter than its " + std::to_string(fixed) + "-byte fixed part");
        };
        switch (static_cast<ct::RecordType>(rh.type)) {
        case ct::RecordType::track: {
            need_fixed(sizeof(ct::TrackRecord));
            auto tr = load<ct::TrackRecord>(source_, payload);
            need(sizeof tr + std::uint64_t{tr.name_size}, "its fields and name");
            Track& t = track(tr.track, offset);
            t.kind = tr.kind;
            t.index = tr.index;
            t.name = load_string(source_, payload + sizeof tr, tr.name_size);
            return false;
        }
        case ct::RecordType::site: {
            need_fixed(sizeof(ct::SiteRecord));
            auto sr = load<ct::SiteRecord>(source_, payload);
            need(sizeof sr + std::uint64_t{sr.file_size} + sr.function_size + sr.name_size,
                 "its fields and strings");
            if (sr.site == 0) throw TraceError("corrupt " + at(offset, rh.type) + ": site id 0 is reserved");
            Site site;
            site.line = sr.line;
            std::uint64_t p = payload + sizeof sr;
            site.file = load_string(source_, p, sr.file_size);
            p += sr.file_size;
            site.function = load_string(source_, p, sr.function_size);
            p += sr.function_size;
            site.name = load_string(source_, p, sr.name_size);
            trace_.sites[sr.site] = std::move(site);
            return false;
        }
        case ct::RecordType::events: {
            need_fixed(sizeof(ct::EventsRecord));
            auto er = load<ct::EventsRecord>(source_, payload);
            need(sizeof er + std::uint64_t{er.count} * sizeof(Event), "its events");
            Track& t = track(er.track, offset);
            if (er.count == 0) return false;
            const std::uint64_t first = payload + sizeof er;
            t.chunks.push_back(Chunk{first, er.count});
            t.events += er.count;
            trace_.events += er.count;
            auto last = load<Event>(source_, first + (std::uint64_t{er.count} - 1) * sizeof(Event));
            trace_.last_event_ns = std::max(trace_.last_event_ns, last.time_ns);
            return false;
        }
        case ct::RecordType::dropped: {
            need(sizeof(ct::DroppedRecord), "its fields");
            auto dr = load<ct::DroppedRecord>(source_, payload);
            Track& t = track(dr.track, offset);
            t.dropped = saturating_add(t.dropped, dr.count);
            trace_.dropped = saturating_add(trace_.dropped, dr.count);
            return false;
        }
        case ct::RecordType::end: {
            need(sizeof(ct::EndRecord), "its fields");
            trace_.end = load<ct::EndRecord>(source_, payload);
            return true;
        }
        }
        ++trace_.unknown_records;  // a later addition to version 1: skipped by its size
        return false;
    }

    static std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
        return a + b < a ? ~std::uint64_t{0} : a + b;
    }

    Track& track(std::uint32_t id, std::uint64_t offset) {
        auto [it, added] = slots_.try_emplace(id, trace_.tracks.size());
        if (added) {
            if (trace_.tracks.size() == kMaxTracks)
                throw TraceError("corrupt " + std::string("record at offset ") + std::to_string(offset) +
                                 ": more than " + std::to_string(kMaxTracks) + " tracks");
            trace_.tracks.emplace_back();
            trace_.tracks.back().id = id;
        }
        return trace_.tracks[it->second];
    }

    void finish() {
        std::stable_sort(trace_.tracks.begin(), trace_.tracks.end(), [](const Track& a, const Track& b) {
            if (kind_order(a.kind) != kind_order(b.kind)) return kind_order(a.kind) < kind_order(b.kind);
            if (a.index != b.index) return a.index < b.index;
            return a.id < b.id;
        });
    }

    const Source& source_;
    const std::uint64_t size_;
    Trace trace_;
    std::unordered_map<std::uint32_t, std::size_t> slots_;
};

}  // namespace

std::uint64_t Trace::span_ns() const {
    return std::max(end ? end->end_ns : 0, last_event_ns);
}

const Site* Trace::site(std::uint32_t id) const {
    auto it = sites.find(id);
    return it == sites.end() ? nullptr : &it->second;
}

std::string Trace::track_label(std::size_t slot) const {
    const Track& t = tracks[slot];
    if (!t.name.empty()) return t.name;
    switch (t.kind) {
    case TrackKind::worker: return "worker " + std::to_string(t.index);
    case TrackKind::reactor: return "reactor " + std::to_string(t.index);
    case TrackKind::blocking: return "blocking " + std::to_string(t.index);
    case TrackKind::external: return "external";
    }
    return "track " + std::to_string(t.id);
}

Trace read_index(const Source& source) { return Indexer(source).run(); }

namespace {

constexpr std::uint32_t kBufferEvents = 4096;  // 96 KiB per track at most

std::uint32_t rank(const Event& e) {
    return e.kind == EventKind::spawn || e.kind == EventKind::wake ? 0 : 1;
}

}  // namespace

EventMerger::EventMerger(const Trace& trace, const Source& source)
    : trace_(trace), source_(source), cursors_(trace.tracks.size()) {
    heap_.reserve(trace.tracks.size());
    for (std::uint32_t slot = 0; slot < cursors_.size(); ++slot)
        if (refill(slot)) push(slot);
}

bool EventMerger::refill(std::uint32_t slot) {
    Cursor& c = cursors_[slot];
    const Track& t = trace_.tracks[slot];
    while (c.chunk < t.chunks.size()) {
        const Chunk& chunk = t.chunks[c.chunk];
        const std::uint32_t left = chunk.count - c.in_chunk;
        if (left == 0) {
            ++c.chunk;
            c.in_chunk = 0;
            continue;
        }
        const std::uint32_t n = std::min(left, kBufferEvents);
        c.buffer.resize(n);
        source_.read(chunk.offset + std::uint64_t{c.in_chunk} * sizeof(Event), c.buffer.data(),
                     std::size_t{n} * sizeof(Event));
        c.in_chunk += n;
        c.pos = 0;
        return true;
    }
    c.buffer = {};
    return false;
}

namespace {
bool later(std::uint64_t at, std::uint32_t ar, std::uint32_t as, std::uint64_t bt, std::uint32_t br,
           std::uint32_t bs) {
    if (at != bt) return at > bt;
    if (ar != br) return ar > br;
    return as > bs;
}
}  // namespace

void EventMerger::push(std::uint32_t slot) {
    const Event& head = cursors_[slot].buffer[cursors_[slot].pos];
    heap_.push_back(HeapItem{head.time_ns, rank(head), slot});
    std::push_heap(heap_.begin(), heap_.end(), [](const HeapItem& a, const HeapItem& b) {
        return later(a.time, a.rank, a.slot, b.time, b.rank, b.slot);
    });
}

bool EventMerger::next(std::uint32_t& slot, Event& event) {
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), [](const HeapItem& a, const HeapItem& b) {
        return later(a.time, a.rank, a.slot, b.time, b.rank, b.slot);
    });
    slot = heap_.back().slot;
    heap_.pop_back();
    Cursor& c = cursors_[slot];
    event = c.buffer[c.pos++];
    if (c.pos < c.buffer.size() || refill(slot)) push(slot);
    return true;
}

}  // namespace corio::trace_tool
