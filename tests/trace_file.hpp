// A strict reader of corio trace files for the tests, written from
// corio/trace_format.hpp alone (the tool under tools/ is tested on its own):
// any malformed record fails the running test case.
#pragma once

#include <catch2/catch.hpp>

#include <corio/trace_format.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace corio_test {

namespace tr = corio::trace;

struct ReadTrace {
    tr::FileHeader header{};
    std::map<std::uint32_t, tr::TrackRecord> tracks;
    std::map<std::uint32_t, std::string> site_files;
    std::map<std::uint32_t, std::uint32_t> site_lines;
    std::map<std::uint32_t, std::string> site_names;  // named tasks' sites
    std::vector<std::pair<std::uint32_t, tr::Event>> events;  // track, event
    std::uint64_t dropped = 0;
    bool ended = false;
    tr::EndRecord end{};
};

// A strict little reader: any malformed record fails the test.
inline ReadTrace read_trace(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ReadTrace t;
    REQUIRE(bytes.size() >= sizeof t.header);
    std::memcpy(&t.header, bytes.data(), sizeof t.header);
    REQUIRE(std::memcmp(t.header.magic, tr::kMagic, 8) == 0);
    REQUIRE(t.header.version == tr::kVersion);
    std::size_t at = t.header.header_size;
    while (at < bytes.size()) {
        REQUIRE(!t.ended);  // nothing after the end record
        tr::RecordHeader rh;
        REQUIRE(at + sizeof rh <= bytes.size());
        std::memcpy(&rh, bytes.data() + at, sizeof rh);
        at += sizeof rh;
        REQUIRE(at + rh.size <= bytes.size());
        const char* p = bytes.data() + at;
        switch (static_cast<tr::RecordType>(rh.type)) {
        case tr::RecordType::track: {
            tr::TrackRecord r;
            std::memcpy(&r, p, sizeof r);
            REQUIRE(rh.size == sizeof r + r.name_size);
            REQUIRE(t.tracks.count(r.track) == 0);
            t.tracks[r.track] = r;
            break;
        }
        case tr::RecordType::site: {
            tr::SiteRecord r;
            std::memcpy(&r, p, sizeof r);
            REQUIRE(rh.size == sizeof r + r.file_size + r.function_size + r.name_size);
            t.site_files[r.site] = std::string(p + sizeof r, r.file_size);
            t.site_lines[r.site] = r.line;
            t.site_names[r.site] = std::string(p + sizeof r + r.file_size + r.function_size, r.name_size);
            break;
        }
        case tr::RecordType::events: {
            tr::EventsRecord r;
            std::memcpy(&r, p, sizeof r);
            REQUIRE(rh.size == sizeof r + r.count * sizeof(tr::Event));
            REQUIRE(t.tracks.count(r.track) == 1);  // its track record came first
            for (std::uint32_t i = 0; i < r.count; ++i) {
                tr::Event e;
                std::memcpy(&e, p + sizeof r + i * sizeof e, sizeof e);
                if (e.kind == tr::EventKind::spawn) REQUIRE(t.site_files.count(e.a) == 1);
                t.events.emplace_back(r.track, e);
            }
            break;
        }
        case tr::RecordType::dropped: {
            tr::DroppedRecord r;
            std::memcpy(&r, p, sizeof r);
            t.dropped += r.count;
            break;
        }
        case tr::RecordType::end:
            REQUIRE(rh.size == sizeof t.end);
            std::memcpy(&t.end, p, sizeof t.end);
            t.ended = true;
            break;
        default:
            FAIL("unknown record type " << rh.type);
        }
        at += rh.size;
    }
    REQUIRE(t.ended);
    return t;
}

}  // namespace corio_test
