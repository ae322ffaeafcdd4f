// getaddrinfo(3) into SocketAddresses, with its EAI_* codes as system_error.
#include "resolver.hpp"

#include <netdb.h>

#include <cerrno>
#include <memory>
#include <system_error>

namespace corio::detail {
namespace {

class GaiCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "getaddrinfo"; }
    std::string message(int code) const override { return ::gai_strerror(code); }
};

const GaiCategory gai_category{};

}  // namespace

std::vector<SocketAddress> resolve(const std::string& host, std::uint16_t port, int socktype) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    // No AI_ADDRCONFIG: it ignores loopback, so on a host with no other
    // address (a sandbox) "localhost" would not resolve at all.
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
    const std::string what = "corio: cannot resolve \"" + host + "\"";
    if (rc == EAI_SYSTEM) throw std::system_error(errno, std::system_category(), what);
    if (rc != 0) throw std::system_error(rc, gai_category, what);
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(found, &::freeaddrinfo);
    std::vector<SocketAddress> out;
    for (addrinfo* ai = found; ai; ai = ai->ai_next)
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
            out.push_back(SocketAddress::from_native(ai->ai_addr, ai->ai_addrlen));
    if (out.empty()) throw std::system_error(EAI_NONAME, gai_category, what + " to an IPv4 or IPv6 address");
    return out;
}

}  // namespace corio::detail
