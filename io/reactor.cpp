// The reactor thread's loop: messages in, timers and completions out.
#include "reactor.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <future>
#include <string>
#include <system_error>

#include "corio/detail/trace.hpp"
#include "io_completion.hpp"
#include "ring.hpp"
#include "uring_requests.hpp"

namespace corio::detail {
namespace {

// user_data of the reactor's own requests; ops use their (aligned) address.
constexpr std::uint64_t kWakeRead = 1;
constexpr std::uint64_t kWakeCancel = 2;
constexpr std::uint64_t kAsyncCancel = 3;  // the answer to an ASYNC_CANCEL we sent

// Timer slack (see Reactor::run), and from how many pending timers on.
constexpr std::chrono::microseconds kSlack{50};
constexpr std::size_t kSlackFrom = 256;

}  // namespace

Reactor::Reactor(unsigned index, RuntimeCore* runtime) {
    // Blocking eventfd: io_uring would answer EAGAIN on an O_NONBLOCK one
    // instead of waiting for it to become readable.
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::system_error(errno, std::system_category(), "corio: reactor eventfd");
    std::promise<int> ready;
    std::future<int> result = ready.get_future();
    thread_ = std::thread([this, index, runtime, &ready] {
        // The ring is made on its own thread: SINGLE_ISSUER binds it to the
        // thread that created it.
        int err = setup_ring(&ring_, &flags_);
        ready.set_value(err);
        if (err != 0) return;
        // A track of the runtime's trace for the thread's life (when tracing).
        TraceThreadScope traced(runtime, trace::TrackKind::reactor, index);
        run(index);
    });
    int err = result.get();
    if (err != 0) {
        thread_.join();
        ::close(wake_fd_);
        throw unavailable_error(err);
    }
}

Reactor::~Reactor() {
    stop();
    ::close(wake_fd_);
}

void Reactor::post(ReactorMsg* msg, std::int64_t due) noexcept {
    queue_.push(msg);
    wake(due);
}

void Reactor::wake(std::int64_t due) noexcept {
    // seq_cst fence: our push (or stop request) must be visible before we
    // read `sleeping_until_`, and the reactor re-checks the queue after
    // setting it (Dekker): one of us sees the other, so no wake is ever lost.
    fence_seq_cst();
    // A message due no sooner than the planned wake-up waits for it (the
    // reactor takes the queue first thing when it wakes). The exchange lets
    // only the first of a burst pay the syscall.
    const std::int64_t until = sleeping_until_.load(memory_order_relaxed);
    if (until != 0 && due < until && sleeping_until_.exchange(0, memory_order_relaxed) != 0) {
        std::uint64_t one = 1;
        // Cannot fail short of the counter's overflow at 2^64-2 wakes.
        [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
    }
}

void Reactor::cancel_waits() noexcept {
    // release: pairs with the reactor's acquire exchange; only a request.
    cancel_requested_.store(true, memory_order_release);
    wake();
}

void Reactor::stop() noexcept {
    if (!thread_.joinable()) return;
    // release: the reactor sees everything done before the stop.
    stop_requested_.store(true, memory_order_release);
    wake();
    thread_.join();
}

void Reactor::arm_wake_read() {
    io_uring_sqe* sqe = get_sqe(&ring_);
    io_uring_prep_read(sqe, wake_fd_, &wake_buf_, sizeof wake_buf_, 0);
    io_uring_sqe_set_data64(sqe, kWakeRead);
    ++in_flight_;
    wake_armed_ = true;
}

void Reactor::handle_uring(ReactorMsg* msg) {
    UringOp* op = msg->op->as_uring();
    if (msg->is_cancel) {
        if (op->submitted && !op->kernel_done) {
            // The message's reference keeps the op, so its address (the
            // user_data we cancel by) cannot belong to another op yet.
            io_uring_sqe* sqe = get_sqe(&ring_);
            io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(op), 0);
            io_uring_sqe_set_data64(sqe, kAsyncCancel);
            ++in_flight_;
        } else if (!op->submitted) {
            op->cancel_requested = true;  // its submission is still queued
        }
        op->release();  // the message's reference
        return;
    }
    // A submission, carrying the reactor's reference until the CQE.
    if (op->cancel_requested || draining_) {
        if (op->try_claim()) publish_op(op, CompletionState::Outcome::cancelled);
        op->release();
        return;
    }
    submit(op);
}

void Reactor::submit(UringOp* op) {
    io_uring_sqe* sqe = get_sqe(&ring_);
    prep_op(sqe, op);
    op->submitted = true;
    ++in_flight_;
    flight_.add(op);
    trace_event(trace::EventKind::io_submit, reinterpret_cast<std::uintptr_t>(op), sqe->opcode);
}

void Reactor::complete_uring(UringOp* op, int res) noexcept {
    flight_.remove(op);
    trace_event(trace::EventKind::io_complete, reinterpret_cast<std::uintptr_t>(op), static_cast<std::uint32_t>(res));
    complete_from_cqe(op, res);
}

void Reactor::handle(ReactorMsg* msg) {
    IoOp* op = msg->op;
    if (op->kind == IoOp::Kind::uring) return handle_uring(msg);
    if (msg->is_cancel) {
        timers_.note_resolved(op);  // resolved early: its entry is stale
        op->release();  // the message's reference
        return;
    }
    // A submission; it carries the reactor's reference. A reactor going
    // away (which cannot happen while a task waits on it) arms nothing.
    if (draining_ && op->try_claim()) publish_op(op, CompletionState::Outcome::cancelled);
    timers_.add(op);
}

void Reactor::fire_due_timers() {
    // The woken tasks go to the runtime in batches: one queue push, fence
    // and worker wake-up per batch, not per timer.
    InjectBatch batch;
    timers_.fire_due();
}

void Reactor::cancel_waits_now() {
    // The sleeps and wait_fors tasks wait on end now, as cancelled (no
    // kernel buffer to wait for). A timeout scope's timer (on_expire set)
    // stays: its body is cancelled by other means and still settles it.
    timers_.cancel_sleeps();
    // The kernel's ops are cancelled as a task's cancel would; each one
    // completes when its CQE arrives.
    for (UringOp* op = flight_.head(); op; op = op->flight_next) {
        // acq_rel: one cancel per op; when its task asked first, that
        // task's cancel message does the work.
        if (op->cancel_posted.exchange(true, memory_order_acq_rel)) continue;
        io_uring_sqe* sqe = get_sqe(&ring_);
        io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(op), 0);
        io_uring_sqe_set_data64(sqe, kAsyncCancel);
        ++in_flight_;
    }
}

void Reactor::publish_counts() noexcept {
    // relaxed: figures for metrics(), no ordering with anything.
    timers_pending_.store(timers_.pending(), memory_order_relaxed);
    io_in_flight_.store(flight_.size(), memory_order_relaxed);
}

void Reactor::begin_drain() {
    draining_ = true;
    // No task is left, so no timer has a waiter; complete them as cancelled.
    timers_.cancel_all();
    if (wake_armed_) {
        io_uring_sqe* sqe = get_sqe(&ring_);
        io_uring_prep_cancel64(sqe, kWakeRead, 0);
        io_uring_sqe_set_data64(sqe, kWakeCancel);
        ++in_flight_;
    }
    // Only ops whose tasks are gone can be left; cancel every one (again,
    // if a cancel came too early to catch it).
    for (UringOp* op = flight_.head(); op; op = op->flight_next) {
        // relaxed: the reactor's own reading of it comes later on this thread.
        op->cancel_posted.store(true, memory_order_relaxed);
        io_uring_sqe* sqe = get_sqe(&ring_);
        io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(op), 0);
        io_uring_sqe_set_data64(sqe, kAsyncCancel);
        ++in_flight_;
    }
}

void Reactor::reap() {
    io_uring_cqe* cqe;
    unsigned head;
    unsigned seen = 0;
    bool rearm = false;
    io_uring_for_each_cqe(&ring_, head, cqe) {
        ++seen;
        --in_flight_;
        switch (cqe->user_data) {
            case kWakeRead:
                wake_armed_ = false;
                rearm = !draining_;
                break;
            case kWakeCancel:
            case kAsyncCancel:
                break;
            default:
                complete_uring(static_cast<UringOp*>(io_uring_cqe_get_data(cqe)), cqe->res);
                break;
        }
    }
    io_uring_cq_advance(&ring_, seen);
    if (rearm) arm_wake_read();
}

void Reactor::run(unsigned index) {
    std::string name = "corio-io-" + std::to_string(index);
    pthread_setname_np(pthread_self(), name.c_str());
    // 1 ns slack: the kernel may otherwise round our timed waits up by 50 µs.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    arm_wake_read();

    while (true) {
        while (ReactorMsg* msg = queue_.pop()) handle(msg);
        // acquire: pairs with cancel_waits()'s release (the relaxed load
        // keeps the common case free of a locked op).
        if (cancel_requested_.load(memory_order_relaxed) && cancel_requested_.exchange(false, memory_order_acquire))
            cancel_waits_now();
        // acquire: pairs with stop()'s release.
        if (!draining_ && stop_requested_.load(memory_order_acquire)) begin_drain();
        fire_due_timers();
        publish_counts();
        if (draining_ && in_flight_ == 0) break;

        __kernel_timespec ts{};
        __kernel_timespec* timeout = nullptr;
        std::int64_t until = kNever;
        if (!timers_.empty()) {
            auto wake_at = timers_.next_deadline();
            // With many timers pending, wake a little late so that a stream
            // of deadlines fires in batches (one io_uring_enter each), as the
            // kernel's timer slack does; a few timers keep full precision.
            if (timers_.size() > kSlackFrom) wake_at += kSlack;
            ts = to_timespec(wake_at - IoClock::now());
            timeout = &ts;
            until = std::max<std::int64_t>(1, wake_at.time_since_epoch().count());
        }
        sleeping_until_.store(until, memory_order_relaxed);
        // seq_cst fence: pairs with wake()'s; see there.
        fence_seq_cst();
        bool block = !queue_.maybe_nonempty() && !cancel_requested_.load(memory_order_relaxed) &&
                     (draining_ || !stop_requested_.load(memory_order_relaxed));
        io_uring_cqe* cqe = nullptr;
        if (block) {
            int r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, timeout, nullptr);
            if (r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY && r != -EAGAIN) [[unlikely]]
                std::fprintf(stderr, "corio: reactor: io_uring_enter failed: %d\n", r);
        } else {
            io_uring_submit_and_get_events(&ring_);
        }
        sleeping_until_.store(0, memory_order_relaxed);
        reap();
    }
    io_uring_queue_exit(&ring_);
}

}  // namespace corio::detail
