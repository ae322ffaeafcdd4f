// A worker's own io_uring: submission, completion and sleep on the worker.
#include "worker_ring.hpp"

#include <linux/futex.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>

#include "corio/detail/service.hpp"
#include "corio/detail/trace.hpp"
#include "corio/runtime.hpp"
#include "io_completion.hpp"
#include "ring.hpp"

namespace corio::detail {
namespace {

// user_data of the ring's own requests; ops use their (aligned) address.
constexpr std::uint64_t kFutexWait = 1;
constexpr std::uint64_t kWakeRead = 2;
constexpr std::uint64_t kAsyncCancel = 3;

constexpr std::uint32_t kFutex2SizeU32 = 0x02;  // FUTEX2_SIZE_U32
constexpr std::uint32_t kFutex2Private = 128;   // FUTEX2_PRIVATE, as the parker's FUTEX_PRIVATE_FLAG

struct RingCache {
    RuntimeCore* runtime = nullptr;  // the runtime the lookup was for (once per worker thread)
    WorkerRing* ring = nullptr;
};
constinit thread_local RingCache ring_cache{};

}  // namespace

WorkerRing* WorkerRing::for_this_thread(RuntimeCore* runtime) noexcept {
    RingCache& cache = ring_cache;
    if (cache.runtime == runtime) return cache.ring;
    // A worker thread serves one runtime for its life, so one try is enough.
    cache = {runtime, nullptr};
    if (!runtime || current_runtime() != runtime || !runtime_options(runtime).worker_rings) return nullptr;
    std::unique_ptr<WorkerRing> ring(new WorkerRing);
    if (!ring->start()) return nullptr;
    WorkerRing* raw = ring.get();
    try {
        add_worker_ring(runtime, raw);
    } catch (...) {
        return nullptr;  // shutting down, or out of memory: the reactor serves this thread
    }
    cache.ring = raw;
    // The worker owns it from here; it cannot refuse (this is its thread).
    install_worker_io(runtime, std::move(ring));
    return raw;
}

bool WorkerRing::start() noexcept {
    if (setup_worker_ring(&ring_) != 0) return false;
    // Blocking eventfd: io_uring answers EAGAIN on an O_NONBLOCK one.
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        io_uring_queue_exit(&ring_);
        return false;
    }
    open_ = true;
    arm_wake_read();
    return true;
}

WorkerRing::~WorkerRing() {
    close();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool WorkerRing::on_own_thread() const noexcept { return ring_cache.ring == this; }

void WorkerRing::submit(IoOp* op) noexcept {
    if (op->kind == IoOp::Kind::timer) {
        timers_.add(op);
        timers_pending_.store(timers_.pending(), memory_order_relaxed);
        return;
    }
    submit_request(op->as_uring());
}

void WorkerRing::submit_request(UringOp* op) noexcept {
    if (op->cancel_requested) {
        // Its task was cancelled while it made the op (set_waiting_on comes
        // before arm): nothing goes to the kernel.
        if (op->try_claim()) publish_op(op, CompletionState::Outcome::cancelled);
        op->release();  // the ring's
        return;
    }
    io_uring_sqe* sqe = get_sqe(&ring_);
    prep_op(sqe, op);
    op->submitted = true;
    flight_.add(op);
    ops_in_flight_.store(flight_.size(), memory_order_relaxed);
    trace_event(trace::EventKind::io_submit, reinterpret_cast<std::uintptr_t>(op), sqe->opcode);
}

void WorkerRing::ask_cancel(std::uint64_t user_data) noexcept {
    io_uring_sqe* sqe = get_sqe(&ring_);
    io_uring_prep_cancel64(sqe, user_data, 0);
    io_uring_sqe_set_data64(sqe, kAsyncCancel);
    ++own_in_flight_;
}

void WorkerRing::cancel_now(UringOp* op) noexcept {
    if (!op->submitted) {
        // A cancel ahead of its request would find nothing and leave the
        // request waiting: submit() sees the flag instead.
        op->cancel_requested = true;
        return;
    }
    // The op's CQE not yet reaped: the ring's reference keeps the op, so its
    // address (the user_data we cancel by) belongs to no other op. A CQE
    // already posted makes the cancel a harmless ENOENT.
    if (!op->kernel_done) ask_cancel(reinterpret_cast<std::uint64_t>(op));
}

void WorkerRing::cancel(UringOp* op) noexcept {
    if (on_own_thread()) return cancel_now(op);
    op->retain();  // the message's
    inbox_.push(&op->cancel_msg);
    signal();
}

void WorkerRing::timer_resolved(IoOp* op) noexcept {
    // Through the inbox even on the ring's own thread: a timer may be
    // resolved from inside fire_timers (a timeout scope's on_expire).
    op->retain();  // the message's
    inbox_.push(&op->cancel_msg);
}

void WorkerRing::cancel_all() noexcept {
    // release: pairs with take_messages()'s acquire exchange.
    cancel_all_requested_.store(true, memory_order_release);
    signal();
}

void WorkerRing::signal() noexcept {
    // The armed read completes, which ends the worker's sleep in the ring;
    // a worker that is awake finds the message at its next poll.
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void WorkerRing::arm_wake_read() noexcept {
    io_uring_sqe* sqe = get_sqe(&ring_);
    io_uring_prep_read(sqe, wake_fd_, &wake_buf_, sizeof wake_buf_, 0);
    io_uring_sqe_set_data64(sqe, kWakeRead);
    ++own_in_flight_;
    wake_armed_ = true;
}

bool WorkerRing::take_messages() noexcept {
    bool timers_changed = false;
    bool woke = false;  // tasks made runnable (sleeps ended by shutdown)
    while (ReactorMsg* msg = inbox_.pop()) {
        if (msg->op->kind == IoOp::Kind::timer) {
            timers_.note_resolved(msg->op);
            timers_changed = true;
        } else {
            cancel_now(msg->op->as_uring());
        }
        msg->op->release();  // the message's
    }
    // acquire: pairs with cancel_all()'s release (the relaxed load keeps the
    // common case free of a locked op).
    if (cancel_all_requested_.load(memory_order_relaxed) && cancel_all_requested_.exchange(false, memory_order_acquire)) {
        woke = timers_.cancel_sleeps() > 0;
        timers_changed = true;
        for (UringOp* op = flight_.head(); op; op = op->flight_next) {
            // acq_rel: one cancel per op; when its task asked first, that
            // task's request does the work.
            if (!op->cancel_posted.exchange(true, memory_order_acq_rel)) cancel_now(op);
        }
    }
    if (timers_changed) timers_pending_.store(timers_.pending(), memory_order_relaxed);
    return woke;
}

unsigned WorkerRing::reap() noexcept {
    io_uring_cqe* cqe;
    unsigned head;
    unsigned seen = 0;
    unsigned completed = 0;
    bool rearm = false;
    io_uring_for_each_cqe(&ring_, head, cqe) {
        ++seen;
        switch (cqe->user_data) {
            case kFutexWait:
                futex_armed_ = false;
                --own_in_flight_;
                break;
            case kWakeRead:
                wake_armed_ = false;
                rearm = !closing_;
                --own_in_flight_;
                break;
            case kAsyncCancel:
                --own_in_flight_;
                break;
            default: {
                auto* op = static_cast<UringOp*>(io_uring_cqe_get_data(cqe));
                flight_.remove(op);
                trace_event(trace::EventKind::io_complete, reinterpret_cast<std::uintptr_t>(op),
                            static_cast<std::uint32_t>(cqe->res));
                complete_from_cqe(op, cqe->res);
                ++completed;
                break;
            }
        }
    }
    io_uring_cq_advance(&ring_, seen);
    if (completed) ops_in_flight_.store(flight_.size(), memory_order_relaxed);
    if (rearm) arm_wake_read();
    return completed;
}

std::size_t WorkerRing::fire_timers() noexcept {
    if (timers_.empty()) return 0;
    const std::size_t fired = timers_.fire_due();
    timers_pending_.store(timers_.pending(), memory_order_relaxed);
    return fired;
}

void WorkerRing::poll(bool submit) noexcept {
    take_messages();
    fire_timers();
    // Enter the kernel only with requests to hand over or completion work
    // it deferred to us (DEFER_TASKRUN flags it); CQEs already posted need
    // no syscall.
    const bool deferred = (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN) != 0;
    if (submit && (deferred || io_uring_sq_ready(&ring_) != 0)) io_uring_submit_and_get_events(&ring_);
    reap();
}

void WorkerRing::park(Atomic<std::uint32_t>* word) noexcept {
    // Work already here (shutdown's messages end sleeps; timers fell due;
    // CQEs posted): no sleep, the worker's poll takes it.
    const bool woke = take_messages();
    if (woke || io_uring_cq_ready(&ring_) != 0 ||
        (!timers_.empty() && timers_.next_deadline() <= IoClock::now()))
        return;
    if (!futex_armed_) {
        // Completes when a waker clears the word and wakes it (at once if
        // it is no longer 1); may stay armed across sleeps.
        io_uring_sqe* sqe = get_sqe(&ring_);
        io_uring_prep_rw(kOpFutexWait, sqe, static_cast<int>(kFutex2SizeU32 | kFutex2Private),
                         reinterpret_cast<void*>(word), 0, 1);
        sqe->addr3 = FUTEX_BITSET_MATCH_ANY;
        io_uring_sqe_set_data64(sqe, kFutexWait);
        ++own_in_flight_;
        futex_armed_ = true;
    }
    // No longer than the next timer's deadline.
    int r;
    if (timers_.empty()) {
        r = io_uring_submit_and_wait(&ring_, 1);
    } else {
        __kernel_timespec ts = to_timespec(timers_.next_deadline() - IoClock::now());
        io_uring_cqe* cqe = nullptr;
        r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    }
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY && r != -ETIME) [[unlikely]]
        std::fprintf(stderr, "corio: worker ring: io_uring_enter failed: %d\n", r);
}

void WorkerRing::close() noexcept {
    if (!open_) return;
    closing_ = true;
    take_messages();
    timers_.cancel_all();  // no task is left to wait on them
    timers_pending_.store(0, memory_order_relaxed);
    // No task is left, so nothing should be in flight; cancel what is.
    for (UringOp* op = flight_.head(); op; op = op->flight_next) {
        // relaxed: read back on this thread only.
        op->cancel_posted.store(true, memory_order_relaxed);
        cancel_now(op);
    }
    if (futex_armed_) ask_cancel(kFutexWait);
    if (wake_armed_) ask_cancel(kWakeRead);
    // Every request's CQE before the ring goes: the kernel may still write
    // an op's buffer (or our wake_buf_) until then. Bounded, in case a
    // request never answers.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((flight_.size() != 0 || own_in_flight_ != 0) && std::chrono::steady_clock::now() < give_up) {
        __kernel_timespec ts{0, 100'000'000};
        io_uring_cqe* cqe = nullptr;
        io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
        reap();
    }
    if (flight_.size() != 0 || own_in_flight_ != 0)
        std::fprintf(stderr, "corio: worker ring: %u request(s) never completed; closing anyway\n",
                     flight_.size() + own_in_flight_);
    io_uring_queue_exit(&ring_);
    // The eventfd stays open until the ring object goes (with its worker,
    // when the runtime is freed): a plain thread cancelling a task that a
    // shutdown gave up on may signal it after this, and must not write to
    // a descriptor number that something else has reused.
    open_ = false;
}

}  // namespace corio::detail
