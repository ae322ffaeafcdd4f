// IoOp: one operation handed to a reactor thread: a timer, or an io_uring
// request (read, write, open, ...). It is a CompletionState, so a task awaits it as it awaits
// a Future, and Task::cancel() reaches it through set_waiting_on. Exactly one
// of {the reactor, a canceller, an early resolver} wins try_claim() and
// publishes the outcome. Refcounted: the awaiter, the reactor (while the op is
// queued or armed) and each message in flight hold a reference.
#pragma once

#include <cassert>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "corio/detail/scheduler.hpp"

namespace corio::detail {

class Reactor;
class WorkerRing;
struct IoOp;

using IoClock = std::chrono::steady_clock;  // CLOCK_MONOTONIC, as the kernel's timeouts

// A node of a reactor's intrusive MPSC queue. Each op carries two, so that a
// cancel can be queued while the submission is still queued.
struct ReactorMsg {
    Atomic<ReactorMsg*> next{nullptr};
    IoOp* op = nullptr;
    bool is_cancel = false;
};

struct UringOp;

// What every op has; a timer is nothing more (128 bytes: 100,000 pending
// sleeps touch half the memory a single op type for both kinds needed).
struct IoOp : CompletionState {
    enum class Kind : std::uint8_t { timer, uring };
    // The io_uring requests corio makes (liburing stays out of public headers).
    enum class Code : std::uint8_t { none, read, write, openat, close, fsync, statx,
                                     accept, connect, recv, send, recvmsg, sendmsg };  // sockets: socket_ops.hpp

    // (The flags fill the CompletionState's tail padding.)
    Kind kind = Kind::timer;
    bool expired = false;      // timer: true when the deadline passed (not resolved early)
    // Its owner's timer bookkeeping (reactor or worker ring; no other thread).
    bool in_heap = false;      // armed in the timer heap
    bool cancel_seen = false;  // resolved early, counted as stale there
    // Not in the runtime's list of awaited states (a lock per wait): at
    // shutdown the reactor cancels its own (Reactor::cancel_waits).
    Reactor* reactor = nullptr;
    // io_uring requests made on a worker go to that worker's own ring
    // instead (io/worker_ring.hpp), when it has one.
    WorkerRing* ring = nullptr;
    ReactorMsg submit_msg;
    ReactorMsg cancel_msg;

    // --- timer ----------------------------------------------------------
    IoClock::time_point deadline{};
    // Runs on the reactor thread when the deadline passes, after the claim
    // and before the outcome is published (timeout(): cancels the task).
    void (*on_expire)(IoOp*) noexcept = nullptr;
    void* expire_arg = nullptr;

    UringOp* as_uring() noexcept;  // kind == uring only
};

// An io_uring request: arguments in, result out. It completes only when the
// kernel has answered (a cancel asks the ring owner for
// IORING_OP_ASYNC_CANCEL), so the buffers and the path stay in use until the
// awaiting task resumes.
struct UringOp : IoOp {
    Code code = Code::none;
    int fd = -1;
    int flags = 0;          // openat/statx flags
    // recv: the socket is likely empty (the last recv drained it), so the
    // kernel should arm its poll before trying (IORING_RECVSEND_POLL_FIRST).
    bool poll_first = false;
    unsigned mode = 0;      // openat mode, statx mask
    unsigned len = 0;
    std::uint64_t offset = 0;
    void* buf = nullptr;    // read/write buffer; statx: struct statx*
    const char* path = nullptr;
    int result = 0;         // the CQE's res: >= 0, or -errno
    Atomic<bool> cancel_posted{false};  // a cancel message went out (once)

    // --- its ring owner's bookkeeping (reactor or worker; no other thread) --
    bool submitted = false;         // an SQE is in the kernel
    bool cancel_requested = false;  // cancel arrived before the submission
    bool kernel_done = false;       // its CQE has arrived
    UringOp* flight_prev = nullptr;  // the owner's list of ops the kernel holds
    UringOp* flight_next = nullptr;
};

inline UringOp* IoOp::as_uring() noexcept {
    assert(kind == Kind::uring);
    return static_cast<UringOp*>(this);
}

// A new timer op for the current worker's runtime, holding one reference
// (the caller's). Throws InvalidStateError off a worker, and std::system_error
// naming cause and remedy when io_uring cannot be set up.
IoOp* make_timer(IoClock::time_point deadline);

// A new io_uring op (code and arguments to be filled in), one reference.
// Throws as make_timer does.
UringOp* make_uring_op(IoOp::Code code);

// Hands the op to its reactor (or its worker's ring: then on the thread
// that made it), which takes its own reference.
void arm(IoOp* op) noexcept;

// Completes a timer before its deadline, with a value (expired=false) or as
// cancelled, and asks the reactor to forget it. False when the op was
// already resolved. Safe from any thread while the op's awaiting task lives.
bool resolve_early(IoOp* op, CompletionState::Outcome outcome) noexcept;

}  // namespace corio::detail
