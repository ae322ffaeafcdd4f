// UDP on the io_uring reactors: UdpSocket binds to an address, sends
// datagrams to any address (send_to) or to the one it connected to (send),
// and receives them with their sender (recv_from). Calls suspend only the
// awaiting task; failures throw std::system_error with the errno and the
// addresses; a closed or moved-from socket throws InvalidStateError.
// Cancelling a task in a call resumes it only once the kernel let go.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "corio/coro.hpp"
#include "corio/io/detail/socket_fd.hpp"
#include "corio/socket_address.hpp"

namespace corio {

class UdpSocket {
public:
    struct Received {
        std::size_t size = 0;  // bytes stored in the buffer
        SocketAddress sender;
        bool truncated = false;  // the datagram was longer than the buffer
    };

    UdpSocket() noexcept = default;  // closed
    UdpSocket(UdpSocket&&) noexcept = default;
    UdpSocket& operator=(UdpSocket&&) noexcept = default;
    ~UdpSocket() = default;

    // Binds to "ip:port" (port 0: a free one; see local_address()).
    static UdpSocket bind(std::string_view address);
    static UdpSocket bind(const SocketAddress& address);

    // Optional: fixes the peer for send() and filters what arrives to it.
    void connect(std::string_view address);
    void connect(const SocketAddress& address);

    // One datagram; gives the bytes sent (all of them, for UDP).
    Coro<std::size_t> send_to(std::span<const std::byte> data, SocketAddress to);
    Coro<std::size_t> send(std::span<const std::byte> data);
    // One datagram and who sent it.
    Coro<Received> recv_from(std::span<std::byte> buffer);

    // An operation another task waits on ends with InvalidStateError.
    void close() noexcept { fd_.close(); }
    bool is_open() const noexcept { return fd_.is_open(); }
    int native_handle() const noexcept { return fd_.native_handle(); }
    const SocketAddress& local_address() const noexcept { return local_; }

private:
    detail::SocketFd fd_;
    SocketAddress local_;
    SocketAddress peer_;  // empty unless connected
};

}  // namespace corio
