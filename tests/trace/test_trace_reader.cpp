// corio-trace's reader: a written trace reads back with exact counts and
// contents, events merge across tracks in time order, and every kind of bad
// file (foreign, newer, cut short, corrupt sizes) gives its own error.
#include <catch2/catch.hpp>

#include <map>

#include "reader.hpp"
#include "sample_trace.hpp"
#include "timeline.hpp"

using namespace corio::trace_tool;
using namespace corio::trace_test;
using Catch::Matchers::Contains;
using K = corio::trace::EventKind;

namespace {

Trace index_of(const std::string& bytes) { return read_index(MemorySource(bytes)); }

std::string cut(std::string s, std::size_t n) { return s.substr(0, n); }

}  // namespace

TEST_CASE("a written trace reads back with exact counts") {
    const std::string bytes = sample_trace();
    MemorySource src(bytes);
    Trace t = read_index(src);
    CHECK(t.header.version == 1);
    CHECK(t.header.workers == 2);
    REQUIRE(t.tracks.size() == 3);
    // Sorted workers first, whatever the file's order.
    CHECK(t.track_label(0) == "worker 0");
    CHECK(t.track_label(1) == "worker 1");
    CHECK(t.track_label(2) == "external");
    CHECK(t.tracks[0].events == 11);
    CHECK(t.tracks[1].events == 6);
    CHECK(t.tracks[2].events == 5);
    CHECK(t.tracks[0].chunks.size() == 2);
    CHECK(t.events == 22);
    CHECK(t.dropped == 3);
    CHECK(t.tracks[1].dropped == 3);
    REQUIRE(t.end.has_value());
    CHECK(t.end->events == 22);
    CHECK(t.end->dropped == 3);
    CHECK(t.end->end_ns == 1000000);
    CHECK(t.span_ns() == 1000000);
    CHECK(t.truncated.empty());
    CHECK(t.unknown_records == 0);
    REQUIRE(t.sites.size() == 2);
    const Site* s2 = t.site(2);
    REQUIRE(s2 != nullptr);
    CHECK(s2->file == "src/app/b.cpp");
    CHECK(s2->line == 20);
    CHECK(s2->function == "beta()");
    CHECK(s2->name == "beta-task");
    CHECK(t.site(0) == nullptr);
    CHECK(t.site(9) == nullptr);

    // Pass 2: every event once, in time order, each track's in its own order.
    EventMerger merger(t, src);
    std::uint32_t slot = 0;
    Event e{};
    std::uint64_t n = 0, last = 0;
    std::map<std::uint32_t, std::uint64_t> per_slot;
    while (merger.next(slot, e)) {
        CHECK(e.time_ns >= last);
        last = e.time_ns;
        ++per_slot[slot];
        ++n;
    }
    CHECK(n == 22);
    CHECK(per_slot[0] == 11);
    CHECK(per_slot[1] == 6);
    CHECK(per_slot[2] == 5);
}

TEST_CASE("at equal times a spawn merges before the poll it leads to") {
    TraceBuilder b(1);
    b.track(0, corio::trace::TrackKind::worker, 0, "").track(1, corio::trace::TrackKind::external, 0, "");
    b.events(0, {ev(100, K::poll_begin, 9), ev(200, K::poll_end, 9, 0, 1)});
    b.events(1, {ev(100, K::spawn, 9, 0)});
    b.end(300);
    MemorySource src(b.bytes);
    Trace t = read_index(src);
    EventMerger merger(t, src);
    std::uint32_t slot = 0;
    Event e{};
    REQUIRE(merger.next(slot, e));
    CHECK(e.kind == K::spawn);
    REQUIRE(merger.next(slot, e));
    CHECK(e.kind == K::poll_begin);
}

TEST_CASE("many events stream through the per-track buffers in order") {
    TraceBuilder b(2);
    std::vector<corio::trace::Event> w0, w1;
    for (std::uint64_t i = 0; i < 10000; ++i) {
        w0.push_back(ev(2 * i, K::wake, i));
        w1.push_back(ev(2 * i + 1, K::wake, i));
    }
    b.events(0, w0).events(1, w1).end(20000);
    MemorySource src(b.bytes);
    Trace t = read_index(src);
    EventMerger merger(t, src);
    std::uint32_t slot = 0;
    Event e{};
    std::uint64_t expect = 0;
    while (merger.next(slot, e)) {
        REQUIRE(e.time_ns == expect);
        REQUIRE(slot == expect % 2);
        ++expect;
    }
    CHECK(expect == 20000);
    // Tracks with no track record still get a lane, labelled by id.
    CHECK(t.track_label(0) == "track 0");
}

TEST_CASE("a file without its end record is read as truncated") {
    TraceBuilder b(2);
    b.events(0, {ev(10, K::park, 0), ev(20, K::unpark, 0)});
    Trace t = index_of(b.bytes);
    CHECK_THAT(t.truncated, Contains("no end record"));
    CHECK(t.events == 2);
    CHECK(t.span_ns() == 20);
    CHECK_FALSE(t.end.has_value());
}

TEST_CASE("a record cut short keeps the records before it") {
    TraceBuilder b(2);
    b.events(0, {ev(10, K::park, 0), ev(20, K::unpark, 0)});
    const std::size_t keep = b.bytes.size();
    b.events(0, {ev(30, K::park, 0), ev(40, K::unpark, 0)}).end(50);
    Trace t = index_of(cut(b.bytes, keep + 20));
    CHECK_THAT(t.truncated, Contains("cut short"));
    CHECK(t.events == 2);
    Trace t2 = index_of(cut(b.bytes, keep + 5));
    CHECK_THAT(t2.truncated, Contains("inside a record header"));
}

TEST_CASE("a record size past the end of the file is reported, not followed") {
    TraceBuilder b(2);
    b.put(corio::trace::RecordHeader{3, 0xFFFFFFF0u});
    b.put(corio::trace::EventsRecord{0, 0x0AAAAAAAu});
    Trace t = index_of(b.bytes);
    CHECK_THAT(t.truncated, Contains("needs 4294967280 bytes"));
    CHECK(t.events == 0);
}

TEST_CASE("unknown record types are skipped by their size") {
    TraceBuilder b(2);
    b.raw(99, "some later addition").events(0, {ev(5, K::park, 0)}).end(10);
    Trace t = index_of(b.bytes);
    CHECK(t.unknown_records == 1);
    CHECK(t.events == 1);
    CHECK(t.truncated.empty());
}

TEST_CASE("a longer header is skipped by its header_size") {
    TraceBuilder b(2);
    corio::trace::FileHeader h{};
    std::memcpy(&h, b.bytes.data(), sizeof h);
    h.header_size = 40;
    std::string bytes(reinterpret_cast<const char*>(&h), sizeof h);
    bytes += std::string(8, '\x7f');
    TraceBuilder rest(2);
    rest.events(0, {ev(5, K::park, 0)}).end(10);
    bytes += rest.bytes.substr(sizeof h);
    Trace t = index_of(bytes);
    CHECK(t.events == 1);
    CHECK(t.truncated.empty());
}

TEST_CASE("bytes after the end record are counted and ignored") {
    TraceBuilder b(2);
    b.end(10);
    b.bytes += "junk";
    CHECK(index_of(b.bytes).trailing_bytes == 4);
}

TEST_CASE("foreign, newer and corrupt files are refused with their reason") {
    CHECK_THROWS_WITH(index_of(""), Contains("not a corio trace"));
    CHECK_THROWS_WITH(index_of("{\"traceEvents\": []}"), Contains("not a corio trace"));
    CHECK_THROWS_WITH(index_of("CORIO"), Contains("ends inside its header"));
    CHECK_THROWS_WITH(index_of(cut(TraceBuilder(2).bytes, 20)), Contains("ends inside its header"));
    CHECK_THROWS_WITH(index_of(TraceBuilder(2, 2).end(0).bytes), Contains("newer than the version 1"));
    CHECK_THROWS_WITH(index_of(cut(TraceBuilder(2, 7).bytes, 12)), Contains("version 7"));
    CHECK_THROWS_WITH(index_of(TraceBuilder(2, 0).bytes), Contains("version 0"));
    CHECK_THROWS_WITH(index_of(TraceBuilder(1u << 20).bytes), Contains("worker threads"));

    std::string small_header = TraceBuilder(2).bytes;
    small_header[10] = 16;  // header_size
    CHECK_THROWS_WITH(index_of(small_header), Contains("header_size 16"));

    TraceBuilder count_mismatch(2);
    count_mismatch.put(corio::trace::RecordHeader{3, 8 + 24});
    count_mismatch.put(corio::trace::EventsRecord{0, 0xFFFFFFFFu});
    count_mismatch.put(ev(0, K::park, 0));
    CHECK_THROWS_WITH(index_of(count_mismatch.bytes), Contains("corrupt events record at offset 32"));

    TraceBuilder name_mismatch(2);
    name_mismatch.put(corio::trace::RecordHeader{1, 16});
    name_mismatch.put(corio::trace::TrackRecord{0, corio::trace::TrackKind::worker, 0, 0xFFFFFFFFu});
    CHECK_THROWS_WITH(index_of(name_mismatch.bytes), Contains("corrupt track record"));

    TraceBuilder short_site(2);
    short_site.raw(2, "tiny");
    CHECK_THROWS_WITH(index_of(short_site.bytes), Contains("shorter than its 24-byte fixed part"));

    TraceBuilder site_zero(2);
    site_zero.site(0, "f", 1, "g");
    CHECK_THROWS_WITH(index_of(site_zero.bytes), Contains("site id 0"));

    TraceBuilder bad_end(2);
    bad_end.raw(5, "short");
    CHECK_THROWS_WITH(index_of(bad_end.bytes), Contains("corrupt end record"));

    TraceBuilder too_many(2);
    for (std::uint32_t i = 0; i <= kMaxTracks; ++i) too_many.dropped(i, 1);
    CHECK_THROWS_WITH(index_of(too_many.bytes), Contains("more than 4096 tracks"));
}

TEST_CASE("a missing file and a directory are refused") {
    CHECK_THROWS_WITH(FileSource("/nonexistent/corio.trace"), Contains("No such file"));
    CHECK_THROWS_WITH(FileSource("/tmp"), Contains("not a regular file"));
}

TEST_CASE("the timeline skips unknown event kinds and counts unmatched ends") {
    TraceBuilder b(1);
    corio::trace::Event odd = ev(5, K::park, 0);
    odd.kind = static_cast<K>(200);
    b.events(0, {odd, ev(6, K::poll_end, 4), ev(7, K::unpark, 0), ev(9, K::poll_begin, 5), ev(3, K::poll_end, 5)});
    b.end(10);
    MemorySource src(b.bytes);
    Trace t = read_index(src);
    struct Count : TimelineVisitor {
        std::vector<Poll> polls;
        void poll(const Poll& p) override { polls.push_back(p); }
    } v;
    TimelineStats st = walk_timeline(t, src, v);
    CHECK(st.unknown_kinds == 1);
    CHECK(st.unmatched == 2);
    CHECK(st.backwards == 1);
    REQUIRE(v.polls.size() == 1);
    CHECK(v.polls[0].end == v.polls[0].begin);  // clamped, not negative
}
