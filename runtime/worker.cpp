// A worker's loop and the scheduling calls the coroutine types make.
#include <time.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <new>
#include <string>
#include <utility>

#include "corio/detail/trace.hpp"
#include "runtime_core.hpp"

namespace corio::detail {
namespace {

thread_local Worker* this_worker = nullptr;

// The slow-poll check's clock: a few ns through the vDSO, a few ms coarse,
// which is plenty for a threshold of tens of milliseconds.
inline std::uint64_t coarse_now_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return std::uint64_t(ts.tv_sec) * 1'000'000'000u + std::uint64_t(ts.tv_nsec);
}

inline std::uint64_t next_random(std::uint64_t& state) noexcept {  // xorshift64
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

// Spawns and wakes from threads that have no writer of their own.
void trace_foreign_spawn(RuntimeCore& rt, TaskHeader* task, std::uint64_t site_key) noexcept {
    auto id = reinterpret_cast<std::uintptr_t>(task);
    if (TraceWriter* writer = thread_trace_writer())
        writer->record_spawn(id, site_key);
    else
        rt.trace->record_external(trace::EventKind::spawn, id, site_key);
}

void trace_wake(RuntimeCore& rt, Worker* w, TaskHeader* task) noexcept {
    auto id = reinterpret_cast<std::uintptr_t>(task);
    if (TraceWriter* writer = w && &w->runtime == &rt ? w->trace : thread_trace_writer())
        writer->record(trace::EventKind::wake, id, 0);
    else
        rt.trace->record_external(trace::EventKind::wake, id, 0);
}

}  // namespace

Worker* current_worker() noexcept { return this_worker; }

Worker::Worker(RuntimeCore& rt, unsigned i)
    : runtime(rt), index(i), producer(rt.global), consumer(rt.global), rng(0x9e3779b97f4a7c15ull * (i + 1)) {
    yielded.reserve(64);
}

void Worker::run() {
    this_worker = this;
    exchange_thread_trace_writer(trace);
    poll_mark = coarse_now_ns();
    while (true) {
        TaskHeader* task = next_local();
        if (task && searching) [[unlikely]] {
            // Woken as a searcher, found work at home (e.g. the global
            // queue): stop searching, or wakers would think someone still
            // looks for work and never wake another worker.
            searching = false;
            if (runtime.idle.end_search()) runtime.wake_one_if_needed();
        }
        if (io && (!task || ++io_tick >= kIoPollInterval)) [[unlikely]] {
            // It is time to hand the kernel the ops the tasks queued, or the
            // queue ran dry (park() will hand them over): run what the
            // kernel has answered.
            io_tick = 0;
            io->poll(task != nullptr);
            if (!task) task = next_local();
        }
        if (!task) task = search();
        if (task) {
            // Start loading the next task's frame now: a task polled for the
            // first time (or woken after a long sleep) is a cache miss, and
            // this poll hides it.
            if (TaskHeader* next = deque.peek()) {
                __builtin_prefetch(next, 1);
                __builtin_prefetch(reinterpret_cast<char*>(next) + 64, 1);
            }
            run_task(task);
            continue;
        }
        if (runtime.stopping.load(memory_order_acquire)) break;
        park();
    }
    // Closed on this thread (the ring is bound to it), but freed only with
    // the worker: a plain thread cancelling a task that a shutdown gave up
    // on may still be posting to it.
    if (io) io->close();
    if (trace) trace->flush();
    exchange_thread_trace_writer(nullptr);
    this_worker = nullptr;
}

void Worker::run_task(TaskHeader* task) {
    if (runtime.closing.load(memory_order_relaxed)) [[unlikely]] {
        // Shutdown: cancel each task once, the way asyncio.run does.
        if (!(task->state() & CompletionState::kShutdownSeen)) {
            task->mark_shutdown_seen();
            task->request_cancel();
        }
    }
    bump(polls);
    // The task may be freed by the time its poll ends: keep what the
    // reports need.
    const auto id = reinterpret_cast<std::uintptr_t>(task);
    if (trace) [[unlikely]]
        trace->record(trace::EventKind::poll_begin, id, 0);
    // release: all_tasks() reads the site of the id it sees.
    running_site.store(std::bit_cast<std::uint64_t>(task->spawn_site), memory_order_relaxed);
    running_task.store(id, memory_order_release);

    ResumeContext& ctx = resume_context();
    ctx.stack_base = static_cast<char*>(__builtin_frame_address(0));
    ctx.budget = kTaskBudget;
    std::coroutine_handle<> next = task->resume_point;
    while (next) {
        ctx.next = nullptr;
        next.resume();
        next = ctx.next;
        if (ctx.destroy_after) std::exchange(ctx.destroy_after, nullptr)->destroy_now();
    }

    running_task.store(0, memory_order_relaxed);
    if (trace) [[unlikely]]
        trace->record(trace::EventKind::poll_end, id, 0, finished == task ? 1 : 0);
    // One clock read per poll: it ends this poll and starts the next one's
    // count (the time between polls is the worker's own, microseconds at
    // most; a park restarts the count).
    if (const std::uint64_t slow_ns = runtime.slow_poll_ns) {
        std::uint64_t now = coarse_now_ns();
        if (now - poll_mark > slow_ns) [[unlikely]]
            report_slow_poll(now - poll_mark, std::bit_cast<std::source_location>(running_site.load(memory_order_relaxed)));
        poll_mark = now;
    }
}

void Worker::report_slow_poll(std::uint64_t ns, const std::source_location& site) {
    SlowPoll report{std::chrono::nanoseconds(ns), site, index};
    if (runtime.options.on_slow_poll) {
        try {
            runtime.options.on_slow_poll(report);
        } catch (...) {
            std::fprintf(stderr, "corio: Options.on_slow_poll threw; the report is dropped\n");
        }
        return;
    }
    std::fprintf(stderr,
                 "corio: a task ran %.1f ms on worker %u without suspending (spawned at %s:%u in %s); "
                 "a blocking call inside a coroutine? Move it to corio::to_thread\n",
                 double(ns) / 1e6, index, site.file_name(), static_cast<unsigned>(site.line()), site.function_name());
}

TaskHeader* Worker::next_local() {
    ++tick;
    if (tick % kGlobalQueueInterval == 0) {
        // Fairness: the global queue and yielded tasks get a turn even while
        // local work never runs out.
        for (TaskHeader* t : yielded) push_local(t);
        yielded.clear();
        if (TaskHeader* t = take_global()) return t;
    }
    if (lifo) {
        TaskHeader* t = std::exchange(lifo, nullptr);
        if (lifo_streak < kLifoStreakLimit) {
            ++lifo_streak;
            return t;
        }
        // Enough in a row: the slot's task goes to the deque, and now and
        // then the oldest task there runs first. The owner's end of the
        // deque is its newest, so without that a pair of tasks that keep
        // waking each other would starve everything queued before them on
        // a lone worker (asyncio's ready queue is FIFO). Not at every
        // streak's end: switching pairs every few polls made W3 at 2
        // workers 2.3x slower, every 61 tasks still 3-7%.
        push_local(t);
        lifo_streak = 0;
        if (tick - oldest_turn_tick >= kOldestTurnInterval) {
            oldest_turn_tick = tick;
            bool lost = false;
            if (TaskHeader* oldest = deque.steal(lost)) return oldest;
        }
    }
    lifo_streak = 0;
    if (TaskHeader* t = deque.pop()) return t;
    if (!yielded.empty()) {
        // Oldest yielder at the bottom-most end pops first: FIFO among them.
        for (auto it = yielded.rbegin(); it != yielded.rend(); ++it) push_local(*it);
        yielded.clear();
        if (TaskHeader* t = deque.pop()) return t;
    }
    return take_global();
}

TaskHeader* Worker::take_global() {
    // Take a batch so one dequeue feeds several turns.
    TaskHeader* batch[16];
    std::size_t n = runtime.global.try_dequeue_bulk(consumer, batch, 16);
    if (n == 0) return nullptr;
    for (std::size_t i = 1; i < n; ++i) push_local(batch[i]);
    return batch[0];
}

TaskHeader* Worker::steal_from(Worker& victim) {
    // Steal half the victim's queue: one to run, the rest into our deque.
    std::size_t want = (victim.deque.size() + 1) / 2;
    std::size_t taken = 0;
    TaskHeader* first = nullptr;
    for (std::size_t i = 0; i < want; ++i) {
        bool lost = false;
        TaskHeader* t = victim.deque.steal(lost);
        if (!t) {
            if (lost) continue;
            break;
        }
        if (!first)
            first = t;
        else
            push_local(t);
        ++taken;
    }
    if (taken) {
        bump(steals, taken);
        bump(steal_operations);
        if (trace) [[unlikely]]
            trace->record(trace::EventKind::steal, 0, victim.index, static_cast<std::uint16_t>(std::min<std::size_t>(taken, 0xffff)));
    }
    return first;
}

TaskHeader* Worker::search() {
    if (!searching) {
        if (!runtime.idle.try_begin_search()) return nullptr;
        searching = true;
    }
    const std::size_t n = runtime.workers.size();
    TaskHeader* found = nullptr;
    for (int round = 0; round < 4 && !found; ++round) {
        std::size_t start = next_random(rng) % n;
        for (std::size_t i = 0; i < n && !found; ++i) {
            Worker& victim = *runtime.workers[(start + i) % n];
            if (&victim != this) found = steal_from(victim);
        }
        if (!found) found = take_global();
        if (!found) cpu_relax();
    }
    bool last = runtime.idle.end_search();
    searching = false;
    // The last searcher to find work wakes another: there may be more.
    if (found && last) runtime.wake_one_if_needed();
    return found;
}

bool Worker::work_visible() const {
    if (runtime.global.size_approx() > 0) return true;
    for (auto& w : runtime.workers)
        if (w->deque.size() > 0) return true;
    return false;
}

void Worker::park() {
    parker.prepare();
    runtime.idle.register_sleeper(index);
    // Re-check after registering: a pusher that missed us saw no sleeper.
    // The fence keeps the re-check's loads after the registration on every
    // architecture (the registration's RMW orders them only on x86); it is
    // nothing beside the sleep that follows.
    fence_seq_cst();
    if (work_visible() || runtime.stopping.load(memory_order_acquire)) {
        if (runtime.idle.withdraw_sleeper(index)) return;
        // A waker took us off the list: its wake is coming, consume it.
    }
    bump(parks);
    if (trace) [[unlikely]]
        trace->record(trace::EventKind::park, 0, 0);
    // A waker counts the worker it wakes as searching; one woken by its own
    // I/O completions takes itself off the sleepers and is merely awake.
    searching = true;
    if (io) {
        // Sleep in the ring, so this worker's completions and timers wake
        // it too; the run loop's poll then completes them.
        while (parker.asleep()) {
            io->park(parker.word());
            if (parker.asleep() && runtime.idle.withdraw_sleeper(index)) {
                searching = false;
                break;
            }
            // else: a waker took us off the list; its wake is on the way.
        }
    } else {
        parker.park();
    }
    if (runtime.slow_poll_ns) poll_mark = coarse_now_ns();
    if (trace) [[unlikely]]
        trace->record(trace::EventKind::unpark, 0, 0);
}

void Worker::run_next(TaskHeader* task) {
    // No other worker can take a task from the slot, so only one displaced
    // to the deque is worth waking another worker for.
    TaskHeader* displaced = std::exchange(lifo, task);
    if (!displaced) return;
    const bool was_empty = deque.size() == 0;
    push_local(displaced);
    if (!was_empty || runtime.workers.size() == 1) return;
    // The push that gives the deque work looks for a sleeper; later ones
    // need not: a worker that parks while this work waits sees it when it
    // re-checks the deques. (Unless a thief has just taken what was there
    // and this push is still in the store buffer: then the new task waits
    // for the thief's or this worker's current task, not for ever.) That
    // look needs a seq_cst fence, as inject()'s (Dekker with the parking
    // worker, which registers, then re-checks the deques): without it both
    // can miss the other, and the task waits for this worker while another
    // sleeps. A fence on every push would close the thief's window too, at
    // 5-10% of W5 and W6 at 2 workers.
    fence_seq_cst();
    runtime.wake_one_if_needed();
}

void Worker::push_local(TaskHeader* task) {
    if (!deque.push(task)) [[unlikely]] {
        // Full: move the older half to the global queue, where every worker
        // can see it. (One by one: rare, and GCC 12 misreads enqueue_bulk.)
        bool lost = false;
        for (std::size_t n = 0; n < kDequeCapacity / 2; ++n) {
            TaskHeader* t = deque.steal(lost);
            if (!t) break;
            runtime.global.enqueue(producer, t);
        }
        deque.push(task);
    }
}

// --- the calls from the coroutine types ------------------------------------

void start_task(TaskHeader* task, RuntimeCore* rt, const std::source_location& where, std::string* name) {
    Worker* w = this_worker;
    if (!rt) {
        if (!w)
            throw InvalidStateError(
                "corio::spawn() called on a thread that runs no corio runtime: use corio::run(), "
                "Runtime::block_on(), or Runtime::spawn() from other threads");
        rt = &w->runtime;
    }
    if (rt->stopping.load(memory_order_acquire))
        throw InvalidStateError("spawn on a corio runtime that has shut down");
    task->runtime = rt;
    task->spawn_site = where;
    std::uint64_t site_key = std::bit_cast<std::uint64_t>(where);
    if (name) [[unlikely]] {
        if (rt->trace) site_key = rt->trace->named_site(site_key, *name);
        // No other thread has the task yet: no lock for its name.
        task->live_name = new (std::nothrow) std::string(std::move(*name));  // OOM: stays unnamed
        rt->registry.link(task);
    }
    // Tasks born during shutdown are the unwinding's own helpers: not cancelled.
    if (rt->closing.load(memory_order_relaxed)) task->mark_shutdown_seen();
    if (w && &w->runtime == rt) {
        w->spawned.store(w->spawned.load(memory_order_relaxed) + 1, memory_order_release);
        if (w->trace) [[unlikely]]
            w->trace->record_spawn(reinterpret_cast<std::uintptr_t>(task), site_key);
        // A chain of spawns (each task spawns the next and ends) stays on
        // one worker instead of waking the other for every link.
        w->run_next(task);
    } else {
        rt->foreign_spawned.fetch_add(1, memory_order_release);
        if (rt->trace) [[unlikely]]
            trace_foreign_spawn(*rt, task, site_key);
        rt->inject(task);
    }
}

void schedule(TaskHeader* task, std::coroutine_handle<> at) noexcept {
    task->resume_point = at;
    Worker* w = this_worker;
    if (task->runtime->trace) [[unlikely]]
        trace_wake(*task->runtime, w, task);
    if (w && &w->runtime == task->runtime) {
        w->run_next(task);  // woken by the running task: next, hot in cache
    } else if (!InjectBatch::take(task)) {
        task->runtime->inject(task);
    }
}

void yield_task(TaskHeader* task, std::coroutine_handle<> at) noexcept {
    task->resume_point = at;
    Worker* w = this_worker;
    if (w && &w->runtime == task->runtime)
        w->yielded.push_back(task);
    else
        task->runtime->inject(task);
}

bool take_for_inline(TaskHeader* child) noexcept {
    Worker* w = this_worker;
    if (!w || child->suspended_once.load(memory_order_relaxed)) return false;
    if (w->lifo == child)
        w->lifo = nullptr;
    else if (!w->deque.pop_if(child))
        return false;
    if (w->trace) [[unlikely]]
        w->trace->retract_spawn(reinterpret_cast<std::uintptr_t>(child));
    return true;
}

void count_completion(TaskHeader* task) noexcept {
    Worker* w = this_worker;
    w->finished = task;
    // release: whoever reads this count sees the spawns this task made.
    w->completed.store(w->completed.load(memory_order_relaxed) + 1, memory_order_release);
}

bool install_worker_io(RuntimeCore* runtime, std::unique_ptr<WorkerIo> io) noexcept {
    Worker* w = this_worker;
    if (!w || &w->runtime != runtime || w->io) return false;
    w->io = std::move(io);
    return true;
}

// --- RuntimeCore pieces that the hot paths use ------------------------------

void RuntimeCore::inject(TaskHeader* task) noexcept {
    // Once the task is queued it may run, finish main, and let the runtime
    // shut down while this thread is still here: shutdown waits for
    // in-flight injects before it frees anything.
    injecting.fetch_add(1, memory_order_acq_rel);
    global.enqueue(task);
    // seq_cst fence: the push must be visible before we look for sleepers,
    // and a sleeper re-checks the queue after registering (Dekker).
    fence_seq_cst();
    wake_one_if_needed();
    injecting.fetch_sub(1, memory_order_release);
}

void RuntimeCore::wake_one_if_needed() noexcept {
    if (auto worker = idle.worker_to_wake()) workers[*worker]->parker.unpark();
}

}  // namespace corio::detail
