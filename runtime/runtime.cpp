// Runtime start-up, block_on's blocking wait, and shutdown.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "futex.hpp"
#include "runtime_core.hpp"

namespace corio::detail {
namespace {

unsigned worker_count(const Options& options) {
    if (options.workers) return options.workers;
    unsigned n = std::thread::hardware_concurrency();
    return n ? n : 1;
}

// The trace file of a new runtime: Options.trace_path, else CORIO_TRACE;
// the n-th runtime of a process tracing to the same path gets PATH.n, so
// one program's runtimes never overwrite each other's traces.
std::string trace_file_for(const Options& options) {
    std::string path = options.trace_path;
    if (path.empty())
        if (const char* env = std::getenv("CORIO_TRACE")) path = env;
    if (path.empty()) return path;
    static std::mutex mutex;
    static std::map<std::string, unsigned> uses;
    std::lock_guard lock(mutex);
    unsigned n = uses[path]++;
    return n == 0 ? path : path + "." + std::to_string(n);
}

}  // namespace

RuntimeCore::RuntimeCore(const Options& opts)
    : options(opts), global(256, worker_count(opts) + 1, 64), idle(worker_count(opts)) {
    if (opts.workers > 4096) throw InvalidStateError("corio::Options.workers must be at most 4096");
    waited_list.next = waited_list.prev = &waited_list;
    unsigned n = worker_count(opts);
    workers.reserve(n);
    for (unsigned i = 0; i < n; ++i) workers.push_back(std::make_unique<Worker>(*this, i));
    slow_poll_ns = opts.slow_poll_warning.count() > 0
                       ? static_cast<std::uint64_t>(std::chrono::nanoseconds(opts.slow_poll_warning).count())
                       : 0;
    if (std::string path = trace_file_for(opts); !path.empty()) {
        trace = std::make_unique<TraceRecorder>(path, n, opts.trace_buffer_bytes);
        // Tracks 0..n-1 are the workers, as the format promises.
        for (auto& w : workers) w->trace = trace->add_track(trace::TrackKind::worker, w->index, "worker " + std::to_string(w->index));
    }
}

void RuntimeCore::start() {
    for (auto& w : workers) w->thread = std::thread([worker = w.get()] { worker->run(); });
}

std::uint64_t RuntimeCore::live_tasks() const noexcept {
    // Completions first, then spawns: a task counted complete had its spawn
    // (and its children's spawns) happen before, so they are counted too,
    // and the difference can never show zero while a task lives.
    std::uint64_t completed = 0, spawned = 0;
    for (auto& w : workers) completed += w->completed.load(memory_order_acquire);
    for (auto& w : workers) spawned += w->spawned.load(memory_order_acquire);
    spawned += foreign_spawned.load(memory_order_acquire);
    return spawned - completed;
}

bool RuntimeCore::shutdown() noexcept {
    // asyncio.run's epilogue: cancel what is left, let it unwind, then stop.
    closing.store(true, memory_order_seq_cst);
    cancel_waited();
    cancel_service_waits();

    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + options.shutdown_timeout;
    auto next_cancel = clock::now() + std::chrono::milliseconds(50);
    auto pause = std::chrono::microseconds(20);
    std::uint64_t live;
    while ((live = live_tasks()) != 0) {
        auto now = clock::now();
        if (now >= deadline) {
            std::fprintf(stderr,
                         "corio: shutdown gave up after %lld ms with %llu task(s) still running or waiting; "
                         "they are leaked, not destroyed, and so is the runtime's memory they reach\n",
                         static_cast<long long>(options.shutdown_timeout.count()),
                         static_cast<unsigned long long>(live));
            break;
        }
        // Tasks that caught the cancellation and wait on a new future.
        if (now >= next_cancel) {
            cancel_waited();
            cancel_service_waits();
            next_cancel = now + std::chrono::milliseconds(50);
        }
        std::this_thread::sleep_for(pause);
        if (pause < std::chrono::milliseconds(1)) pause *= 2;
    }

    // A thread may still be inside cancel() with an op of a task that has
    // since finished (counted while the task waited, so visible here): the
    // rings and reactors that op may reach stay until it is out.
    while (cancels_in_flight.load(memory_order_acquire) != 0) std::this_thread::yield();
    stop_services();
    stopping.store(true, memory_order_seq_cst);
    for (unsigned i : idle.take_all_sleepers()) workers[i]->parker.unpark();
    for (auto& w : workers)
        if (w->thread.joinable()) w->thread.join();
    // A foreign thread may still be inside inject() for a task that has
    // since finished (its increment happened before the task could run,
    // so it is visible here): the runtime must outlive that call.
    while (injecting.load(memory_order_acquire) != 0) std::this_thread::yield();
    detach_waited();
    // Every thread that records has ended (services joined theirs).
    if (trace) trace->close();
    return live == 0;
}

RuntimeMetrics RuntimeCore::metrics() const {
    RuntimeMetrics m;
    // First: the per-worker counts read below are then no older than the
    // ones it summed (read-read coherence), so a reading of no live task
    // comes with every completion counted, even one that lands meanwhile.
    m.live_tasks = live_tasks();
    m.workers.reserve(workers.size());
    for (auto& w : workers) {
        WorkerMetrics wm;
        wm.polls = w->polls.load(memory_order_relaxed);
        wm.spawned = w->spawned.load(memory_order_relaxed);
        wm.completed = w->completed.load(memory_order_relaxed);
        wm.steals = w->steals.load(memory_order_relaxed);
        wm.steal_operations = w->steal_operations.load(memory_order_relaxed);
        wm.parks = w->parks.load(memory_order_relaxed);
        wm.local_queue_depth = w->deque.size();
        m.workers.push_back(wm);
    }
    m.global_queue_depth = global.size_approx();
    if (trace) {
        m.trace_events = trace->events_written();
        m.trace_dropped = trace->events_dropped();
    }
    std::lock_guard lock(services_mutex);
    for (auto& entry : services) entry.second->add_metrics(m);
    return m;
}

void RuntimeCore::cancel_service_waits() noexcept {
    std::lock_guard lock(services_mutex);
    for (auto& entry : services) entry.second->cancel_waits();
}

void RuntimeCore::stop_services() noexcept {
    {
        std::lock_guard lock(services_mutex);
        // Not freed here: a leaked task's op may still point into one (a
        // cancel posts to its reactor); they go with the core, which a
        // runtime that gave up on tasks never frees.
        stopped_services.swap(services);
        // A task woken by a service's stop may run again before the workers
        // stop (one shutdown gave up on): it must not start a new service.
        services_stopped = true;
    }
    // Last started, first stopped: a later service may use an earlier one.
    for (auto it = stopped_services.rbegin(); it != stopped_services.rend(); ++it) it->second->shutdown();
}

Service* find_or_start_service(RuntimeCore* rt, const void* key, ServiceFactory make) {
    std::lock_guard lock(rt->services_mutex);
    for (auto& [k, service] : rt->services)
        if (k == key) return service.get();
    if (rt->services_stopped || rt->stopping.load(memory_order_acquire))
        throw InvalidStateError("a corio runtime service was requested after the runtime shut down");
    std::unique_ptr<Service> made(make(rt));
    Service* service = made.get();
    rt->services.emplace_back(key, std::move(made));
    return service;
}

RuntimeCore* current_runtime() noexcept {
    Worker* w = current_worker();
    return w ? &w->runtime : nullptr;
}

const Options& runtime_options(RuntimeCore* rt) noexcept { return rt->options; }

namespace {

// block_on's wait: a callback node on the task that flips a futex word.
struct BlockingWaiter : Waiter {
    Atomic<std::uint32_t> done{0};
    static void fire(Waiter* self, bool) noexcept {
        auto* me = static_cast<BlockingWaiter*>(self);
        Atomic<std::uint32_t>* word = &me->done;
        // release: the waiting thread sees the task's result. After this
        // store the node may be gone; the futex wake only uses the address.
        word->store(1, memory_order_release);
        futex_wake_all(word);
    }
};

}  // namespace

void block_until_done(CompletionState* state) {
    BlockingWaiter waiter;
    waiter.callback = &BlockingWaiter::fire;
    if (!state->add_waiter(&waiter)) return;
    while (waiter.done.load(memory_order_acquire) == 0) futex_wait(&waiter.done, 0);
}

}  // namespace corio::detail

namespace corio {

Runtime::Runtime(Options options) : core_(new detail::RuntimeCore(options)) { core_->start(); }

Runtime::~Runtime() {
    if (core_->shutdown()) {
        delete core_;
        return;
    }
    // Tasks it gave up on still point here: a wake, cancel() or set_name()
    // that comes for one later would reach freed memory. Keep the core (its
    // threads are joined, so it only costs memory) where leak checkers see
    // it as reachable: the leak is deliberate, and was reported on stderr.
    // (Never destroyed: static destructors run before the leak check.)
    static std::mutex mutex;
    static auto* abandoned = new std::vector<detail::RuntimeCore*>;
    std::lock_guard lock(mutex);
    abandoned->push_back(core_);
}

unsigned Runtime::workers() const noexcept { return static_cast<unsigned>(core_->workers.size()); }

RuntimeMetrics Runtime::metrics() const { return core_->metrics(); }

TaskDump Runtime::all_tasks() const { return detail::dump_tasks(core_); }

std::string Runtime::trace_path() const { return core_->trace ? core_->trace->path() : std::string(); }

void Runtime::check_not_on_worker() const {
    if (detail::current_worker())
        throw InvalidStateError(
            "Runtime::block_on called from a corio worker thread: it would block the worker; "
            "co_await the coroutine instead");
}

}  // namespace corio
