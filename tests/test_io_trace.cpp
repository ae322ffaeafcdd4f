// The reactor in a trace: a traced runtime that sleeps and does file I/O
// has a reactor track whose timer_fire, io_submit and io_complete events
// match what the program did (one fire per sleep, one submit and one
// complete per operation, with the opcodes and results the kernel saw).
#include <fcntl.h>
#include <linux/io_uring.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <corio/corio.hpp>
#include <corio/trace_format.hpp>

#include "support.hpp"
#include "trace_file.hpp"

using namespace std::chrono_literals;
namespace tr = corio::trace;

using corio_test::read_trace;

TEST_CASE("a traced runtime records timer fires and I/O submits and completions", "[io][trace]") {
    // With worker rings a task's timers fire and its I/O is submitted and
    // completed on its worker's track; without them on the reactor's.
    const bool worker_rings = GENERATE(true, false);
    CAPTURE(worker_rings);
    const auto tmp = std::filesystem::temp_directory_path();
    // One path per section: a second runtime tracing to a path once used writes PATH.1.
    const std::string trace_path =
        (tmp / ("corio-io-trace-" + std::to_string(::getpid()) + (worker_rings ? "-rings" : "") + ".trace")).string();
    const std::string data_path = (tmp / ("corio-io-trace-" + std::to_string(::getpid()) + ".dat")).string();
    constexpr int kSleeps = 3;
    std::size_t read_back = 0;
    corio_test::bounded([&] {
        corio::Runtime rt(corio::Options{.workers = 2, .worker_rings = worker_rings, .trace_path = trace_path});
        read_back = rt.block_on([](std::string path) -> corio::Coro<std::size_t> {
            for (int i = 0; i < kSleeps; ++i) co_await corio::sleep(1ms);
            co_await corio::write_file(path, std::string_view("hello, reactor"));
            auto data = co_await corio::read_file(path);
            co_return data.size();
        }(data_path));
    });
    std::filesystem::remove(data_path);
    const corio_test::ReadTrace t = read_trace(trace_path);
    std::filesystem::remove(trace_path);
    CHECK(t.dropped == 0);
    CHECK(read_back == 14);

    std::vector<std::uint32_t> reactor_tracks;
    for (auto& [id, track] : t.tracks)
        if (track.kind == tr::TrackKind::reactor) reactor_tracks.push_back(id);
    // io_threads = 1; with worker rings the reactor has nothing to record.
    REQUIRE(reactor_tracks.size() == (worker_rings ? 0u : 1u));

    int fires = 0, submits = 0, completes = 0, elsewhere = 0;
    std::map<std::uint8_t, int> opcodes;  // submitted io_uring opcodes
    std::map<std::uint64_t, int> open_ops;  // op id: submits minus completes
    for (auto& [track, e] : t.events) {
        const bool reactor = t.tracks.at(track).kind == tr::TrackKind::reactor;
        switch (e.kind) {
        case tr::EventKind::timer_fire:
            ++fires;
            elsewhere += reactor == worker_rings;
            CHECK(e.a < 1'000'000u);  // lateness in µs: well under a second
            break;
        case tr::EventKind::io_submit:
            ++submits;
            elsewhere += reactor == worker_rings;
            ++opcodes[static_cast<std::uint8_t>(e.a)];
            ++open_ops[e.task];
            break;
        case tr::EventKind::io_complete:
            ++completes;
            elsewhere += reactor == worker_rings;
            CHECK(static_cast<std::int32_t>(e.a) >= 0);  // every call succeeded
            --open_ops[e.task];
            break;
        default:
            break;
        }
    }
    CHECK(elsewhere == 0);
    CHECK(fires == kSleeps);
    // write_file: openat, write, close; read_file: openat, statx, read until
    // a short one (two reads for a small file), close.
    CHECK(submits == 8);
    CHECK(completes == submits);
    CHECK(opcodes[IORING_OP_OPENAT] == 2);
    CHECK(opcodes[IORING_OP_WRITE] == 1);
    CHECK(opcodes[IORING_OP_READ] == 2);
    CHECK(opcodes[IORING_OP_STATX] == 1);
    CHECK(opcodes[IORING_OP_CLOSE] == 2);
    for (auto& [id, open] : open_ops) CHECK(open == 0);
}
