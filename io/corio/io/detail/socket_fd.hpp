// SocketFd: the descriptor a socket object owns, and the count of its
// operations in flight, so close() is safe while another task waits on it:
// close() refuses new operations (InvalidStateError), shuts the socket down
// so waiting operations end, and the descriptor is closed only when the last
// of them has, so the kernel never gets a reused descriptor number from a
// late submission. Moved-from and default-made objects count as closed.
#pragma once

#include <utility>

#include "corio/detail/atomic.hpp"

namespace corio::detail {

class SocketFd {
public:
    SocketFd() noexcept = default;
    explicit SocketFd(int fd) noexcept : fd_(fd), state_(fd >= 0 ? 0u : kClosed) {}
    // Moving a socket while one of its operations is in flight is a bug of
    // the caller's, as destroying it would be.
    SocketFd(SocketFd&& other) noexcept
        : fd_(std::exchange(other.fd_, -1)), state_(other.state_.exchange(kClosed, memory_order_relaxed)) {}
    SocketFd& operator=(SocketFd&& other) noexcept {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
            state_.store(other.state_.exchange(kClosed, memory_order_relaxed), memory_order_relaxed);
        }
        return *this;
    }
    ~SocketFd() { close(); }

    // For an operation: the descriptor, counted in flight until end_op().
    // Throws InvalidStateError naming `what` once closed.
    int begin_op(const char* what) {
        // acquire: a close() seen here is seen with everything before it.
        unsigned old = state_.fetch_add(kOp, memory_order_acquire);
        if (old & kClosed) [[unlikely]] {
            end_op();
            throw_closed(what);
        }
        return fd_;
    }
    // True when the socket was closed while the operation was in flight (its
    // result only says the shutdown woke it). The last one out closes.
    bool end_op() noexcept {
        // acq_rel: the closing op sees every other op's use of the fd first.
        unsigned old = state_.fetch_sub(kOp, memory_order_acq_rel);
        if (old == (kOp | kClosed)) release_fd();
        return old & kClosed;
    }
    // Refuses new operations, ends those in flight (shutdown(2)) and closes
    // the descriptor now or when the last of them ends. Idempotent.
    void close() noexcept;

    bool is_open() const noexcept { return !(state_.load(memory_order_relaxed) & kClosed); }
    // The descriptor, or -1 once closed (for options and diagnostics).
    int native_handle() const noexcept { return is_open() ? fd_ : -1; }
    // As begin_op's check, for calls that need no count (synchronous ones).
    int checked(const char* what) const {
        if (!is_open()) throw_closed(what);
        return fd_;
    }

private:
    static constexpr unsigned kClosed = 1;
    static constexpr unsigned kOp = 2;
    [[noreturn]] static void throw_closed(const char* what);
    void release_fd() noexcept;

    int fd_ = -1;
    Atomic<unsigned> state_{kClosed};  // kOp × operations in flight | kClosed
};

}  // namespace corio::detail
