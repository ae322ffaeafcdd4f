// SocketAddress: an IPv4 or IPv6 address with a port, as the socket calls
// take it. parse() reads the numeric forms "127.0.0.1:8080" and "[::1]:0"
// (host names are resolved by TcpStream::connect, never here, so parsing
// never blocks); a malformed string throws std::system_error(EINVAL) that
// quotes it. to_string() prints the same forms back.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corio {

class SocketAddress {
public:
    SocketAddress() noexcept = default;  // empty: family() == AF_UNSPEC

    // "a.b.c.d:port" or "[v6]:port"; throws std::system_error(EINVAL).
    static SocketAddress parse(std::string_view text);
    // A numeric host ("10.0.0.1", "::1" or "[::1]") and a port; nullopt
    // when `host` is no numeric address (a name to resolve).
    static std::optional<SocketAddress> from_ip(std::string_view host, std::uint16_t port);
    // Copies a sockaddr the kernel gave (AF_INET or AF_INET6).
    static SocketAddress from_native(const sockaddr* address, socklen_t size) noexcept;

    int family() const noexcept { return storage_.ss_family; }
    bool empty() const noexcept { return family() == AF_UNSPEC; }
    std::uint16_t port() const noexcept;
    // The address without the port: "127.0.0.1", "::1".
    std::string ip() const;
    // "127.0.0.1:8080", "[::1]:8080"; "(none)" when empty.
    std::string to_string() const;

    const sockaddr* native() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
    sockaddr* native() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
    socklen_t native_size() const noexcept { return size_; }
    // For calls that fill native(): the room there, then set_native_size().
    static constexpr socklen_t capacity() noexcept { return sizeof(sockaddr_storage); }
    void set_native_size(socklen_t size) noexcept { size_ = size; }

    friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

private:
    sockaddr_storage storage_{};
    socklen_t size_ = 0;
};

}  // namespace corio
