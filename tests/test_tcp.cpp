// TCP on io_uring: an echo of random data over many concurrent connections
// loses nothing; read_until/read_exact keep the bytes after what they
// return; end of stream and peer resets give their documented outcomes (and
// no SIGPIPE); bad addresses and refused connects throw system_error naming
// the address; closed sockets refuse use; closing wakes a waiting task; and
// tasks cancelled in accept or read resume only after the kernel answered.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <corio/tcp.hpp>
#include <corio/timers.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using corio::TcpListener;
using corio::TcpStream;
using corio_test::run_bounded;

namespace {

std::vector<std::byte> random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

// A connected pair on the loopback: {client, server}. connect completes on
// the handshake, before accept takes the connection from the backlog.
struct Pair {
    TcpStream client;
    TcpStream server;
};
corio::Coro<Pair> connected_pair() {
    TcpListener listener = TcpListener::bind("127.0.0.1:0");
    Pair p;
    p.client = co_await TcpStream::connect("127.0.0.1", listener.port());
    p.server = co_await listener.accept();
    co_return p;
}

// One read that is meant to be cancelled: counts the CancelledError (and
// passes it on) in `cancelled`, and the reads begun in `waiting`.
corio::Coro<void> read_once(TcpStream& s, std::atomic<int>& cancelled, std::atomic<int>* waiting = nullptr) {
    std::vector<std::byte> buf(512);  // in this frame: must outlive the kernel's use
    if (waiting) ++*waiting;
    try {
        co_await s.read_some(buf);
    } catch (const corio::CancelledError&) {
        ++cancelled;
        throw;
    }
}

corio::Coro<void> echo(TcpStream connection) {
    // A parameter lives as long as the task's frame (until its last handle
    // goes): a local closes the stream when the body ends.
    TcpStream s = std::move(connection);
    std::vector<std::byte> buf(16 * 1024);
    while (std::size_t n = co_await s.read_some(buf)) co_await s.write_all(std::span(buf).first(n));
}

// Writes `data` in chunks of random sizes, then ends the write half.
corio::Coro<void> write_chunks(TcpStream& s, const std::vector<std::byte>& data, unsigned seed) {
    std::mt19937 rng(seed);
    std::span<const std::byte> rest(data);
    while (!rest.empty()) {
        std::size_t n = std::min<std::size_t>(rest.size(), 1 + rng() % 20000);
        co_await s.write_all(rest.first(n));
        rest = rest.subspan(n);
    }
    s.shutdown();
}

}  // namespace

TEST_CASE("echo of random data over many concurrent connections loses nothing", "[tcp][stress]") {
    // Through the workers' own rings, and through the reactor thread.
    const bool worker_rings = GENERATE(true, false);
    CAPTURE(worker_rings);
    const int connections = 64 / corio_test::kScale;
    const std::size_t size = 256 * 1024;
    std::atomic<int> intact{0};
    // Made before the runtime starts: a task should not compute for long
    // without suspending (the sanitizers make this slow).
    std::vector<std::vector<std::byte>> sent;
    for (int i = 0; i < connections; ++i) sent.push_back(random_bytes(size, 100 + i));
    auto client = [&](std::uint16_t port, unsigned seed) -> corio::Coro<void> {
        TcpStream s = co_await TcpStream::connect("127.0.0.1", port);
        const auto& data = sent[seed - 100];
        // Writing and reading at once: the server echoes as it reads, so a
        // client that wrote everything first would fill both socket buffers.
        auto writer = corio::spawn(write_chunks(s, data, seed));
        std::vector<std::byte> got;
        got.reserve(size);
        std::vector<std::byte> buf(1 + seed % 9000);
        while (std::size_t n = co_await s.read_some(buf)) got.insert(got.end(), buf.begin(), buf.begin() + n);
        co_await writer;
        if (got == data) ++intact;
    };
    auto main = [&]() -> corio::Coro<void> {
        TcpListener listener = TcpListener::bind("127.0.0.1:0", connections);
        std::vector<corio::Task<void>> tasks;
        for (int i = 0; i < connections; ++i) tasks.push_back(corio::spawn(client(listener.port(), 100 + i)));
        std::vector<corio::Task<void>> echoes;
        for (int i = 0; i < connections; ++i) echoes.push_back(corio::spawn(echo(co_await listener.accept())));
        for (auto& t : tasks) co_await t;
        for (auto& t : echoes) co_await t;
    };
    run_bounded(main(), {.workers = 8, .worker_rings = worker_rings});  // 4x oversubscribed on 2 cores
    CHECK(intact == connections);
}

TEST_CASE("read_until and read_exact keep what follows in the buffer", "[tcp]") {
    struct Seen {
        std::string head, body, tail, partial;
        std::size_t after_eof = 99;
        bool incomplete = false;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        Pair p = co_await connected_pair();
        // In pieces that split the delimiter, then the body and more in one.
        co_await p.client.write_all("GET / HTTP/1.1\r\nHost: x\r");
        co_await p.client.write_all("\n\r");
        co_await p.client.write_all("\nabcdefXYZ;rest-without-delimiter");
        p.client.shutdown();
        seen.head = co_await p.server.read_until("\r\n\r\n");
        std::vector<std::byte> body(6);
        co_await p.server.read_exact(body);
        seen.body.assign(reinterpret_cast<const char*>(body.data()), body.size());
        seen.tail = co_await p.server.read_until(";");
        try {
            co_await p.server.read_until("\n");
        } catch (const corio::IncompleteReadError& e) {
            seen.incomplete = true;
            seen.partial = e.partial();
        }
        std::vector<std::byte> buf(8);
        seen.after_eof = co_await p.server.read_some(buf);
    };
    run_bounded(main(), {.workers = 2});
    CHECK(seen.head == "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(seen.body == "abcdef");
    CHECK(seen.tail == "XYZ;");
    CHECK(seen.incomplete);
    CHECK(seen.partial == "rest-without-delimiter");
    CHECK(seen.after_eof == 0);
}

TEST_CASE("read_until refuses a line longer than its limit", "[tcp]") {
    bool overrun = false;
    auto main = [&]() -> corio::Coro<void> {
        Pair p = co_await connected_pair();
        co_await p.client.write_all(std::string(5000, 'a'));
        try {
            co_await p.server.read_until("\n", 1000);
        } catch (const corio::LimitOverrunError&) {
            overrun = true;
        }
    };
    run_bounded(main(), {.workers = 1});
    CHECK(overrun);
}

TEST_CASE("end of stream: read_some gives 0, read_exact throws with what arrived", "[tcp]") {
    struct Seen {
        std::size_t eof = 99;
        std::string partial, what;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        Pair a = co_await connected_pair();
        a.client.close();
        std::vector<std::byte> buf(16);
        seen.eof = co_await a.server.read_some(buf);

        Pair b = co_await connected_pair();
        co_await b.client.write_all("half");
        b.client.close();
        try {
            co_await b.server.read_exact(buf);
        } catch (const corio::IncompleteReadError& e) {
            seen.partial = e.partial();
            seen.what = e.what();
        }
    };
    run_bounded(main(), {.workers = 2});
    CHECK(seen.eof == 0);
    CHECK(seen.partial == "half");
    CHECK(seen.what.find("4 of 16") != std::string::npos);
}

TEST_CASE("a peer reset gives ECONNRESET, then EPIPE on write, never SIGPIPE", "[tcp]") {
    struct Seen {
        int read_code = 0, write_code = 0;
        bool linger_set = false;
        std::string what;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        Pair p = co_await connected_pair();
        co_await p.client.write_all("unread");  // unread data makes close send RST too
        linger hard{1, 0};  // SO_LINGER 0: close sends RST, not FIN
        seen.linger_set = ::setsockopt(p.server.native_handle(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard) == 0;
        p.server.close();
        std::vector<std::byte> buf(16);
        try {
            co_await p.client.read_some(buf);
        } catch (const std::system_error& e) {
            seen.read_code = e.code().value();
            seen.what = e.what();
        }
        try {
            for (int i = 0; i < 100; ++i) co_await p.client.write_all(std::string(4096, 'x'));
        } catch (const std::system_error& e) {
            seen.write_code = e.code().value();
        }
    };
    run_bounded(main(), {.workers = 2});
    REQUIRE(seen.linger_set);
    CHECK(seen.read_code == ECONNRESET);
    CHECK(seen.what.find("127.0.0.1:") != std::string::npos);
    CHECK((seen.write_code == EPIPE || seen.write_code == ECONNRESET));
}

TEST_CASE("bad addresses, busy ports and refused connects give system_error naming the address", "[tcp]") {
    for (const char* bad : {"nonsense", "127.0.0.1", "127.0.0.1:", "1.2.3.4:99999", "[::1:80", "::1:80",
                            "localhost:80", "127.0.0.1:8x"}) {
        INFO(bad);
        try {
            TcpListener::bind(bad);
            FAIL("bind accepted a bad address");
        } catch (const std::system_error& e) {
            CHECK(e.code().value() == EINVAL);
            CHECK(std::string(e.what()).find(bad) != std::string::npos);
        }
    }
    TcpListener taken = TcpListener::bind("127.0.0.1:0");
    try {
        TcpListener::bind("127.0.0.1:" + std::to_string(taken.port()));
        FAIL("bound a port in use");
    } catch (const std::system_error& e) {
        CHECK(e.code().value() == EADDRINUSE);
    }

    // A port nobody listens on: bind one, then let it go.
    std::uint16_t free_port = TcpListener::bind("127.0.0.1:0").port();
    struct Seen {
        int code = 0;
        std::string what;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        try {
            co_await TcpStream::connect("127.0.0.1", free_port);
        } catch (const std::system_error& e) {
            seen.code = e.code().value();
            seen.what = e.what();
        }
    };
    run_bounded(main(), {.workers = 1});
    CHECK(seen.code == ECONNREFUSED);
    CHECK(seen.what.find("127.0.0.1:" + std::to_string(free_port)) != std::string::npos);
}

TEST_CASE("connect resolves localhost off the workers; IPv6 loopback works", "[tcp]") {
    struct Seen {
        std::string reply;
        bool v6 = false;
        std::string v6_reply;
        std::string peer;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        TcpListener listener = TcpListener::bind("127.0.0.1:0");
        TcpStream c = co_await TcpStream::connect("localhost", listener.port());
        TcpStream s = co_await listener.accept();
        seen.peer = s.peer_address().to_string();
        co_await c.write_all("hi\n");
        seen.reply = co_await s.read_until("\n");
        TcpListener v6;
        try {
            v6 = TcpListener::bind("[::1]:0");
        } catch (const std::system_error&) {
            co_return;  // no IPv6 on this host
        }
        seen.v6 = true;
        TcpStream c6 = co_await TcpStream::connect("::1", v6.port());
        TcpStream s6 = co_await v6.accept();
        co_await s6.write_all("v6\n");
        seen.v6_reply = co_await c6.read_until("\n");
        if (c6.peer_address().to_string() != "[::1]:" + std::to_string(v6.port())) seen.v6_reply = "bad peer";
    };
    run_bounded(main(), {.workers = 2});
    CHECK(seen.reply == "hi\n");
    CHECK(seen.peer.rfind("127.0.0.1:", 0) == 0);
    if (seen.v6) CHECK(seen.v6_reply == "v6\n");
}

TEST_CASE("closed and moved-from sockets refuse use", "[tcp]") {
    int refused = 0;
    auto main = [&]() -> corio::Coro<void> {
        Pair p = co_await connected_pair();
        p.client.close();
        p.client.close();  // twice is fine
        std::vector<std::byte> buf(4);
        try {
            co_await p.client.read_some(buf);
        } catch (const corio::InvalidStateError&) {
            ++refused;
        }
        try {
            co_await p.client.write_all("x");
        } catch (const corio::InvalidStateError&) {
            ++refused;
        }
        try {
            p.client.set_nodelay();
        } catch (const corio::InvalidStateError&) {
            ++refused;
        }
        TcpStream moved = std::move(p.server);
        try {
            co_await p.server.read_exact(buf);
        } catch (const corio::InvalidStateError&) {
            ++refused;
        }
        TcpListener l = TcpListener::bind("127.0.0.1:0");
        l.close();
        try {
            co_await l.accept();
        } catch (const corio::InvalidStateError&) {
            ++refused;
        }
    };
    run_bounded(main(), {.workers = 1});
    CHECK(refused == 5);
}

TEST_CASE("closing a socket wakes the task waiting on it", "[tcp]") {
    int woken = 0;
    auto wait_accept = [](TcpListener& l) -> corio::Coro<void> { co_await l.accept(); };
    auto wait_read = [](TcpStream& s) -> corio::Coro<void> {
        std::vector<std::byte> buf(8);
        co_await s.read_some(buf);
    };
    auto main = [&]() -> corio::Coro<void> {
        TcpListener l = TcpListener::bind("127.0.0.1:0");
        auto a = corio::spawn(wait_accept(l));
        Pair p = co_await connected_pair();
        auto r = corio::spawn(wait_read(p.server));
        co_await corio::sleep(2ms);  // let both reach the kernel (correct either way)
        l.close();
        p.server.close();
        for (auto* t : {&a, &r}) {
            try {
                co_await *t;
            } catch (const corio::InvalidStateError&) {
                ++woken;
            }
        }
    };
    run_bounded(main(), {.workers = 2});
    CHECK(woken == 2);
}

TEST_CASE("a plain thread cancels a read in a worker's ring; shutdown cancels the reads left", "[tcp][cancel]") {
    // The reads wait in their workers' own rings: the cancel from a thread
    // that is no worker goes through the ring's inbox, and the runtime's
    // shutdown reaches the ring through its list of rings.
    std::atomic<int> waiting{0}, cancelled{0};
    std::uint64_t in_flight = 0;
    bool cancel_seen = false;
    corio_test::bounded([&] {
        Pair p, q;  // outlive the runtime: its shutdown, not a close, must end `left`
        corio::Runtime rt(corio::Options{.workers = 2});
        p = rt.block_on(connected_pair());
        q = rt.block_on(connected_pair());
        corio::Task<void> first = rt.spawn(read_once(p.server, cancelled, &waiting));
        corio::Task<void> left = rt.spawn(read_once(q.server, cancelled, &waiting));
        while (waiting < 2) std::this_thread::sleep_for(1ms);
        // Both reads reach the kernel (the count says so) before the cancel.
        for (int i = 0; i < 2000 && (in_flight = rt.metrics().io_in_flight) < 2; ++i)
            std::this_thread::sleep_for(1ms);
        std::thread([&] { first.cancel(); }).join();
        cancel_seen = rt.block_on([](corio::Task<void>& t) -> corio::Coro<bool> {
            try {
                co_await t;
            } catch (const corio::CancelledError&) {
                co_return true;
            }
            co_return false;
        }(first));
        // `left` still waits; the runtime's end cancels it.
    });
    CHECK(in_flight == 2);
    CHECK(cancel_seen);
    CHECK(cancelled == 2);
}

TEST_CASE("plain threads cancel reads while the runtime shuts down", "[tcp][cancel][stress]") {
    // A cancel from a plain thread may reach a read whose task then ends,
    // and the runtime's shutdown may finish meanwhile: it keeps the rings
    // and reactors open until that cancel is out (ASan and TSan in CI). The
    // handles outlive the runtime, as asyncio's tasks outlive their loop.
    const bool worker_rings = GENERATE(true, false);
    CAPTURE(worker_rings);
    const int rounds = 40 / corio_test::kScale;
    constexpr int kReads = 4;
    std::atomic<int> cancelled{0};
    int all_cancelled = 0;
    corio_test::bounded([&] {
        for (int round = 0; round < rounds; ++round) {
            std::vector<corio::Task<void>> tasks;
            std::vector<Pair> pairs(kReads);
            std::atomic<bool> go{false};
            std::thread canceller;
            {
                corio::Runtime rt(corio::Options{.workers = 2, .worker_rings = worker_rings});
                for (auto& p : pairs) p = rt.block_on(connected_pair());
                for (auto& p : pairs) tasks.push_back(rt.spawn(read_once(p.server, cancelled)));
                for (int i = 0; i < 2000 && rt.metrics().io_in_flight < kReads; ++i)
                    std::this_thread::sleep_for(1ms);
                canceller = std::thread([&] {
                    while (!go.load()) std::this_thread::yield();
                    // Last first: the shutdown is on the first ones by then.
                    for (auto it = tasks.rbegin(); it != tasks.rend(); ++it) it->cancel();
                });
                go = true;
            }  // the shutdown races the cancels
            canceller.join();
            int n = 0;
            for (auto& t : tasks) n += t.cancelled();
            if (n == kReads) ++all_cancelled;
        }
    });
    CHECK(all_cancelled == rounds);
    CHECK(cancelled == rounds * kReads);
}

TEST_CASE("cancel storm: accepts and reads cancelled at every stage", "[tcp][cancel][stress]") {
    const bool worker_rings = GENERATE(true, false);
    CAPTURE(worker_rings);
    const int n = 300 / corio_test::kScale;
    std::atomic<int> cancelled{0};
    auto acceptor = [&](TcpListener& l) -> corio::Coro<void> {
        try {
            co_await l.accept();
        } catch (const corio::CancelledError&) {
            ++cancelled;
            throw;
        }
    };
    struct Seen {
        int done = 0;
        std::string after;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        TcpListener l = TcpListener::bind("127.0.0.1:0");
        Pair p = co_await connected_pair();
        for (int round = 0; round < 3; ++round) {
            std::vector<corio::Task<void>> tasks;
            for (int i = 0; i < n; ++i)
                tasks.push_back(i % 2 ? corio::spawn(acceptor(l)) : corio::spawn(read_once(p.server, cancelled)));
            // Some before they start, some while queued, most in the kernel.
            for (int i = 0; i < n; i += 3) tasks[static_cast<std::size_t>(i)].cancel();
            co_await corio::yield_now();
            for (int i = 1; i < n; i += 3) tasks[static_cast<std::size_t>(i)].cancel();
            co_await corio::sleep(1ms);
            for (auto& t : tasks) t.cancel();
            for (auto& t : tasks) {
                try {
                    co_await t;
                } catch (const corio::CancelledError&) {
                    ++seen.done;
                }
            }
        }
        // Both sockets still work.
        TcpStream c = co_await TcpStream::connect("127.0.0.1", l.port());
        TcpStream s = co_await l.accept();
        co_await c.write_all("ok");
        co_await p.client.write_all("fine\n");
        seen.after = co_await p.server.read_until("\n");
    };
    run_bounded(main(), {.workers = 3, .worker_rings = worker_rings});
    CHECK(seen.done == 3 * n);
    CHECK(cancelled <= 3 * n);
    CHECK(seen.after == "fine\n");
}

TEST_CASE("shutdown ends the write half only; nodelay and addresses", "[tcp]") {
    struct Seen {
        std::size_t server_eof = 99;
        std::string reply;
        bool addresses = false;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        Pair p = co_await connected_pair();
        p.client.set_nodelay();
        p.client.shutdown();
        std::vector<std::byte> buf(4);
        seen.server_eof = co_await p.server.read_some(buf);
        co_await p.server.write_all("still open\n");
        seen.reply = co_await p.client.read_until("\n");
        seen.addresses = p.client.local_address() == p.server.peer_address() &&
                         p.server.local_address() == p.client.peer_address();
    };
    run_bounded(main(), {.workers = 2});
    CHECK(seen.server_eof == 0);
    CHECK(seen.reply == "still open\n");
    CHECK(seen.addresses);
}
