// Parsing and printing socket addresses (numeric forms only: no resolver).
#include "corio/socket_address.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

namespace corio {
namespace {

[[noreturn]] void bad_address(std::string_view text, const char* why) {
    throw std::system_error(EINVAL, std::system_category(),
                            "corio: bad socket address \"" + std::string(text) + "\" (" + why +
                                "; expected \"127.0.0.1:8080\" or \"[::1]:8080\")");
}

}  // namespace

std::optional<SocketAddress> SocketAddress::from_ip(std::string_view host, std::uint16_t port) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    // inet_pton wants a terminated string; addresses are short.
    char text[INET6_ADDRSTRLEN + 1];
    if (host.empty() || host.size() >= sizeof text) return std::nullopt;
    std::memcpy(text, host.data(), host.size());
    text[host.size()] = '\0';
    SocketAddress a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
    if (::inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.size_ = sizeof(sockaddr_in);
        return a;
    }
    if (::inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.size_ = sizeof(sockaddr_in6);
        return a;
    }
    return std::nullopt;
}

SocketAddress SocketAddress::parse(std::string_view text) {
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) bad_address(text, "no closing ']'");
        if (close + 1 >= text.size() || text[close + 1] != ':') bad_address(text, "no ':port' after ']'");
        host = text.substr(0, close + 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) bad_address(text, "no ':port'");
        host = text.substr(0, colon);
        if (host.find(':') != std::string_view::npos) bad_address(text, "an IPv6 address needs [brackets]");
        port = text.substr(colon + 1);
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
        bad_address(text, "the port is not a number from 0 to 65535");
    auto a = from_ip(host, static_cast<std::uint16_t>(value));
    if (!a) bad_address(text, "the host is no numeric IPv4 or IPv6 address");
    return *a;
}

SocketAddress SocketAddress::from_native(const sockaddr* address, socklen_t size) noexcept {
    SocketAddress a;
    if (size > sizeof a.storage_) size = sizeof a.storage_;
    std::memcpy(&a.storage_, address, size);
    a.size_ = size;
    return a;
}

std::uint16_t SocketAddress::port() const noexcept {
    if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    return 0;
}

std::string SocketAddress::ip() const {
    char text[INET6_ADDRSTRLEN] = "";
    if (family() == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, text, sizeof text);
    else if (family() == AF_INET6)
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, text, sizeof text);
    return text;
}

std::string SocketAddress::to_string() const {
    if (family() == AF_INET) return ip() + ":" + std::to_string(port());
    if (family() == AF_INET6) return "[" + ip() + "]:" + std::to_string(port());
    return "(none)";
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
    return a.size_ == b.size_ && std::memcmp(&a.storage_, &b.storage_, a.size_) == 0;
}

}  // namespace corio
