// corio-trace chrome: the JSON parses (with the test's strict parser and with
// Python's json module) and holds the expected tracks, poll slices named by
// spawn site, spawn-to-first-poll flows, park slices and instants; hostile
// names are escaped.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "chrome.hpp"
#include "json_lite.hpp"
#include "sample_trace.hpp"

using namespace corio::trace_tool;
using namespace corio::trace_test;

namespace {

Json chrome_of(const std::string& bytes, std::string* text = nullptr) {
    MemorySource src(bytes);
    const Trace t = read_index(src);
    std::ostringstream out;
    write_chrome(out, t, src);
    if (text) *text = out.str();
    return JsonParser(out.str()).parse();
}

std::vector<const Json*> with(const Json& doc, const std::string& ph, const std::string& cat = {}) {
    std::vector<const Json*> v;
    for (const Json& e : doc.get("traceEvents")->array)
        if (e.str("ph") == ph && (cat.empty() || e.str("cat") == cat)) v.push_back(&e);
    return v;
}

}  // namespace

TEST_CASE("chrome JSON has a named track per thread, poll slices and flows") {
    std::string text;
    const Json doc = chrome_of(sample_trace(), &text);
    REQUIRE(doc.type == Json::Type::object);
    REQUIRE(doc.get("traceEvents") != nullptr);
    CHECK(doc.str("displayTimeUnit") == "ns");

    std::map<int, std::string> threads;
    for (const Json* m : with(doc, "M"))
        if (m->str("name") == "thread_name") threads[int(m->num("tid"))] = m->get("args")->str("name");
    CHECK(threads == std::map<int, std::string>{{1, "worker 0"}, {2, "worker 1"}, {3, "external"}});

    const auto polls = with(doc, "X", "poll");
    REQUIRE(polls.size() == 6);
    std::multiset<std::string> names;
    for (const Json* p : polls) names.insert(p->str("name"));
    CHECK(names.count("a.cpp:10 in alpha") == 4);
    CHECK(names.count("beta-task") == 2);
    // The 800 us poll of task 3 on worker 1, starting at 6.12 us.
    bool found = false;
    for (const Json* p : polls)
        if (p->num("tid") == 2 && p->num("ts") == Approx(6.12) && p->num("dur") == Approx(800.0)) found = true;
    CHECK(found);
    CHECK(text.find("\"ts\":6.120,") != std::string::npos);  // exact ns in the text

    // A flow per spawn that was followed by a poll: start on the spawner, end on the poller.
    const auto starts = with(doc, "s");
    const auto finishes = with(doc, "f");
    REQUIRE(starts.size() == 4);
    REQUIRE(finishes.size() == 4);
    std::map<double, const Json*> start_by_id;
    for (const Json* s : starts) {
        CHECK(s->num("tid") == 3);
        start_by_id[s->num("id")] = s;
    }
    for (const Json* f : finishes) {
        CHECK(f->str("bp") == "e");
        REQUIRE(start_by_id.count(f->num("id")) == 1);
        CHECK(start_by_id[f->num("id")]->num("ts") <= f->num("ts"));
    }
    // main spawned outside any poll: zero-length slices for the flows to bind to.
    CHECK(with(doc, "X", "spawn").size() == 4);

    const auto parks = with(doc, "X", "park");
    REQUIRE(parks.size() == 1);
    CHECK(parks[0]->num("ts") == Approx(500.0));
    CHECK(parks[0]->num("dur") == Approx(400.0));
    std::multiset<std::string> instants;
    for (const Json* i : with(doc, "i")) instants.insert(i->str("name"));
    CHECK(instants == std::multiset<std::string>{"steal", "io submit", "io complete", "timer fire"});
    CHECK(doc.get("otherData")->num("dropped") == 3);
}

TEST_CASE("chrome JSON escapes hostile names and stays valid for Python") {
    using K = corio::trace::EventKind;
    TraceBuilder b(1);
    const std::string evil = std::string("q\"uo\\te\n\x01\x7f bad\xff\xc0 utf8 \xe2\x82\xac </script>");
    b.track(0, corio::trace::TrackKind::worker, 0, evil).site(1, evil, 3, evil, evil);
    b.events(0, {ev(0, K::spawn, 1, 1), ev(10, K::poll_begin, 1), ev(20, K::poll_end, 1, 0, 1)}).end(30);
    std::string text;
    const Json doc = chrome_of(b.bytes, &text);
    const auto polls = with(doc, "X", "poll");
    REQUIRE(polls.size() == 1);
    CHECK(polls[0]->str("name").find("q\"uo\\te\n") == 0);

    TempFile file(".json");
    file.write(text);
    const std::string cmd = "python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding=\"utf-8\"))' " + file.path;
    CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("chrome JSON of an empty trace is still a document") {
    TraceBuilder b(4);
    b.end(0);
    const Json doc = chrome_of(b.bytes);
    CHECK(doc.get("traceEvents")->array.size() == 1);  // the process name
}
