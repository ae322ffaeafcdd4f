// UdpSocket: bind/connect as plain syscalls, datagrams as sendmsg/recvmsg
// ops (a send is tried at once first: a socket buffer with room takes it).
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "corio/udp.hpp"
#include "socket_ops.hpp"
#include "uring_awaiter.hpp"

namespace corio {
namespace {

using detail::IoOp;
using detail::SocketOp;
using detail::UringAwaiter;

[[noreturn]] void fail(int error, const char* what, const SocketAddress& address) {
    throw std::system_error(error, std::system_category(),
                            std::string("corio::UdpSocket::") + what + " (" + address.to_string() + ")");
}

[[noreturn]] void closed_meanwhile(const char* what) {
    throw InvalidStateError(std::string("corio::UdpSocket::") + what + ": the socket was closed while it waited");
}

}  // namespace

UdpSocket UdpSocket::bind(std::string_view address) { return bind(SocketAddress::parse(address)); }

UdpSocket UdpSocket::bind(const SocketAddress& address) {
    UdpSocket s;
    const int fd = ::socket(address.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail(errno, "bind: socket", address);
    s.fd_ = detail::SocketFd(fd);
    if (::bind(fd, address.native(), address.native_size()) < 0) fail(errno, "bind", address);
    socklen_t size = SocketAddress::capacity();
    if (::getsockname(fd, s.local_.native(), &size) < 0) fail(errno, "bind: getsockname", address);
    s.local_.set_native_size(size);
    return s;
}

void UdpSocket::connect(std::string_view address) { connect(SocketAddress::parse(address)); }

void UdpSocket::connect(const SocketAddress& address) {
    // A UDP connect only records the peer: it never blocks.
    if (::connect(fd_.checked("corio::UdpSocket::connect"), address.native(), address.native_size()) < 0)
        fail(errno, "connect", address);
    peer_ = address;
}

Coro<std::size_t> UdpSocket::send_to(std::span<const std::byte> data, SocketAddress to) {
    SocketOp use(fd_, "corio::UdpSocket::send_to");
    ssize_t n = ::sendto(use.fd(), data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                         to.empty() ? nullptr : to.native(), to.native_size());
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        // The buffer is full: a sendmsg op waits for room. msghdr, iovec and
        // the address live in this frame until the kernel has answered.
        iovec iov{const_cast<std::byte*>(data.data()), data.size()};
        msghdr msg{};
        if (!to.empty()) {
            msg.msg_name = to.native();
            msg.msg_namelen = to.native_size();
        }
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        int r = co_await UringAwaiter(detail::make_socket_op(IoOp::Code::sendmsg, use.fd(), &msg, 0, 0));
        if (use.finish()) closed_meanwhile("send_to");
        if (r < 0) fail(-r, "send_to", to);
        co_return static_cast<std::size_t>(r);
    }
    use.finish();
    if (n < 0) fail(errno, "send_to", to);
    co_return static_cast<std::size_t>(n);
}

Coro<std::size_t> UdpSocket::send(std::span<const std::byte> data) {
    // An unconnected socket: sendto without an address fails with
    // EDESTADDRREQ, which send_to reports.
    co_return co_await send_to(data, peer_);
}

Coro<UdpSocket::Received> UdpSocket::recv_from(std::span<std::byte> buffer) {
    SocketOp use(fd_, "corio::UdpSocket::recv_from");
    Received got;
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = got.sender.native();
    msg.msg_namelen = SocketAddress::capacity();
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    int r = co_await UringAwaiter(detail::make_socket_op(IoOp::Code::recvmsg, use.fd(), &msg, 0, 0));
    if (use.finish()) closed_meanwhile("recv_from");
    if (r < 0) fail(-r, "recv_from", local_);
    got.size = static_cast<std::size_t>(r);
    got.sender.set_native_size(msg.msg_namelen);
    got.truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    co_return got;
}

}  // namespace corio
