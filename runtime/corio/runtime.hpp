// Runtime: the workers (one per core by default, each with a stealing
// deque) that run corio tasks. block_on(main) runs a coroutine to its end
// and returns its value or rethrows its exception; it may be called again
// and again, and spawned tasks keep running in between (as Tokio's).
// Destroying the Runtime cancels the tasks still running, lets them unwind,
// and joins every thread. corio::run(main) is asyncio.run: one Runtime, one
// block_on, then that shutdown.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <source_location>
#include <string>
#include <utility>

#include "corio/all_tasks.hpp"
#include "corio/metrics.hpp"
#include "corio/task.hpp"

namespace corio {

// A poll that ran longer than Options.slow_poll_warning: some call inside
// the task blocked its worker (see Options.on_slow_poll).
struct SlowPoll {
    std::chrono::nanoseconds duration;
    std::source_location spawn_site;  // of the task that was polled
    unsigned worker;
};

struct Options {
    unsigned workers = 0;  // 0: one per core (std::thread::hardware_concurrency)
    unsigned io_threads = 1;  // io_uring reactor threads, started on the first I/O or timer
    // A task's socket and file I/O and its timers go through an io_uring
    // of the worker that runs it (no hand-off to a reactor thread; needs
    // Linux 6.7, else the reactors serve them). False: the reactors serve all.
    bool worker_rings = true;
    unsigned max_blocking_threads = 512;  // to_thread's elastic pool
    // How long shutdown waits for cancelled tasks to unwind before it gives
    // up on them with a warning. They are then leaked, not destroyed, and so
    // is the runtime's memory they still reach (its threads are ended), so a
    // later wake, cancel() or set_name() of one is safe; it never runs again.
    std::chrono::milliseconds shutdown_timeout{10'000};

    // Trace recording (tools/corio-trace reads the file). Empty: the
    // CORIO_TRACE environment variable names the file, if set. A second
    // runtime in the same process writes PATH.1, then PATH.2, ...
    std::string trace_path{};
    // Memory the trace buffers may use before events are dropped (counted).
    std::size_t trace_buffer_bytes = 64u << 20;

    // A poll longer than this reports the task's spawn site once (a
    // blocking call inside a coroutine); zero turns the check off.
    std::chrono::milliseconds slow_poll_warning{100};
    // The report; empty: one line on stderr. Runs on the worker.
    std::function<void(const SlowPoll&)> on_slow_poll{};
};

namespace detail {
// Blocks a thread that is no worker until `state` is done.
void block_until_done(CompletionState* state);
}  // namespace detail

class Runtime {
public:
    explicit Runtime(Options options = {});
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    // Runs `main` as a task and blocks the calling thread until it is done.
    // Throws InvalidStateError when called from one of this runtime's workers.
    template <class T>
    T block_on(Coro<T> main, std::source_location where = std::source_location::current()) {
        check_not_on_worker();
        Task<T> task = detail::start(std::move(main), core_, where);
        detail::block_until_done(detail::TaskAccess::header(task));
        return task.result();
    }

    // Spawns from any thread (a worker, main, a plain std::thread).
    template <class A>
    auto spawn(A&& awaitable, std::source_location where = std::source_location::current()) {
        return detail::spawn_on(core_, std::forward<A>(awaitable), where);
    }

    unsigned workers() const noexcept;

    // A snapshot of the runtime's counters, from any thread, while it runs.
    RuntimeMetrics metrics() const;

    // asyncio.all_tasks() from any thread: the task dump of this runtime.
    TaskDump all_tasks() const;

    // The file this runtime traces to (empty when it does not trace).
    std::string trace_path() const;

private:
    void check_not_on_worker() const;

    detail::RuntimeCore* core_;
};

// asyncio.run(main()): starts a runtime, runs main to completion, returns
// its value or rethrows its exception, then cancels what is left and shuts
// down cleanly.
template <class T>
T run(Coro<T> main, Options options = {}, std::source_location where = std::source_location::current()) {
    Runtime runtime(options);
    return runtime.block_on(std::move(main), where);
}

}  // namespace corio
