// RuntimeMetrics: a snapshot of a runtime's counters (Runtime::metrics()).
// Workers keep their counters to themselves with relaxed stores, so taking
// a snapshot costs them nothing; figures taken while tasks run are each
// exact at some instant but not all at the same one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace corio {

struct WorkerMetrics {
    std::uint64_t polls = 0;          // tasks run (each resumption counts)
    std::uint64_t spawned = 0;        // tasks spawned from this worker
    std::uint64_t completed = 0;      // tasks that finished on this worker
    std::uint64_t steals = 0;         // tasks taken from other workers
    std::uint64_t steal_operations = 0;  // successful steal attempts
    std::uint64_t parks = 0;          // times the worker went to sleep
    std::size_t local_queue_depth = 0;  // tasks in its deque now
};

struct RuntimeMetrics {
    std::vector<WorkerMetrics> workers;
    std::size_t global_queue_depth = 0;  // tasks injected from outside, not yet taken
    std::uint64_t live_tasks = 0;        // spawned and not finished
    std::uint64_t blocking_threads = 0;  // to_thread's pool, now
    std::uint64_t blocking_queue_depth = 0;  // to_thread calls waiting for a thread
    std::uint64_t io_in_flight = 0;      // I/O operations submitted, not completed
    std::uint64_t timers_pending = 0;    // sleeps and timeouts not yet fired
    std::uint64_t trace_events = 0;      // written to the trace file so far
    std::uint64_t trace_dropped = 0;     // lost because the trace buffers were full

    std::uint64_t total_polls() const noexcept {
        std::uint64_t n = 0;
        for (const auto& w : workers) n += w.polls;
        return n;
    }
};

}  // namespace corio
