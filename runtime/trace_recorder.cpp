// The trace recorder: lock-free writers, one flusher thread, the file.
#include "trace_recorder.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>
#include <system_error>
#include <tuple>

#include "corio/detail/trace.hpp"
#include "runtime_core.hpp"

namespace corio::detail {
namespace {

using namespace std::chrono_literals;

constinit thread_local TraceWriter* this_thread_writer = nullptr;

// A spawn's site travels through the chunk as the bits of its
// std::source_location (a pointer to static data in libstdc++).
static_assert(sizeof(std::source_location) == sizeof(std::uint64_t) &&
                  std::is_trivially_copyable_v<std::source_location>,
              "the recorder stores a std::source_location in 64 bits");

std::uint64_t steady_ns() noexcept {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

// How often the flusher looks for full chunks.
// Named spawn sites' keys: no std::source_location's bits (a user-space
// pointer) have the top bit set.
constexpr std::uint64_t kNamedSite = std::uint64_t{1} << 63;

constexpr auto kFlushInterval = 5ms;
// Ticks to wait before a rate estimate is trusted over the start-up one,
// and after which it no longer changes.
constexpr std::uint64_t kMinCalibrationNs = 10'000'000;
constexpr std::uint64_t kFrozenCalibrationNs = 1'000'000'000;

}  // namespace

// --- writer -------------------------------------------------------------------

void TraceWriter::record_spawn(std::uint64_t task, std::uint64_t site_key) noexcept {
    if (cursor_ == end_) [[unlikely]] {
        if (!refill()) return;
    }
    // Spawns come in bursts inside one poll (fib, a loop of spawns): a
    // clock read for each would be a third of a traced W5. Every 8th spawn
    // and a chunk's last slot are read; the flusher interpolates the rest
    // between their stamped neighbours, which are at most 7 spawns away.
    const auto slot = static_cast<std::size_t>(cursor_ - chunk_->events);
    const std::uint64_t ticks = (slot % 8 == 0 || cursor_ + 1 == end_) ? trace_ticks() & kTickMask : kUnstamped;
    *cursor_++ = RawEvent{(std::uint64_t(trace::EventKind::spawn) << kKindShift) | ticks, task, site_key};
}

bool TraceWriter::refill() noexcept {
    if (chunk_) {
        chunk_->count = static_cast<std::uint32_t>(kChunkEvents);
        recorder_.submit(chunk_);
        chunk_ = nullptr;
    }
    chunk_ = recorder_.take_free_chunk();
    if (!chunk_) {
        // Never wait for the flusher: lose this event, count it, and look
        // for a chunk again with the next one.
        dropped_.store(dropped_.load(memory_order_relaxed) + 1, memory_order_relaxed);
        cursor_ = end_ = nullptr;
        return false;
    }
    chunk_->track = track_;
    cursor_ = chunk_->events;
    end_ = chunk_->events + kChunkEvents;
    return true;
}

void TraceWriter::flush() noexcept {
    if (!chunk_) return;
    chunk_->count = static_cast<std::uint32_t>(cursor_ - chunk_->events);
    recorder_.submit(chunk_);
    chunk_ = nullptr;
    cursor_ = end_ = nullptr;
}

// --- recorder -----------------------------------------------------------------

TraceRecorder::TraceRecorder(const std::string& path, unsigned workers, std::size_t memory_cap_bytes)
    : path_(path), max_chunks_(std::max<std::size_t>(memory_cap_bytes / sizeof(TraceChunk), 4)) {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw std::system_error(errno, std::generic_category(), "corio: cannot create trace file '" + path + "'");
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    trace::FileHeader header{};
    std::memcpy(header.magic, trace::kMagic, sizeof header.magic);
    header.version = trace::kVersion;
    header.header_size = sizeof header;
    header.workers = workers;
    header.start_unix_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::fwrite(&header, sizeof header, 1, file_);

    // A first tick rate over 2 ms; the flusher refines it over the whole run.
    ns0_ = steady_ns();
    tick0_ = trace_ticks() & kTickMask;
    std::this_thread::sleep_for(2ms);
    std::uint64_t ns1 = steady_ns(), tick1 = trace_ticks() & kTickMask;
    if (tick1 > tick0_) ns_per_tick_ = double(ns1 - ns0_) / double(tick1 - tick0_);

    flusher_ = std::thread([this] { flusher_loop(); });
}

TraceRecorder::~TraceRecorder() {
    close();
    TraceChunk* chunk;
    while (free_.try_dequeue(chunk)) delete chunk;
}

TraceWriter* TraceRecorder::add_track(trace::TrackKind kind, unsigned index, std::string name) {
    std::lock_guard lock(mutex_);
    auto track = static_cast<std::uint32_t>(tracks_.size());
    tracks_.push_back(Track{kind, index, std::move(name), false});
    writers_.push_back(std::make_unique<TraceWriter>(*this, track));
    return writers_.back().get();
}

void TraceRecorder::record_external(trace::EventKind kind, std::uint64_t task, std::uint64_t arg) noexcept {
    std::lock_guard lock(external_mutex_);
    if (!external_) {
        try {
            external_ = add_track(trace::TrackKind::external, 0, "external");
        } catch (...) {
            return;  // out of memory: the event is not worth failing a spawn for
        }
    }
    external_->record(kind, task, arg);
}

TraceChunk* TraceRecorder::take_free_chunk() noexcept {
    TraceChunk* chunk;
    if (free_.try_dequeue(chunk)) return chunk;
    // relaxed: a soft cap; at worst a few chunks more than asked.
    if (chunks_made_.fetch_add(1, memory_order_relaxed) >= max_chunks_) {
        chunks_made_.fetch_sub(1, memory_order_relaxed);
        return nullptr;
    }
    chunk = new (std::nothrow) TraceChunk;
    if (!chunk) chunks_made_.fetch_sub(1, memory_order_relaxed);
    return chunk;
}

void TraceRecorder::submit(TraceChunk* chunk) noexcept {
    // The flusher polls every few ms: waking it here would cost the worker
    // a system call per chunk.
    if (!full_.enqueue(chunk)) {
        // moodycamel could not allocate: the chunk's events are lost.
        lost_in_submit_.fetch_add(chunk->count, memory_order_relaxed);
        chunk->count = 0;
        free_.enqueue(chunk);
    }
}

std::uint64_t TraceRecorder::events_dropped() const noexcept {
    std::uint64_t n = lost_in_submit_.load(memory_order_relaxed);
    std::lock_guard lock(mutex_);
    for (auto& w : writers_) n += w->dropped();
    return n;
}

void TraceRecorder::flusher_loop() {
    std::unique_lock lock(mutex_);
    while (!closing_) {
        lock.unlock();
        drain();
        lock.lock();
        wake_.wait_for(lock, kFlushInterval, [this] { return closing_; });
    }
}

void TraceRecorder::drain() {
    TraceChunk* chunk;
    while (full_.try_dequeue(chunk)) {
        write_chunk(chunk);
        chunk->count = 0;
        free_.enqueue(chunk);
    }
}

void TraceRecorder::calibrate() noexcept {
    // Refine over a growing interval, then freeze: each refinement shifts
    // later times a little, and one second gives a rate good to ~1e-7.
    if (calibrated_) return;
    std::uint64_t ns = steady_ns(), tick = trace_ticks() & kTickMask;
    if (ns - ns0_ >= kMinCalibrationNs && tick > tick0_) ns_per_tick_ = double(ns - ns0_) / double(tick - tick0_);
    calibrated_ = ns - ns0_ >= kFrozenCalibrationNs;
}

void TraceRecorder::write_record(trace::RecordType type, const void* head, std::size_t head_size,
                                 const std::string& tail) {
    trace::RecordHeader record{static_cast<std::uint32_t>(type), static_cast<std::uint32_t>(head_size + tail.size())};
    bool ok = std::fwrite(&record, sizeof record, 1, file_) == 1 &&
              (head_size == 0 || std::fwrite(head, head_size, 1, file_) == 1) &&
              (tail.empty() || std::fwrite(tail.data(), tail.size(), 1, file_) == 1);
    if (!ok && !write_failed_) {
        write_failed_ = true;
        std::fprintf(stderr, "corio: writing the trace file '%s' failed: %s; the trace is incomplete\n",
                     path_.c_str(), std::strerror(errno));
    }
}

void TraceRecorder::write_track(std::uint32_t track) {
    Track info;
    {
        std::lock_guard lock(mutex_);
        if (tracks_[track].written) return;
        tracks_[track].written = true;
        info = tracks_[track];
    }
    trace::TrackRecord record{track, info.kind, info.index, static_cast<std::uint32_t>(info.name.size())};
    write_record(trace::RecordType::track, &record, sizeof record, info.name);
}

std::uint64_t TraceRecorder::named_site(std::uint64_t site_bits, const std::string& name) {
    std::lock_guard lock(names_mutex_);
    auto [it, fresh] = named_keys_.try_emplace({site_bits, name}, kNamedSite | named_keys_.size());
    if (fresh) named_sites_.emplace(it->second, std::make_pair(site_bits, name));
    return it->second;
}

std::uint32_t TraceRecorder::site_id(std::uint64_t key) {
    auto [it, fresh] = sites_.try_emplace(key, static_cast<std::uint32_t>(sites_.size() + 1));
    if (fresh) {
        std::uint64_t bits = key;
        std::string name;
        if (key & kNamedSite) {
            std::lock_guard lock(names_mutex_);
            auto named = named_sites_.find(key);
            if (named != named_sites_.end()) std::tie(bits, name) = named->second;
        }
        auto site = std::bit_cast<std::source_location>(bits);
        std::string file = site.file_name() ? site.file_name() : "";
        std::string function = site.function_name() ? site.function_name() : "";
        trace::SiteRecord record{it->second, site.line(), static_cast<std::uint32_t>(file.size()),
                                 static_cast<std::uint32_t>(function.size()), static_cast<std::uint32_t>(name.size()), 0};
        write_record(trace::RecordType::site, &record, sizeof record, file + function + name);
    }
    return it->second;
}

void TraceRecorder::write_chunk(TraceChunk* chunk) {
    if (chunk->count == 0) return;
    write_track(chunk->track);
    calibrate();
    if (last_time_.size() <= chunk->track) last_time_.resize(chunk->track + 1, 0);
    std::uint64_t last_ns = last_time_[chunk->track];
    converted_.resize(chunk->count);
    std::uint32_t next_stamped = 0;  // the first stamped event at or after i
    for (std::uint32_t i = 0; i < chunk->count; ++i) {
        const RawEvent& raw = chunk->events[i];
        auto kind = static_cast<trace::EventKind>(raw.stamp >> kKindShift);
        std::uint64_t tick = raw.stamp & kTickMask;
        if (tick == kUnstamped) {
            // Between the stamped neighbours, by position (record_spawn).
            if (next_stamped <= i) {
                next_stamped = i + 1;
                while (next_stamped < chunk->count && (chunk->events[next_stamped].stamp & kTickMask) == kUnstamped)
                    ++next_stamped;
            }
            // The event before it, as converted (slot 0 is always stamped).
            const std::uint64_t prev = i > 0 ? last_tick_ : tick0_;
            if (next_stamped < chunk->count) {
                std::uint64_t next = chunk->events[next_stamped].stamp & kTickMask;
                std::uint64_t steps = next_stamped - i + 1;
                tick = next > prev ? prev + (next - prev) / steps : prev;
            } else {
                tick = prev;  // a partial chunk's tail: the last stamp
            }
        }
        last_tick_ = tick;
        trace::Event& e = converted_[i];
        // Clamp: another core's TSC may lag the recorder's first reading a
        // little, and a refined rate may move a chunk's times a little
        // before the previous chunk's end; a track's times never go back.
        std::uint64_t ns = tick > tick0_ ? static_cast<std::uint64_t>(double(tick - tick0_) * ns_per_tick_) : 0;
        e.time_ns = std::max(ns, last_ns);
        last_ns = e.time_ns;
        e.task = raw.task;
        e.kind = kind;
        if (kind == trace::EventKind::spawn) {
            e.a = site_id(raw.arg);
            e.b = 0;
        } else {
            e.a = static_cast<std::uint32_t>(raw.arg);
            e.b = static_cast<std::uint16_t>(raw.arg >> 32);
        }
    }
    last_time_[chunk->track] = last_ns;
    trace::EventsRecord head{chunk->track, chunk->count};
    trace::RecordHeader record{static_cast<std::uint32_t>(trace::RecordType::events),
                               static_cast<std::uint32_t>(sizeof head + chunk->count * sizeof(trace::Event))};
    bool ok = std::fwrite(&record, sizeof record, 1, file_) == 1 && std::fwrite(&head, sizeof head, 1, file_) == 1 &&
              std::fwrite(converted_.data(), sizeof(trace::Event), chunk->count, file_) == chunk->count;
    if (ok)
        events_written_.fetch_add(chunk->count, memory_order_relaxed);
    else
        write_record(trace::RecordType::events, nullptr, 0);  // reports the failure once
}

void TraceRecorder::close() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        closing_ = true;
    }
    wake_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    // Every recording thread has stopped: their last chunks are ours now.
    for (auto& w : writers_) w->flush();
    drain();
    std::uint64_t dropped_total = lost_in_submit_.load(memory_order_relaxed);
    for (auto& w : writers_) {
        if (std::uint64_t n = w->dropped()) {
            write_track(w->track());
            trace::DroppedRecord record{w->track(), 0, n};
            write_record(trace::RecordType::dropped, &record, sizeof record);
            dropped_total += n;
        }
    }
    calibrate();
    std::uint64_t end_tick = trace_ticks() & kTickMask;
    trace::EndRecord end{events_written_.load(memory_order_relaxed), dropped_total,
                         end_tick > tick0_ ? static_cast<std::uint64_t>(double(end_tick - tick0_) * ns_per_tick_) : 0};
    write_record(trace::RecordType::end, &end, sizeof end);
    if (std::fclose(file_) != 0 && !write_failed_)
        std::fprintf(stderr, "corio: closing the trace file '%s' failed: %s\n", path_.c_str(), std::strerror(errno));
    if (dropped_total)
        std::fprintf(stderr,
                     "corio: the trace '%s' lost %llu of %llu events (the writer outran the disk; raise "
                     "Options.trace_buffer_bytes or trace a shorter run)\n",
                     path_.c_str(), static_cast<unsigned long long>(dropped_total),
                     static_cast<unsigned long long>(dropped_total + events_written_.load(memory_order_relaxed)));
}

// --- the thread-level API (corio/detail/trace.hpp) --------------------------

TraceWriter* thread_trace_writer() noexcept { return this_thread_writer; }

TraceWriter* exchange_thread_trace_writer(TraceWriter* writer) noexcept {
    return std::exchange(this_thread_writer, writer);
}

void trace_record(TraceWriter* writer, trace::EventKind kind, std::uint64_t task, std::uint32_t a,
                  std::uint16_t b) noexcept {
    writer->record(kind, task, a, b);
}

TraceThreadScope::TraceThreadScope(RuntimeCore* runtime, trace::TrackKind kind, unsigned index) noexcept
    : writer_(nullptr), previous_(this_thread_writer) {
    if (!runtime || !runtime->trace) return;
    const char* what = kind == trace::TrackKind::reactor ? "reactor " : kind == trace::TrackKind::blocking ? "blocking " : "thread ";
    try {
        writer_ = runtime->trace->add_track(kind, index, what + std::to_string(index));
    } catch (...) {
        return;  // out of memory: this thread goes untraced
    }
    this_thread_writer = writer_;
}

TraceThreadScope::~TraceThreadScope() {
    if (!writer_) return;
    writer_->flush();
    this_thread_writer = previous_;
}

}  // namespace corio::detail
