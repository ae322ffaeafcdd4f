// Host name resolution with getaddrinfo(3). It blocks, so callers run it on
// the blocking pool (corio::to_thread), never on a worker. Failures throw
// std::system_error in a "getaddrinfo" category (gai_strerror's messages),
// or with the errno for EAI_SYSTEM, and the message names the host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "corio/socket_address.hpp"

namespace corio::detail {

// The addresses of `host` for sockets of `socktype` (SOCK_STREAM or
// SOCK_DGRAM), in getaddrinfo's order; never empty.
std::vector<SocketAddress> resolve(const std::string& host, std::uint16_t port, int socktype);

}  // namespace corio::detail
