// A tiny synthetic trace writer for the corio-trace tests: builds a file's
// bytes record by record from the structs of corio/trace_format.hpp, so the
// tests can make complete, cut-short and malformed traces with known content.
// It checks nothing: writing bad files on purpose is part of its job.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <string>
#include <string_view>
#include <vector>

#include "corio/trace_format.hpp"

namespace corio::trace_test {

namespace ct = corio::trace;

inline ct::Event ev(std::uint64_t t, ct::EventKind kind, std::uint64_t task, std::uint32_t a = 0, std::uint16_t b = 0) {
    return ct::Event{t, task, a, b, kind};
}

class TraceBuilder {
public:
    explicit TraceBuilder(std::uint32_t workers = 2, std::uint16_t version = ct::kVersion) {
        ct::FileHeader h{};
        std::memcpy(h.magic, ct::kMagic, sizeof h.magic);
        h.version = version;
        h.header_size = sizeof h;
        h.workers = workers;
        h.start_unix_ns = 1'790'000'000'000'000'000ull;
        put(h);
    }

    TraceBuilder& track(std::uint32_t id, ct::TrackKind kind, std::uint32_t index, std::string_view name) {
        ct::TrackRecord r{id, kind, index, static_cast<std::uint32_t>(name.size())};
        header(ct::RecordType::track, sizeof r + name.size());
        put(r);
        bytes.append(name);
        return *this;
    }
    TraceBuilder& site(std::uint32_t id, std::string_view file, std::uint32_t line, std::string_view function,
                       std::string_view name = {}) {
        ct::SiteRecord r{id, line, static_cast<std::uint32_t>(file.size()), static_cast<std::uint32_t>(function.size()),
                         static_cast<std::uint32_t>(name.size()), 0};
        header(ct::RecordType::site, sizeof r + file.size() + function.size() + name.size());
        put(r);
        bytes.append(file);
        bytes.append(function);
        bytes.append(name);
        return *this;
    }
    TraceBuilder& events(std::uint32_t track, const std::vector<ct::Event>& events) {
        ct::EventsRecord r{track, static_cast<std::uint32_t>(events.size())};
        header(ct::RecordType::events, sizeof r + events.size() * sizeof(ct::Event));
        put(r);
        for (const ct::Event& e : events) put(e);
        written += events.size();
        return *this;
    }
    TraceBuilder& dropped(std::uint32_t track, std::uint64_t count) {
        ct::DroppedRecord r{track, 0, count};
        header(ct::RecordType::dropped, sizeof r);
        put(r);
        lost += count;
        return *this;
    }
    TraceBuilder& end(std::uint64_t end_ns) {
        ct::EndRecord r{written, lost, end_ns};
        header(ct::RecordType::end, sizeof r);
        put(r);
        return *this;
    }
    TraceBuilder& raw(std::uint32_t type, std::string_view payload) {
        ct::RecordHeader h{type, static_cast<std::uint32_t>(payload.size())};
        put(h);
        bytes.append(payload);
        return *this;
    }

    template <class T>
    void put(const T& v) {
        bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
    }

    std::string bytes;
    std::uint64_t written = 0;
    std::uint64_t lost = 0;

private:
    void header(ct::RecordType type, std::size_t size) {
        put(ct::RecordHeader{static_cast<std::uint32_t>(type), static_cast<std::uint32_t>(size)});
    }
};

// A file under the system's temporary directory, removed with the object.
class TempFile {
public:
    explicit TempFile(const std::string& suffix = ".trace") {
        char name[] = "/tmp/corio_trace_test_XXXXXX";
        const int fd = mkstemp(name);
        if (fd >= 0) ::close(fd);
        base_ = name;
        path = base_ + suffix;
        std::rename(base_.c_str(), path.c_str());
    }
    ~TempFile() {
        std::remove(path.c_str());
        std::remove((path + ".json").c_str());
        std::remove((path + ".svg").c_str());
        std::remove((path + ".out").c_str());
        std::remove((path + ".err").c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    void write(std::string_view bytes) const {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (f == nullptr) return;
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
    }
    std::string path;

private:
    std::string base_;
};

inline std::string slurp(const std::string& path) {
    std::string out;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return out;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
    return out;
}

}  // namespace corio::trace_test
