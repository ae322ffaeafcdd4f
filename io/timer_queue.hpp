// TimerQueue: the timers one thread owns (a reactor thread, or a worker's
// ring): a TimerHeap with lazy deletion, firing in deadline order and never
// early, and the shutdown sweeps. Owner thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "corio/io/detail/io_op.hpp"
#include "timer_heap.hpp"

namespace corio::detail {

class TimerQueue {
public:
    // A timer armed; it brings the owner's reference. One resolved on its
    // way here is dropped.
    void add(IoOp* op) noexcept;
    // `op` was resolved early (its cancel message came): its entry is stale.
    void note_resolved(IoOp* op) noexcept;
    // Fires the timers due by now (a fresh clock read); how many fired.
    std::size_t fire_due() noexcept;

    bool empty() const noexcept { return heap_.empty(); }
    IoClock::time_point next_deadline() const noexcept { return heap_.top_deadline(); }
    std::size_t size() const noexcept { return heap_.size(); }       // entries, stale ones too
    std::size_t pending() const noexcept { return heap_.size() - stale_; }

    // Runtime shutdown began: the sleeps and wait_fors end now, as
    // cancelled; a timeout scope's timer (on_expire set) stays, since its
    // body is cancelled by other means and still settles it.
    std::size_t cancel_sleeps() noexcept;  // how many it ended
    // The owner is going away (no task is left): every timer ends, cancelled.
    void cancel_all() noexcept;

private:
    void expire(IoOp* op, IoClock::time_point now) noexcept;
    void drop(IoOp* op) noexcept;
    void compact() noexcept;

    TimerHeap heap_;
    std::size_t stale_ = 0;       // entries resolved early, known from their cancel message
    std::vector<IoOp*> due_;      // fire_due's batch
    std::vector<IoOp*> scratch_;  // timers taken out by remove_if
    std::uint64_t next_seq_ = 0;  // FIFO among equal deadlines
};

}  // namespace corio::detail
