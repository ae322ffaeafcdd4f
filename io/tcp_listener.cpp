// TcpListener: bind and listen (plain syscalls: they never block), accept
// as an io_uring op.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#include "corio/tcp.hpp"
#include "socket_ops.hpp"
#include "uring_awaiter.hpp"

namespace corio {

TcpListener TcpListener::bind(std::string_view address, int backlog) {
    return bind(SocketAddress::parse(address), backlog);
}

TcpListener TcpListener::bind(const SocketAddress& address, int backlog) {
    auto fail = [&](const char* call) {
        throw std::system_error(errno, std::system_category(),
                                std::string("corio::TcpListener::bind: ") + call + " on " + address.to_string());
    };
    TcpListener listener;
    const int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    listener.fd_ = detail::SocketFd(fd);
    int one = 1;
    // A restarted server can take its port back while old connections linger.
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) fail("setsockopt(SO_REUSEADDR)");
    if (::bind(fd, address.native(), address.native_size()) < 0) fail("bind");
    if (::listen(fd, backlog) < 0) fail("listen");
    socklen_t size = SocketAddress::capacity();
    if (::getsockname(fd, listener.local_.native(), &size) < 0) fail("getsockname");
    listener.local_.set_native_size(size);
    return listener;
}

Coro<TcpStream> TcpListener::accept() {
    detail::SocketOp use(fd_, "corio::TcpListener::accept");
    SocketAddress peer;  // the kernel writes it: lives in this frame until the CQE
    int r;
    while (true) {
        socklen_t size = SocketAddress::capacity();
        detail::UringOp* op = detail::make_socket_op(detail::IoOp::Code::accept, use.fd(), peer.native(), 0, SOCK_CLOEXEC);
        op->offset = reinterpret_cast<std::uintptr_t>(&size);
        r = co_await detail::UringAwaiter(op);
        peer.set_native_size(size);
        // A connection reset before we took it is no error of the listener's.
        if (r != -ECONNABORTED && r != -EINTR) break;
    }
    if (use.finish()) {
        if (r >= 0) ::close(r);
        throw InvalidStateError("corio::TcpListener::accept: the listener was closed while it waited");
    }
    if (r < 0)
        throw std::system_error(-r, std::system_category(), "corio::TcpListener::accept on " + local_.to_string());
    co_return TcpStream(r, peer);
}

}  // namespace corio
