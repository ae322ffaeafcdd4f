// What the reactor threads and the worker rings share about the ops a ring
// holds: filling an op's SQE, the list of ops whose CQE the kernel still
// owes, and completing an op from its CQE.
#pragma once

#include <liburing.h>

#include "corio/io/detail/io_op.hpp"

namespace corio::detail {

// Fills `sqe` for `op` (its user_data is the op's address).
void prep_op(io_uring_sqe* sqe, UringOp* op) noexcept;

// The ring's next SQE; when the SQ is full, first hands the kernel what it
// holds. Owner thread only. (Inline: one per request on the I/O path.)
inline io_uring_sqe* get_sqe(io_uring* ring) noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    while (!sqe) {  // SQ full: hand the kernel what we have and retry
        io_uring_submit(ring);
        sqe = io_uring_get_sqe(ring);
    }
    return sqe;
}

// A wait for io_uring_enter; a negative duration waits not at all.
__kernel_timespec to_timespec(IoClock::duration d) noexcept;

// The ops one ring's owner has submitted and not yet seen complete, linked
// through their flight_prev/next (owner thread only).
class FlightList {
public:
    void add(UringOp* op) noexcept {
        op->flight_prev = nullptr;
        op->flight_next = head_;
        if (head_) head_->flight_prev = op;
        head_ = op;
        ++size_;
    }
    void remove(UringOp* op) noexcept {
        if (op->flight_prev)
            op->flight_prev->flight_next = op->flight_next;
        else
            head_ = op->flight_next;
        if (op->flight_next) op->flight_next->flight_prev = op->flight_prev;
        --size_;
    }
    UringOp* head() const noexcept { return head_; }
    unsigned size() const noexcept { return size_; }

private:
    UringOp* head_ = nullptr;
    unsigned size_ = 0;
};

// The kernel answered `op` with `res`: records it and publishes the outcome
// (cancelled when a cancel asked for the -ECANCELED it got), dropping the
// ring's reference.
void complete_from_cqe(UringOp* op, int res) noexcept;

}  // namespace corio::detail
