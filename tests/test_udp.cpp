// UDP on io_uring: datagrams round-trip between bound sockets with their
// sender's address; a connected socket sends without an address; a datagram
// longer than the buffer says so; bad addresses throw system_error; closed
// sockets refuse use; a cancelled or closed-on recv_from ends cleanly.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include <corio/timers.hpp>
#include <corio/udp.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using corio::UdpSocket;
using corio_test::run_bounded;

namespace {

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
std::string text(std::span<const std::byte> b, std::size_t n) { return {reinterpret_cast<const char*>(b.data()), n}; }

}  // namespace

TEST_CASE("datagrams round-trip with their sender's address", "[udp]") {
    const int rounds = 200 / corio_test::kScale;
    struct Seen {
        int echoed = 0;
        bool sender_ok = true;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        UdpSocket server = UdpSocket::bind("127.0.0.1:0");
        UdpSocket client = UdpSocket::bind("127.0.0.1:0");
        auto echo = [](UdpSocket& s, int n) -> corio::Coro<void> {
            std::vector<std::byte> buf(2048);
            for (int i = 0; i < n; ++i) {
                UdpSocket::Received got = co_await s.recv_from(buf);
                co_await s.send_to(std::span(buf).first(got.size), got.sender);
            }
        };
        auto server_task = corio::spawn(echo(server, rounds));
        std::vector<std::byte> buf(2048);
        // One datagram in flight at a time: loopback UDP does not lose them
        // while the receiver's buffer has room.
        for (int i = 0; i < rounds; ++i) {
            std::string msg = "datagram " + std::to_string(i) + std::string(static_cast<std::size_t>(i), '.');
            co_await client.send_to(bytes(msg), server.local_address());
            UdpSocket::Received got = co_await client.recv_from(buf);
            if (text(buf, got.size) == msg) ++seen.echoed;
            if (!(got.sender == server.local_address())) seen.sender_ok = false;
        }
        co_await server_task;
    };
    run_bounded(main(), {.workers = 2});
    CHECK(seen.echoed == rounds);
    CHECK(seen.sender_ok);
}

TEST_CASE("a connected socket sends without an address; truncation is reported", "[udp]") {
    struct Seen {
        std::string got;
        bool truncated = false;
        std::size_t size = 0;
        int unconnected_code = 0;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        UdpSocket a = UdpSocket::bind("127.0.0.1:0");
        UdpSocket b = UdpSocket::bind("127.0.0.1:0");
        a.connect(b.local_address());
        co_await a.send(bytes("hello over udp"));
        std::vector<std::byte> small(5);
        UdpSocket::Received got = co_await b.recv_from(small);
        seen.got = text(small, got.size);
        seen.truncated = got.truncated;
        seen.size = got.size;
        try {
            co_await b.send(bytes("nowhere"));  // b is not connected
        } catch (const std::system_error& e) {
            seen.unconnected_code = e.code().value();
        }
    };
    run_bounded(main(), {.workers = 1});
    CHECK(seen.got == "hello");
    CHECK(seen.truncated);
    CHECK(seen.size == 5);
    CHECK(seen.unconnected_code == EDESTADDRREQ);
}

TEST_CASE("UDP: bad addresses throw; closed sockets refuse use; close and cancel end a recv", "[udp][cancel]") {
    try {
        UdpSocket::bind("127.0.0.1:port");
        FAIL("bound a bad address");
    } catch (const std::system_error& e) {
        CHECK(e.code().value() == EINVAL);
        CHECK(std::string(e.what()).find("127.0.0.1:port") != std::string::npos);
    }
    const int n = 100 / corio_test::kScale;
    struct Seen {
        int refused = 0, closed_wake = 0, cancelled = 0;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        UdpSocket s = UdpSocket::bind("127.0.0.1:0");
        auto recv_one = [](UdpSocket& sock) -> corio::Coro<void> {
            std::vector<std::byte> buf(64);  // in this frame: must outlive the kernel's use
            co_await sock.recv_from(buf);
        };
        std::vector<corio::Task<void>> tasks;
        for (int i = 0; i < n; ++i) tasks.push_back(corio::spawn(recv_one(s)));
        co_await corio::sleep(1ms);
        for (auto& t : tasks) t.cancel();
        for (auto& t : tasks) {
            try {
                co_await t;
            } catch (const corio::CancelledError&) {
                ++seen.cancelled;
            }
        }
        auto waiting = corio::spawn(recv_one(s));
        co_await corio::sleep(1ms);
        s.close();
        try {
            co_await waiting;
        } catch (const corio::InvalidStateError&) {
            ++seen.closed_wake;
        }
        std::vector<std::byte> buf(8);
        try {
            co_await s.recv_from(buf);
        } catch (const corio::InvalidStateError&) {
            ++seen.refused;
        }
        try {
            co_await s.send_to(bytes("x"), s.local_address());
        } catch (const corio::InvalidStateError&) {
            ++seen.refused;
        }
    };
    run_bounded(main(), {.workers = 2});
    CHECK(seen.cancelled == n);
    CHECK(seen.closed_wake == 1);
    CHECK(seen.refused == 2);
}
