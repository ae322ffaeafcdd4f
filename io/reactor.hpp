// Reactor: one thread owning one io_uring; only that thread submits to it.
// It serves timers (a heap) and io_uring ops (file and socket requests).
// Other threads hand it ops through a lock-free MPSC queue and wake it with
// an eventfd (a read on it is kept armed in the ring) only when it sleeps:
// a `sleeping` flag makes a burst of posts cost one wake. Its loop takes new
// ops, arms timers, waits for completions with the nearest deadline as the
// timeout, then fires the due timers (never before their deadline). stop()
// cancels what is still in flight, waits for every completion the kernel
// owes, then closes the ring and joins the thread.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <thread>

#include "corio/io/detail/io_op.hpp"
#include "mpsc_queue.hpp"
#include "timer_heap.hpp"

namespace corio::detail {

class Reactor {
public:
    // Starts the thread and waits for its ring; throws the "io_uring
    // unavailable" std::system_error when it cannot be set up.
    explicit Reactor(unsigned index);
    ~Reactor();
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    // Any thread: queue a message for the reactor (the op stays referenced
    // by the message until the reactor has handled it).
    void post(ReactorMsg* msg) noexcept;

    // Cancels every op in flight, drains, closes the ring, joins. Idempotent.
    void stop() noexcept;

    unsigned setup_flags() const noexcept { return flags_; }

private:
    void run(unsigned index);
    void wake() noexcept;
    void handle(ReactorMsg* msg);
    void handle_uring(ReactorMsg* msg);
    void complete_uring(IoOp* op, int res) noexcept;
    void expire(IoOp* op) noexcept;
    void fire_due_timers();
    void begin_drain();
    void arm_wake_read();
    io_uring_sqe* get_sqe();
    void reap();

    MpscQueue queue_;
    // true while the reactor blocks (or is about to) in io_uring_enter.
    alignas(64) Atomic<bool> sleeping_{false};
    Atomic<bool> stop_requested_{false};
    int wake_fd_ = -1;
    unsigned flags_ = 0;
    std::thread thread_;

    // --- the reactor thread's own -----------------------------------------
    io_uring ring_{};
    TimerHeap timers_;
    std::uint64_t wake_buf_ = 0;  // the armed eventfd read writes here
    std::uint64_t next_seq_ = 0;
    unsigned in_flight_ = 0;  // requests whose completion the kernel still owes
    unsigned uring_in_flight_ = 0;  // of which ops' own requests
    bool wake_armed_ = false;
    bool draining_ = false;
};

}  // namespace corio::detail
