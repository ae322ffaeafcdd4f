// Reactor: one thread owning one io_uring; only that thread submits to it.
// It serves timers (a heap) and io_uring ops (file and socket requests).
// Other threads hand it ops through a lock-free MPSC queue and wake it with
// an eventfd (a read on it is kept armed in the ring) only when it sleeps
// and only when the message cannot wait for the wake-up it has planned (a
// timer due later than that does not wake it): a burst of posts costs at
// most one wake, a burst of later timers none. Its loop takes new
// ops, arms timers, waits for completions with the nearest deadline as the
// timeout, then fires the due timers (never before their deadline).
// cancel_waits() (runtime shutdown) completes its sleeps as cancelled and
// asks the kernel to cancel its ops; stop() cancels what is still in flight,
// waits for every completion the kernel owes, then closes the ring and joins
// the thread. It counts its pending timers and ops in flight for metrics and
// records submit/complete/fire events when the runtime traces.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "corio/detail/atomic.hpp"
#include "corio/io/detail/io_op.hpp"
#include "mpsc_queue.hpp"
#include "timer_queue.hpp"
#include "uring_requests.hpp"

namespace corio::detail {

class Reactor {
public:
    // Starts the thread and waits for its ring; throws the "io_uring
    // unavailable" std::system_error when it cannot be set up.
    explicit Reactor(unsigned index, RuntimeCore* runtime);
    ~Reactor();
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    // Any thread: queue a message for the reactor (the op stays referenced
    // by the message until the reactor has handled it). `due` is when the
    // reactor must have seen it: a timer's deadline, else kNow.
    static constexpr std::int64_t kNow = INT64_MIN;
    void post(ReactorMsg* msg, std::int64_t due = kNow) noexcept;

    // Any thread: have the reactor complete the sleeps tasks wait on as
    // cancelled and ask the kernel to cancel every op it holds (each
    // completes when the kernel answers). Timeout scopes' timers stay.
    void cancel_waits() noexcept;

    // Cancels every op in flight, drains, closes the ring, joins. Idempotent.
    void stop() noexcept;

    // Any thread, for metrics: figures as of the reactor's last loop pass.
    // Timers due after its planned wake-up may wait in its queue, uncounted:
    // refresh_counts() wakes it to take them in, for the next reading.
    std::uint64_t timers_pending() const noexcept { return timers_pending_.load(memory_order_relaxed); }
    std::uint64_t io_in_flight() const noexcept { return io_in_flight_.load(memory_order_relaxed); }
    void refresh_counts() noexcept { wake(); }

    unsigned setup_flags() const noexcept { return flags_; }

private:
    void run(unsigned index);
    void wake(std::int64_t due = kNow) noexcept;
    void handle(ReactorMsg* msg);
    void handle_uring(ReactorMsg* msg);
    void complete_uring(UringOp* op, int res) noexcept;
    void submit(UringOp* op);
    void fire_due_timers();
    void cancel_waits_now();
    void begin_drain();
    void publish_counts() noexcept;
    void arm_wake_read();
    void reap();

    MpscQueue queue_;
    // While the reactor blocks (or is about to) in io_uring_enter: when it
    // will wake by itself (IoClock ticks; kNever without a timer); 0 while
    // it runs. One word, so a poster never pairs a fresh flag with a stale
    // deadline.
    static constexpr std::int64_t kNever = INT64_MAX;
    alignas(64) Atomic<std::int64_t> sleeping_until_{0};
    Atomic<bool> stop_requested_{false};
    Atomic<bool> cancel_requested_{false};
    int wake_fd_ = -1;
    unsigned flags_ = 0;
    std::thread thread_;
    // Written by the reactor only (relaxed: figures, no ordering), read by
    // metrics(); on their own line, away from the one workers poll.
    alignas(64) Atomic<std::uint64_t> timers_pending_{0};
    Atomic<std::uint64_t> io_in_flight_{0};

    // --- the reactor thread's own -----------------------------------------
    io_uring ring_{};
    TimerQueue timers_;
    std::uint64_t wake_buf_ = 0;  // the armed eventfd read writes here
    unsigned in_flight_ = 0;  // requests whose completion the kernel still owes
    FlightList flight_;       // of which ops' own requests
    bool wake_armed_ = false;
    bool draining_ = false;
};

}  // namespace corio::detail
