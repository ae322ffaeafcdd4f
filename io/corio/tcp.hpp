// TCP on the io_uring reactors: TcpListener (bind, accept) and TcpStream
// (connect, reads, writes, shutdown, close). Every call suspends only the
// awaiting task. Failures throw std::system_error with the errno and the
// addresses in the message; a peer's orderly close is end of stream (read_some
// gives 0; read_exact/read_until throw IncompleteReadError); a reset gives
// ECONNRESET or EPIPE, never SIGPIPE. A closed or moved-from socket throws
// InvalidStateError. Cancelling a task in a call resumes it (CancelledError)
// only once the kernel has let go of its buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "corio/coro.hpp"
#include "corio/errors.hpp"
#include "corio/io/detail/socket_fd.hpp"
#include "corio/socket_address.hpp"

namespace corio {

// asyncio.IncompleteReadError: the stream ended before read_exact or
// read_until had what it needed. partial() holds what did arrive.
class IncompleteReadError : public Error {
public:
    IncompleteReadError(const std::string& message, std::string partial)
        : Error(message), partial_(std::move(partial)) {}
    const std::string& partial() const noexcept { return partial_; }

private:
    std::string partial_;
};

// asyncio.LimitOverrunError: read_until found no delimiter within its limit.
class LimitOverrunError : public Error {
public:
    using Error::Error;
};

class TcpStream {
public:
    TcpStream() noexcept = default;  // closed
    TcpStream(TcpStream&&) noexcept = default;
    TcpStream& operator=(TcpStream&&) noexcept = default;
    // Closes a still-open stream (close(2): FIN, or RST if unread data remains).
    ~TcpStream() = default;

    // Connects to `host` (a numeric IPv4/IPv6 address, or a name resolved on
    // the blocking pool, never on a worker), trying each of its addresses.
    static Coro<TcpStream> connect(std::string host, std::uint16_t port);
    static Coro<TcpStream> connect(SocketAddress address);

    // One receive: the bytes read (bytes read_until buffered come first), 0
    // at end of stream.
    Coro<std::size_t> read_some(std::span<std::byte> buffer);
    // Exactly buffer.size() bytes, or IncompleteReadError at end of stream.
    Coro<void> read_exact(std::span<std::byte> buffer);
    // Up to and including the first `delimiter`; bytes after it stay buffered
    // for the next read. IncompleteReadError at end of stream before it,
    // LimitOverrunError when `limit` bytes hold none.
    Coro<std::string> read_until(std::string_view delimiter, std::size_t limit = 64 * 1024);
    // All of `data`, in as many sends as it takes.
    Coro<void> write_all(std::span<const std::byte> data);
    Coro<void> write_all(std::string_view text);

    // Ends the write half (the peer reads end of stream); reads go on.
    void shutdown();
    // Closes the stream; an operation another task waits on in it ends with
    // InvalidStateError. Closing a closed stream does nothing.
    void close() noexcept { fd_.close(); }
    void set_nodelay(bool on = true);

    bool is_open() const noexcept { return fd_.is_open(); }
    int native_handle() const noexcept { return fd_.native_handle(); }
    const SocketAddress& peer_address() const noexcept { return peer_; }
    SocketAddress local_address() const;

private:
    friend class TcpListener;
    TcpStream(int fd, const SocketAddress& peer) noexcept : fd_(fd), peer_(peer) {}
    // One recv into the internal buffer (grown to hold `want` more bytes).
    Coro<std::size_t> fill(std::size_t want, const char* what);
    std::size_t buffered() const noexcept { return end_ - begin_; }
    std::size_t take_buffered(std::span<std::byte> into) noexcept;
    [[noreturn]] void fail(int error, const char* what) const;

    detail::SocketFd fd_;
    SocketAddress peer_;
    // Bytes received but not yet read (read_until's read-ahead): [begin_, end_).
    std::vector<std::byte> rbuf_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    // The last recv returned less than it asked for, so the socket was
    // empty after it: the next recv arms its poll before trying.
    bool drained_ = false;
};

class TcpListener {
public:
    TcpListener() noexcept = default;  // closed
    TcpListener(TcpListener&&) noexcept = default;
    TcpListener& operator=(TcpListener&&) noexcept = default;
    ~TcpListener() = default;

    // Listens on "ip:port" ("127.0.0.1:8080", "[::1]:0"; port 0 picks a free
    // one, see port()). SO_REUSEADDR is set. Needs no runtime.
    static TcpListener bind(std::string_view address, int backlog = 1024);
    static TcpListener bind(const SocketAddress& address, int backlog = 1024);

    // The next connection. Closing the listener from another task ends a
    // waiting accept with InvalidStateError.
    Coro<TcpStream> accept();

    void close() noexcept { fd_.close(); }
    bool is_open() const noexcept { return fd_.is_open(); }
    int native_handle() const noexcept { return fd_.native_handle(); }
    const SocketAddress& local_address() const noexcept { return local_; }
    std::uint16_t port() const noexcept { return local_.port(); }

private:
    detail::SocketFd fd_;
    SocketAddress local_;
};

}  // namespace corio
