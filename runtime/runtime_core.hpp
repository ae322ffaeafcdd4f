// The runtime's insides: its workers, the global queue, idle bookkeeping
// and the shutdown state. Only runtime/*.cpp (and white-box tests) see this.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "chase_lev_deque.hpp"
#include "corio/detail/scheduler.hpp"
#include "corio/detail/service.hpp"
#include "corio/detail/worker_io.hpp"
#include "corio/runtime.hpp"
#include "parking.hpp"
#include "task_registry.hpp"
#include "trace_recorder.hpp"

namespace corio::detail {

struct RuntimeCore;

// Tasks a worker may run this turn before awaits that are ready must yield.
inline constexpr int kTaskBudget = 128;
// A worker looks at the global queue first every this many tasks.
inline constexpr std::uint32_t kGlobalQueueInterval = 61;
// Tasks the LIFO slot may run in a row before others get a turn.
inline constexpr unsigned kLifoStreakLimit = 3;
// At most this often (in tasks) a streak's end runs the oldest task of the
// worker's deque instead of the newest, so that tasks which keep waking each
// other through the slot cannot starve older ones for ever.
inline constexpr std::uint32_t kOldestTurnInterval = 4 * kGlobalQueueInterval;
inline constexpr std::size_t kDequeCapacity = 1024;
// A worker with an I/O driver polls it at least every this many tasks, so
// completions are not held back behind a long run queue (Tokio: 61).
inline constexpr std::uint32_t kIoPollInterval = 32;

struct Worker {
    Worker(RuntimeCore& runtime, unsigned index);

    RuntimeCore& runtime;
    const unsigned index;
    ChaseLevDeque<TaskHeader*> deque{kDequeCapacity};
    TaskHeader* lifo = nullptr;
    unsigned lifo_streak = 0;
    std::uint32_t oldest_turn_tick = 0;  // when a streak's end last ran the deque's oldest task
    std::vector<TaskHeader*> yielded;  // owner only; back into the deque each round
    moodycamel::ProducerToken producer;
    moodycamel::ConsumerToken consumer;
    std::uint32_t tick = 0;
    std::uint64_t rng;
    bool searching = false;
    Parker parker;
    std::unique_ptr<WorkerIo> io;  // installed by io/ on the first I/O here
    std::uint32_t io_tick = 0;     // tasks since io was last polled
    TraceWriter* trace = nullptr;  // null unless the runtime traces
    TaskHeader* finished = nullptr;  // the last task that finished here (poll_end's flag)
    // The task being polled, for all_tasks(): its id and spawn site (the
    // task itself may die at any time; these copies may not).
    Atomic<std::uintptr_t> running_task{0};
    Atomic<std::uint64_t> running_site{0};
    std::uint64_t poll_mark = 0;  // slow-poll check: when the current poll began (coarse clock)

    // Monotonic, written by this worker only: live tasks = spawned - completed
    // summed over workers (see RuntimeCore::live_tasks).
    alignas(64) Atomic<std::uint64_t> spawned{0};
    Atomic<std::uint64_t> completed{0};
    // Metrics: written by this worker only (relaxed), read by metrics().
    Atomic<std::uint64_t> polls{0};
    Atomic<std::uint64_t> steals{0};
    Atomic<std::uint64_t> steal_operations{0};
    Atomic<std::uint64_t> parks{0};

    std::thread thread;

    void run();
    void run_task(TaskHeader* task);
    void report_slow_poll(std::uint64_t ns, const std::source_location& site);
    TaskHeader* next_local();
    TaskHeader* search();
    TaskHeader* steal_from(Worker& victim);
    TaskHeader* take_global();
    void push_local(TaskHeader* task);
    // A task spawned or woken by the one running here runs next (Tokio's
    // LIFO slot); only a task it displaces goes where thieves see it.
    void run_next(TaskHeader* task);
    void park();
    bool work_visible() const;
};

struct RuntimeCore {
    explicit RuntimeCore(const Options& options);

    Options options;
    std::vector<std::unique_ptr<Worker>> workers;
    moodycamel::ConcurrentQueue<TaskHeader*> global;
    Idle idle;

    Atomic<bool> closing{false};   // shutdown began: tasks get cancelled
    Atomic<bool> stopping{false};  // every task is gone: workers exit
    Atomic<std::uint64_t> foreign_spawned{0};
    Atomic<std::uint32_t> injecting{0};  // threads inside inject()
    // Threads inside cancel() that reached what a task waits on (an I/O op
    // may lead them into a ring or reactor): shutdown waits for them before
    // it stops those.
    Atomic<std::uint32_t> cancels_in_flight{0};

    std::mutex waited_mutex;
    WaitedNode waited_list;  // sentinel of a ring of futures tasks wait on

    TaskRegistry registry;
    std::unique_ptr<TraceRecorder> trace;  // null unless tracing
    std::uint64_t slow_poll_ns = 0;        // 0: no slow-poll check

    mutable std::mutex services_mutex;
    std::vector<std::pair<const void*, std::unique_ptr<Service>>> services;  // in start order
    bool services_stopped = false;  // under services_mutex: no service starts any more
    // Stopped services, kept until the core goes: a task that shutdown gave
    // up on may still reach one (a timer on a reactor), and a leaked core is
    // never destroyed. (Only stop_services touches it.)
    std::vector<std::pair<const void*, std::unique_ptr<Service>>> stopped_services;

    void inject(TaskHeader* task) noexcept;  // from any thread
    void inject_bulk(TaskHeader* const* tasks, std::size_t n) noexcept;  // inject() for many (inject_batch.cpp)
    void wake_one_if_needed() noexcept;
    std::uint64_t live_tasks() const noexcept;
    void cancel_waited() noexcept;
    void detach_waited() noexcept;
    void cancel_service_waits() noexcept;
    void start();
    // True when every task ended; false when it gave up on some
    // (Options.shutdown_timeout), which still reach this runtime.
    bool shutdown() noexcept;
    void stop_services() noexcept;
    RuntimeMetrics metrics() const;
};

// The worker running on this thread, if any.
Worker* current_worker() noexcept;
// `task` finished on this worker (for live_tasks and the trace).
void count_completion(TaskHeader* task) noexcept;

// A relaxed counter that only its owner thread writes: no locked add.
inline void bump(Atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
    counter.store(counter.load(memory_order_relaxed) + by, memory_order_relaxed);
}

}  // namespace corio::detail
