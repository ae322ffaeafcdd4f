// SocketFd's closing half: shutdown for operations in flight, then close(2).
#include "corio/io/detail/socket_fd.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "corio/errors.hpp"

namespace corio::detail {

void SocketFd::close() noexcept {
    unsigned old = state_.load(memory_order_relaxed);
    // Closed and counted as an operation of our own in one step: the
    // descriptor then stays valid for the shutdown below even if every other
    // operation ends meanwhile. acq_rel: as end_op's.
    while (!(old & kClosed))
        if (state_.compare_exchange_weak(old, (old + kOp) | kClosed, memory_order_acq_rel, memory_order_relaxed))
            break;
    if (old & kClosed) return;
    // Operations in flight: wake them (a recv sees end of stream, an accept
    // EINVAL), then the last one to end closes the descriptor.
    if (old >= kOp) ::shutdown(fd_, SHUT_RDWR);
    end_op();
}

void SocketFd::release_fd() noexcept { ::close(fd_); }

void SocketFd::throw_closed(const char* what) {
    throw InvalidStateError(std::string(what) + ": the socket is closed (or was moved from)");
}

}  // namespace corio::detail
