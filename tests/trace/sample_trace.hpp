// The known-answer trace of the corio-trace tests: two workers and main's
// external track over 1 ms, with spawns, wakes, an id reused after its task
// finished, a steal, a park, I/O, a timer, dropped events and a poll still
// running when the trace ends. The expected figures are worked out beside it.
#pragma once

#include "trace_writer.hpp"

namespace corio::trace_test {

// Expected (span 1 ms):
//  worker 0 polls: task 1 [1000, 101000) site 1; task 1 [302000, 402000) finished;
//                  task 1 again (new life, site 2) [420240, 430240) finished
//    busy 210000 ns = 21.0%, 3 polls, 2 tasks, parked [500000, 900000) = 40%
//  worker 1 polls: task 2 [4000, 4500) site 2 finished; task 3 [6120, 806120) site 1;
//                  task 3 [900000, end) still running -> 100000 ns
//    busy 900500 ns, 3 polls, 2 tasks, 1 steal taking 3 tasks, 3 events dropped
//  latencies: 1000 (spawn), 2000 (wake), 10240 (spawn), 4000 (spawn), 5120 (spawn)
//    -> p50 4000, p99 10240; spawn p50 4000 (of 1000, 4000, 5120, 10240); wake 2000
//  histogram: bucket 8 (500): 1, bucket 13 (10000): 1, bucket 16 (100000): 3,
//             bucket 19 (800000): 1
inline std::string sample_trace() {
    using K = ct::EventKind;
    TraceBuilder b(2);
    b.track(2, ct::TrackKind::external, 0, "external")
        .track(0, ct::TrackKind::worker, 0, "")
        .track(1, ct::TrackKind::worker, 1, "")
        .site(1, "src/app/a.cpp", 10, "corio::Task<void> alpha(int)")
        .site(2, "src/app/b.cpp", 20, "beta()", "beta-task");
    b.events(2, {ev(0, K::spawn, 1, 1), ev(0, K::spawn, 2, 2), ev(1000, K::spawn, 3, 1)});
    b.events(0, {ev(1000, K::poll_begin, 1), ev(101000, K::poll_end, 1)});
    b.events(1, {ev(4000, K::poll_begin, 2), ev(4500, K::poll_end, 2, 0, 1), ev(5000, K::steal, 0, 0, 3),
                 ev(6120, K::poll_begin, 3)});
    b.events(2, {ev(300000, K::wake, 1), ev(410000, K::spawn, 1, 2)});
    b.events(0, {ev(302000, K::poll_begin, 1), ev(350000, K::io_submit, 77, 22), ev(360000, K::io_complete, 77, std::uint32_t(-5)),
                 ev(402000, K::poll_end, 1, 0, 1), ev(420240, K::poll_begin, 1), ev(430240, K::poll_end, 1, 0, 1),
                 ev(500000, K::park, 0), ev(900000, K::unpark, 0), ev(950000, K::timer_fire, 5, 7)});
    b.events(1, {ev(806120, K::poll_end, 3), ev(900000, K::poll_begin, 3)});
    b.dropped(1, 3);
    b.end(1000000);
    return b.bytes;
}

}  // namespace corio::trace_test
