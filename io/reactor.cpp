// The reactor thread's loop: messages in, timers and completions out.
#include "reactor.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <future>
#include <string>
#include <system_error>

#include "io_completion.hpp"
#include "ring.hpp"
#include "socket_ops.hpp"

namespace corio::detail {
namespace {

// user_data of the reactor's own requests; ops use their (aligned) address.
constexpr std::uint64_t kWakeRead = 1;
constexpr std::uint64_t kWakeCancel = 2;
constexpr std::uint64_t kAsyncCancel = 3;  // the answer to an ASYNC_CANCEL we sent

void prep(io_uring_sqe* sqe, IoOp* op) {
    using Code = IoOp::Code;
    switch (op->code) {
        case Code::read:
            io_uring_prep_read(sqe, op->fd, op->buf, op->len, op->offset);
            break;
        case Code::write:
            io_uring_prep_write(sqe, op->fd, op->buf, op->len, op->offset);
            break;
        case Code::openat:
            io_uring_prep_openat(sqe, op->fd, op->path, op->flags, op->mode);
            break;
        case Code::close:
            io_uring_prep_close(sqe, op->fd);
            break;
        case Code::fsync:
            io_uring_prep_fsync(sqe, op->fd, 0);
            break;
        case Code::statx:
            io_uring_prep_statx(sqe, op->fd, op->path, op->flags, op->mode, static_cast<struct statx*>(op->buf));
            break;
        case Code::none:
            io_uring_prep_nop(sqe);
            break;
        default:
            prep_socket_op(sqe, op);
            break;
    }
    io_uring_sqe_set_data(sqe, op);
}

__kernel_timespec to_timespec(IoClock::duration d) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    if (ns < 0) ns = 0;
    return {static_cast<long long>(ns / 1'000'000'000), static_cast<long long>(ns % 1'000'000'000)};
}

}  // namespace

Reactor::Reactor(unsigned index) {
    // Blocking eventfd: io_uring would answer EAGAIN on an O_NONBLOCK one
    // instead of waiting for it to become readable.
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::system_error(errno, std::system_category(), "corio: reactor eventfd");
    std::promise<int> ready;
    std::future<int> result = ready.get_future();
    thread_ = std::thread([this, index, &ready] {
        // The ring is made on its own thread: SINGLE_ISSUER binds it to the
        // thread that created it.
        int err = setup_ring(&ring_, &flags_);
        ready.set_value(err);
        if (err == 0) run(index);
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

void Reactor::post(ReactorMsg* msg) noexcept {
    queue_.push(msg);
    wake();
}

void Reactor::wake() noexcept {
    // seq_cst fence: our push (or stop request) must be visible before we
    // read `sleeping_`, and the reactor re-checks the queue after setting
    // it (Dekker): one of us sees the other, so no wake is ever lost.
    fence_seq_cst();
    // The exchange lets only the first of a burst pay the syscall.
    if (sleeping_.load(memory_order_relaxed) && sleeping_.exchange(false, memory_order_relaxed)) {
        std::uint64_t one = 1;
        // Cannot fail short of the counter's overflow at 2^64-2 wakes.
        [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
    }
}

void Reactor::stop() noexcept {
    if (!thread_.joinable()) return;
    // release: the reactor sees everything done before the stop.
    stop_requested_.store(true, memory_order_release);
    wake();
    thread_.join();
}

io_uring_sqe* Reactor::get_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (!sqe) {  // SQ full: hand the kernel what we have and retry
        io_uring_submit(&ring_);
        sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
}

void Reactor::arm_wake_read() {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_read(sqe, wake_fd_, &wake_buf_, sizeof wake_buf_, 0);
    io_uring_sqe_set_data64(sqe, kWakeRead);
    ++in_flight_;
    wake_armed_ = true;
}

void Reactor::handle_uring(ReactorMsg* msg) {
    IoOp* op = msg->op;
    if (msg->is_cancel) {
        if (op->submitted && !op->kernel_done) {
            // The message's reference keeps the op, so its address (the
            // user_data we cancel by) cannot belong to another op yet.
            io_uring_sqe* sqe = get_sqe();
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
    prep(get_sqe(), op);
    op->submitted = true;
    ++in_flight_;
    ++uring_in_flight_;
}

void Reactor::complete_uring(IoOp* op, int res) noexcept {
    --uring_in_flight_;
    op->kernel_done = true;
    op->result = res;
    // acquire: pairs with the canceller's exchange (only a flag here).
    const bool cancelled = res == -ECANCELED && op->cancel_posted.load(memory_order_acquire);
    if (op->try_claim()) publish_op(op, cancelled ? CompletionState::Outcome::cancelled : CompletionState::Outcome::value);
    op->release();  // the reactor's
}

void Reactor::handle(ReactorMsg* msg) {
    IoOp* op = msg->op;
    if (op->kind == IoOp::Kind::uring) return handle_uring(msg);
    if (msg->is_cancel) {
        // The op was resolved early: forget its timer now, so a cancelled
        // sleep leaves nothing behind (the heap held the reactor's reference).
        if (timers_.contains(op)) {
            timers_.remove(op);
            op->release();
        }
        op->release();  // the message's reference
        return;
    }
    // A submission; it carries the reactor's reference.
    if (draining_ || (op->state() & CompletionState::kClaimed)) {
        // Resolved before it got here (or the reactor is going away, which
        // cannot happen while a task waits on it): nothing to arm.
        if (!(op->state() & CompletionState::kClaimed) && op->try_claim()) publish_op(op, CompletionState::Outcome::cancelled);
        op->release();
        return;
    }
    op->seq = next_seq_++;
    timers_.push(op);
}

void Reactor::expire(IoOp* op) noexcept {
    if (op->try_claim()) {
        op->expired = true;
        if (op->on_expire) op->on_expire(op);
        publish_op(op, CompletionState::Outcome::value);
    }
    // else: resolved early; its cancel message is on the way and finds the
    // op gone from the heap.
    op->release();  // the heap's reference
}

void Reactor::fire_due_timers() {
    if (timers_.empty()) return;
    const auto now = IoClock::now();
    // `<=` against a fresh clock read: a timer never fires before its deadline.
    while (!timers_.empty() && timers_.top()->deadline <= now) expire(timers_.pop());
}

void Reactor::begin_drain() {
    draining_ = true;
    // No task is left, so no timer has a waiter; complete them as cancelled.
    while (!timers_.empty()) {
        IoOp* op = timers_.pop();
        if (op->try_claim()) publish_op(op, CompletionState::Outcome::cancelled);
        op->release();
    }
    if (wake_armed_) {
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel64(sqe, kWakeRead, 0);
        io_uring_sqe_set_data64(sqe, kWakeCancel);
        ++in_flight_;
    }
    if (uring_in_flight_ > 0) {
        // Only ops whose tasks are gone can be left; cancel every one (5.19+;
        // older kernels answer EINVAL and we wait for them to end on their own).
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
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
                complete_uring(static_cast<IoOp*>(io_uring_cqe_get_data(cqe)), cqe->res);
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
        // acquire: pairs with stop()'s release.
        if (!draining_ && stop_requested_.load(memory_order_acquire)) begin_drain();
        fire_due_timers();
        if (draining_ && in_flight_ == 0) break;

        __kernel_timespec ts{};
        __kernel_timespec* timeout = nullptr;
        if (!timers_.empty()) {
            ts = to_timespec(timers_.top()->deadline - IoClock::now());
            timeout = &ts;
        }
        sleeping_.store(true, memory_order_relaxed);
        // seq_cst fence: pairs with wake()'s; see there.
        fence_seq_cst();
        bool block = !queue_.maybe_nonempty() && (draining_ || !stop_requested_.load(memory_order_relaxed));
        io_uring_cqe* cqe = nullptr;
        if (block) {
            int r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, timeout, nullptr);
            if (r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY && r != -EAGAIN) [[unlikely]]
                std::fprintf(stderr, "corio: reactor: io_uring_enter failed: %d\n", r);
        } else {
            io_uring_submit_and_get_events(&ring_);
        }
        sleeping_.store(false, memory_order_relaxed);
        reap();
    }
    io_uring_queue_exit(&ring_);
}

}  // namespace corio::detail
