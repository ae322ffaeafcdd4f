// WorkerRing: a worker thread's own io_uring, for the socket and file ops
// its tasks make. An op's SQE is prepared the moment its task awaits it; the
// worker hands the kernel the batch when its run queue runs dry (or every
// kIoPollInterval tasks), and sleeps in io_uring_enter when it has nothing
// to run, with a FUTEX_WAIT on its parker's word armed in the ring, so a
// waker's futex wake and a completion both end the sleep. Completions are
// published on the worker: the woken tasks land in its own queue.
//
// Departure from DESIGN.md §4 (reactor threads own the rings): handing each
// op to a reactor thread and each completion back costs two thread
// hand-offs per op, and on a core shared with a client (W7) each hand-off
// is a context switch; that was most of the server's CPU per request.
// Timers go the same way: a worker keeps the timers its tasks arm in a
// TimerQueue, fires them when it polls the ring, and sleeps in the ring no
// longer than the next deadline, so a timer wakes its task on that worker's
// own queue. Ops and timers made on threads that are no workers stay on the
// reactor threads, as does everything when Options.worker_rings is off or
// the kernel lacks DEFER_TASKRUN or IORING_OP_FUTEX_WAIT (Linux 6.7).
//
// Other threads reach a ring only through its inbox (cancels) and an
// eventfd whose read is kept armed in it.
#pragma once

#include <liburing.h>

#include <cstdint>

#include "corio/detail/worker_io.hpp"
#include "corio/io/detail/io_op.hpp"
#include "mpsc_queue.hpp"
#include "timer_queue.hpp"
#include "uring_requests.hpp"

namespace corio::detail {

class WorkerRing final : public WorkerIo {
public:
    // The ring of this thread's worker of `runtime`, made on first use;
    // null when the thread is no worker of it, Options.worker_rings is off,
    // or the kernel lacks what the ring needs.
    static WorkerRing* for_this_thread(RuntimeCore* runtime) noexcept;
    ~WorkerRing() override;

    // The ring's own thread: prepares `op`'s request, or arms its timer;
    // either carries the op's reference (taken by the caller) until done.
    void submit(IoOp* op) noexcept;
    // Any thread: asks the kernel to cancel `op` (which completes when the
    // kernel answers). The caller holds a reference meanwhile.
    void cancel(UringOp* op) noexcept;
    // Any thread: the timer `op` was resolved early (its entry goes stale;
    // no wake-up: the ring sees it at its next poll). Takes a reference.
    void timer_resolved(IoOp* op) noexcept;
    // Any thread (runtime shutdown): cancels every op in flight and ends
    // the sleeps (as TimerQueue::cancel_sleeps).
    void cancel_all() noexcept;
    // True on the thread the ring belongs to.
    bool on_own_thread() const noexcept;
    std::uint64_t ops_in_flight() const noexcept { return ops_in_flight_.load(memory_order_relaxed); }
    // For metrics: as of the ring's last look at its inbox, where cancelled
    // timers wait unnoticed while it sleeps: refresh_counts() wakes it to
    // take them in, for the next reading.
    std::uint64_t timers_pending() const noexcept { return timers_pending_.load(memory_order_relaxed); }
    void refresh_counts() noexcept { signal(); }

    void poll(bool submit) noexcept override;
    void park(Atomic<std::uint32_t>* word) noexcept override;
    void close() noexcept override;

private:
    WorkerRing() = default;
    bool start() noexcept;
    void ask_cancel(std::uint64_t user_data) noexcept;
    void submit_request(UringOp* op) noexcept;
    void cancel_now(UringOp* op) noexcept;
    bool take_messages() noexcept;  // true when it made tasks runnable
    void signal() noexcept;
    void arm_wake_read() noexcept;
    unsigned reap() noexcept;
    std::size_t fire_timers() noexcept;

    io_uring ring_{};
    int wake_fd_ = -1;
    bool open_ = false;
    // Other threads' side, on its own line.
    alignas(64) MpscQueue inbox_;
    Atomic<bool> cancel_all_requested_{false};
    Atomic<std::uint64_t> ops_in_flight_{0};  // for metrics (relaxed)
    Atomic<std::uint64_t> timers_pending_{0};

    // --- the ring's own thread ----------------------------------------------
    alignas(64) FlightList flight_;
    TimerQueue timers_;
    unsigned own_in_flight_ = 0;  // the ring's own requests: futex wait, wake read, cancels
    std::uint64_t wake_buf_ = 0;
    bool futex_armed_ = false;
    bool wake_armed_ = false;
    bool closing_ = false;
};

// The runtime's IoService keeps a list of its worker rings, to cancel their
// ops at shutdown and count them in metrics (io_service.cpp).
void add_worker_ring(RuntimeCore* runtime, WorkerRing* ring);

}  // namespace corio::detail
