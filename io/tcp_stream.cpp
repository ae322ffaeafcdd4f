// TcpStream: connect, buffered reads, writes, shutdown, options.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "corio/tcp.hpp"
#include "corio/to_thread.hpp"
#include "resolver.hpp"
#include "socket_ops.hpp"
#include "uring_awaiter.hpp"

namespace corio {
namespace {

using detail::IoOp;
using detail::SocketOp;
using detail::UringAwaiter;

constexpr std::size_t kMaxChunk = INT_MAX;  // a CQE's res is an int
constexpr std::size_t kReadAhead = 4096;    // read_until's receive size

std::string_view as_text(const std::vector<std::byte>& v, std::size_t begin, std::size_t end) {
    return {reinterpret_cast<const char*>(v.data()) + begin, end - begin};
}

[[noreturn]] void closed_meanwhile(const char* what) {
    throw InvalidStateError(std::string("corio::TcpStream::") + what + ": the stream was closed while it waited");
}

}  // namespace

void TcpStream::fail(int error, const char* what) const {
    throw std::system_error(error, std::system_category(),
                            std::string("corio::TcpStream::") + what + " (peer " + peer_.to_string() + ")");
}

Coro<TcpStream> TcpStream::connect(SocketAddress address) {
    const int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw std::system_error(errno, std::system_category(), "corio::TcpStream::connect to " + address.to_string());
    TcpStream stream(fd, address);  // owns fd from here, whatever happens
    int r;
    {
        SocketOp use(stream.fd_, "corio::TcpStream::connect");
        // The address lives in this frame until the kernel has answered.
        r = co_await UringAwaiter(detail::make_socket_op(IoOp::Code::connect, fd, stream.peer_.native(),
                                                         stream.peer_.native_size(), 0));
        if (use.finish()) closed_meanwhile("connect");
    }
    if (r < 0)
        throw std::system_error(-r, std::system_category(), "corio::TcpStream::connect to " + address.to_string());
    co_return std::move(stream);
}

Coro<TcpStream> TcpStream::connect(std::string host, std::uint16_t port) {
    if (auto numeric = SocketAddress::from_ip(host, port)) co_return co_await connect(*numeric);
    std::vector<SocketAddress> addresses = co_await to_thread(&detail::resolve, host, port, SOCK_STREAM);
    // Each address in turn (as asyncio's open_connection): "localhost" may
    // name ::1 first while the server listens on 127.0.0.1 only.
    std::exception_ptr last;
    for (const SocketAddress& a : addresses) {
        try {
            co_return co_await connect(a);
        } catch (const std::system_error&) {
            last = std::current_exception();
        }
    }
    std::rethrow_exception(last);
}

std::size_t TcpStream::take_buffered(std::span<std::byte> into) noexcept {
    const std::size_t n = std::min(into.size(), buffered());
    if (n == 0) return 0;  // rbuf_ may have no storage at all: no memcpy from null
    std::memcpy(into.data(), rbuf_.data() + begin_, n);
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
    return n;
}

Coro<std::size_t> TcpStream::read_some(std::span<std::byte> buffer) {
    if (buffered() > 0) co_return take_buffered(buffer);
    if (buffer.empty()) co_return 0;
    SocketOp use(fd_, "corio::TcpStream::read_some");
    const auto len = static_cast<unsigned>(std::min(buffer.size(), kMaxChunk));
    int r = co_await UringAwaiter(detail::make_recv_op(use.fd(), buffer.data(), len, drained_));
    if (use.finish()) closed_meanwhile("read_some");
    if (r < 0) fail(-r, "read_some");
    drained_ = static_cast<unsigned>(r) < len;
    co_return static_cast<std::size_t>(r);
}

Coro<std::size_t> TcpStream::fill(std::size_t want, const char* what) {
    // Room for `want` more bytes after end_: first by moving the unread
    // bytes to the front, then by growing.
    if (begin_ > 0 && rbuf_.size() - end_ < want) {
        std::memmove(rbuf_.data(), rbuf_.data() + begin_, buffered());
        end_ -= begin_;
        begin_ = 0;
    }
    if (rbuf_.size() - end_ < want) rbuf_.resize(end_ + want);
    SocketOp use(fd_, what);
    const std::size_t room = std::min(rbuf_.size() - end_, kMaxChunk);
    int r = co_await UringAwaiter(detail::make_recv_op(use.fd(), rbuf_.data() + end_, static_cast<unsigned>(room), drained_));
    if (use.finish()) closed_meanwhile(what);
    if (r < 0) fail(-r, what);
    drained_ = static_cast<std::size_t>(r) < room;
    end_ += static_cast<std::size_t>(r);
    co_return static_cast<std::size_t>(r);
}

Coro<void> TcpStream::read_exact(std::span<std::byte> buffer) {
    std::size_t have = take_buffered(buffer);
    while (have < buffer.size()) {
        std::size_t n = co_await read_some(buffer.subspan(have));
        if (n == 0)
            throw IncompleteReadError("corio::TcpStream::read_exact: end of stream after " + std::to_string(have) +
                                          " of " + std::to_string(buffer.size()) + " bytes (peer " +
                                          peer_.to_string() + ")",
                                      std::string(reinterpret_cast<const char*>(buffer.data()), have));
        have += n;
    }
}

Coro<std::string> TcpStream::read_until(std::string_view delimiter, std::size_t limit) {
    if (delimiter.empty()) throw std::invalid_argument("corio::TcpStream::read_until: empty delimiter");
    std::size_t scanned = 0;  // from begin_: no match starts before this
    while (true) {
        std::string_view have = as_text(rbuf_, begin_, end_);
        if (auto pos = have.find(delimiter, scanned); pos != std::string_view::npos) {
            std::string line(have.substr(0, pos + delimiter.size()));
            begin_ += line.size();
            if (begin_ == end_) begin_ = end_ = 0;
            co_return line;
        }
        if (have.size() >= limit)
            throw LimitOverrunError("corio::TcpStream::read_until: no delimiter in the first " +
                                    std::to_string(have.size()) + " bytes (limit " + std::to_string(limit) +
                                    ", peer " + peer_.to_string() + ")");
        scanned = have.size() >= delimiter.size() ? have.size() - delimiter.size() + 1 : 0;
        if (co_await fill(kReadAhead, "read_until") == 0) {
            std::string partial(as_text(rbuf_, begin_, end_));
            begin_ = end_ = 0;
            throw IncompleteReadError("corio::TcpStream::read_until: end of stream after " +
                                          std::to_string(partial.size()) + " bytes without the delimiter (peer " +
                                          peer_.to_string() + ")",
                                      std::move(partial));
        }
    }
}

Coro<void> TcpStream::write_all(std::span<const std::byte> data) {
    SocketOp use(fd_, "corio::TcpStream::write_all");
    // On a worker with its own ring the send joins the worker's next batch
    // (no syscall of its own); else try it at once: a socket buffer with
    // room (the usual case) takes it without a round trip through the reactor.
    const bool batched = detail::has_worker_ring();
    while (!data.empty()) {
        const std::size_t chunk = std::min(data.size(), kMaxChunk);
        ssize_t n = -1;
        if (!batched) {
            n = ::send(use.fd(), data.data(), chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) fail(errno, "write_all");
        }
        if (n < 0) {
            // Batched, or the buffer is full: io_uring sends (waiting for room).
            int r = co_await UringAwaiter(detail::make_socket_op(IoOp::Code::send, use.fd(),
                                                                 const_cast<std::byte*>(data.data()),
                                                                 static_cast<unsigned>(chunk), 0));
            if (!is_open()) break;  // finish() below says so
            if (r < 0) fail(-r, "write_all");
            n = r;
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
    if (use.finish()) closed_meanwhile("write_all");
}

Coro<void> TcpStream::write_all(std::string_view text) {
    co_await write_all(std::as_bytes(std::span(text.data(), text.size())));
}

void TcpStream::shutdown() {
    if (::shutdown(fd_.checked("corio::TcpStream::shutdown"), SHUT_WR) < 0) fail(errno, "shutdown");
}

void TcpStream::set_nodelay(bool on) {
    int value = on ? 1 : 0;
    if (::setsockopt(fd_.checked("corio::TcpStream::set_nodelay"), IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) < 0)
        fail(errno, "set_nodelay");
}

SocketAddress TcpStream::local_address() const {
    SocketAddress a;
    socklen_t size = SocketAddress::capacity();
    if (::getsockname(fd_.checked("corio::TcpStream::local_address"), a.native(), &size) < 0)
        fail(errno, "local_address");
    a.set_native_size(size);
    return a;
}

}  // namespace corio
