// The calls the header-only coroutine types make into the compiled
// scheduler (runtime/worker.cpp), and the symmetric-transfer guard.
#pragma once

#include <coroutine>
#include <cstddef>
#include <source_location>

#include "corio/detail/task_header.hpp"

namespace corio::detail {

// --- symmetric transfer that cannot overflow the stack ---------------------
// GCC guarantees the tail call of symmetric transfer only at -O2 and above,
// and not under the sanitizers: a long run of awaits that complete at once
// would then nest one native frame per hop. So each transfer checks how deep
// the worker's stack is; past kTransferDepthLimit it hands the next coroutine
// to the worker's resume loop (a trampoline) instead. Optimised builds never
// get near the limit and keep the plain tail call.
struct ResumeContext {
    char* stack_base = nullptr;        // set by the worker's resume loop
    std::coroutine_handle<> next;       // trampolined coroutine, run next
    CompletionState* destroy_after = nullptr;  // a finished task to free once its frame is left
    int budget = 0;                     // take_budget's units, refilled before each poll
};
// Trivially destructible, so the thread_local needs no guard; GCC lowers
// coroutines before optimising, so its address is never cached across a
// suspension (which may move the coroutine to another thread).
inline constinit thread_local ResumeContext resume_context_slot{};
inline ResumeContext& resume_context() noexcept { return resume_context_slot; }

inline constexpr std::ptrdiff_t kTransferDepthLimit = 64 * 1024;

inline std::coroutine_handle<> transfer(std::coroutine_handle<> to) noexcept {
    ResumeContext& ctx = resume_context();
    char* here = static_cast<char*>(__builtin_frame_address(0));
    if (ctx.stack_base == nullptr || ctx.stack_base - here < kTransferDepthLimit) return to;
    ctx.next = to;
    return std::noop_coroutine();
}

// --- scheduling --------------------------------------------------------------
// Makes a new task runnable on `runtime` (nullptr: the current worker's
// runtime; throws InvalidStateError when there is none). A `name`, if
// given, is moved into the task's registry entry before it can run.
void start_task(TaskHeader* task, RuntimeCore* runtime, const std::source_location& where,
                std::string* name = nullptr);

// Makes a suspended task runnable again, resuming at `at`.
void schedule(TaskHeader* task, std::coroutine_handle<> at) noexcept;

// Wakes batched on a thread that is no worker (runtime/inject_batch.cpp):
// while an InjectBatch lives on the stack, schedule() from this thread queues
// the tasks it would inject one by one (a global-queue push, a seq_cst
// fence and an idle check each) and hands them to their runtime together,
// one push, fence and wake-up per batch, when the batch fills or ends. For
// a completer that wakes many tasks in one pass (a reactor firing a burst
// of timers); it must not block while it holds the batch.
class InjectBatch {
public:
    InjectBatch() noexcept : outer_(active_) { active_ = this; }
    ~InjectBatch() {
        flush();
        active_ = outer_;
    }
    InjectBatch(const InjectBatch&) = delete;
    InjectBatch& operator=(const InjectBatch&) = delete;

    // schedule()'s hook: true when a batch on this thread took the task.
    static bool take(TaskHeader* task) noexcept {
        InjectBatch* b = active_;
        return b && b->add(task);
    }
    void flush() noexcept;

private:
    static constexpr std::size_t kCapacity = 256;
    bool add(TaskHeader* task) noexcept;

    static inline constinit thread_local InjectBatch* active_ = nullptr;
    InjectBatch* outer_;
    RuntimeCore* runtime_ = nullptr;  // all the queued tasks are its
    std::size_t size_ = 0;
    TaskHeader* tasks_[kCapacity];
};

// Puts the task behind the other runnable tasks (yield_now, spent budget).
void yield_task(TaskHeader* task, std::coroutine_handle<> at) noexcept;

// Join fast path: when `child` has not started and sits in the current
// worker's LIFO slot or at the bottom of its deque, takes it so the caller
// can run it inline.
bool take_for_inline(TaskHeader* child) noexcept;

// Cooperative budget: true while the running task may go on without
// yielding; each call spends one unit. The worker refills it before every
// poll (Worker::run_task). Inline, on the thread's resume context, because
// every await of a ready Task, Future or primitive asks. A thread that is no
// worker has no budget to spend (stack_base is set from a worker's first
// poll on; coroutines run only inside polls).
inline bool take_budget() noexcept {
    ResumeContext& ctx = resume_context();
    if (ctx.budget > 0) [[likely]] {
        --ctx.budget;
        return true;
    }
    return ctx.stack_base == nullptr;
}

// The end of a task: publishes its outcome, wakes its waiters, drops the
// task's own reference, and returns the coroutine to run next.
std::coroutine_handle<> finish_task(TaskHeader* task) noexcept;

// Futures that tasks wait on are known to the runtime, so that shutdown can
// cancel the ones nobody will complete. The node lives in the future.
struct WaitedNode {
    WaitedNode* prev = nullptr;
    WaitedNode* next = nullptr;
    Atomic<RuntimeCore*> runtime{nullptr};
    CompletionState* state = nullptr;
};
void track_waited(RuntimeCore* runtime, WaitedNode* node) noexcept;
void untrack_waited(WaitedNode* node) noexcept;
// A future about to complete leaves the list for good (no later
// track_waited adds it back). Called before the result is published, so
// the completing thread is done with the runtime before any waiter goes on
// and lets the runtime shut down.
void seal_waited(WaitedNode* node) noexcept;

}  // namespace corio::detail
