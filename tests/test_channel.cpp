// corio::Channel and corio::oneshot: bounded MPMC send/recv with close
// (recv gives std::nullopt at end of stream, send on a closed channel throws
// ChannelClosed, waiting senders are released with it), capacity 0 as a
// rendezvous, try_send/try_recv; a cancelled recv() takes nothing; an MPMC
// storm with random cancellations conserves every item. oneshot: one value,
// or ChannelClosed when the sender goes without sending.
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sync_support.hpp"

using corio_test::k8x;
using corio_test::run_bounded;
using corio_test::until;

namespace {
corio::Coro<void> send_range(corio::Channel<int>& ch, int from, int n) {
    for (int i = from; i < from + n; ++i) co_await ch.send(i);
}
corio::Coro<std::optional<int>> recv_one(corio::Channel<int>& ch) { co_return co_await ch.recv(); }
}  // namespace

TEST_CASE("Channel: order, try_send/try_recv, close gives end of stream after the buffered items", "[channel]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        corio::Channel<int> ch(2);
        int r = 0;
        int v = 1;
        if (ch.try_send(v) && ch.try_send(2)) r += 1;
        int three = 3;
        if (!ch.try_send(three) && three == 3) r += 10;  // full: value untouched
        ch.close();
        try {
            co_await ch.send(4);
        } catch (const corio::ChannelClosed&) {
            r += 100;
        }
        auto a = co_await ch.recv();
        auto b = co_await ch.recv();
        auto end = co_await ch.recv();
        if (a == 1 && b == 2 && !end && ch.is_closed()) r += 1000;
        if (!ch.try_recv()) r += 10000;
        co_return r;
    }(), k8x);
    REQUIRE(result == 11111);
}

TEST_CASE("Channel: close releases waiting receivers (end) and senders (ChannelClosed)", "[channel]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        int r = 0;
        corio::Channel<int> empty(1);
        auto rx = corio::spawn(recv_one(empty));
        co_await until([&] { return empty.waiting_receivers() == 1; });
        empty.close();
        if (!co_await rx) r += 1;
        corio::Channel<int> full(1);
        co_await full.send(1);
        auto tx = corio::spawn(send_range(full, 2, 1));
        co_await until([&] { return full.waiting_senders() == 1; });
        full.close();
        try {
            co_await tx;
        } catch (const corio::ChannelClosed&) {
            r += 10;
        }
        if (co_await full.recv() == 1 && !co_await full.recv()) r += 100;
        co_return r;
    }(), k8x);
    REQUIRE(result == 111);
}

TEST_CASE("Channel: capacity 0 is a rendezvous", "[channel]") {
    bool ok = run_bounded([]() -> corio::Coro<bool> {
        corio::Channel<int> ch(0);
        int v = 5;
        bool good = !ch.try_send(v);  // nobody receiving
        auto tx = corio::spawn(send_range(ch, 0, 50));
        for (int i = 0; i < 50; ++i) good = good && co_await ch.recv() == i;
        co_await tx;
        co_return good && ch.size() == 0;
    }(), k8x);
    REQUIRE(ok);
}

TEST_CASE("Channel: a receiver cancelled after an item reached it gives the item back", "[channel][cancel]") {
    std::vector<int> got = run_bounded([]() -> corio::Coro<std::vector<int>> {
        corio::Channel<int> ch(1);
        auto a = corio::spawn(recv_one(ch));
        co_await until([&] { return ch.waiting_receivers() == 1; });
        co_await ch.send(7);  // handed to a, which has not run (one worker)
        a.cancel();
        std::vector<int> got;
        if (!co_await corio_test::was_cancelled(a)) got.push_back(-1);
        got.push_back(*co_await ch.recv());
        co_return got;
    }(), {.workers = 1});
    REQUIRE(got == std::vector<int>{7});
}

namespace {
struct Tally {
    std::atomic<long> sent_sum{0}, sent_n{0}, got_sum{0}, got_n{0};
};
corio::Coro<void> producer(corio::Channel<int>& ch, Tally& t, int from, int n) {
    for (int i = from; i < from + n; ++i) {
        co_await ch.send(i);
        t.sent_sum += i;
        ++t.sent_n;
    }
}
corio::Coro<void> consumer(corio::Channel<int>& ch, Tally& t) {
    while (auto v = co_await ch.recv()) {
        t.got_sum += *v;
        ++t.got_n;
    }
}
}  // namespace

TEST_CASE("Channel: MPMC cancellation storm conserves every item (8 workers)", "[channel][cancel][stress]") {
    for (std::size_t cap : {0u, 1u, 8u}) {
        corio::Channel<int> ch(cap);
        Tally t;
        run_bounded([](corio::Channel<int>& ch, Tally& t, unsigned seed) -> corio::Coro<void> {
            const int n = 8, per = 2000 / corio_test::kScale;
            std::vector<corio::Task<void>> ps, cs;
            for (int i = 0; i < n; ++i) cs.push_back(corio::spawn(consumer(ch, t)));
            for (int i = 0; i < n; ++i) ps.push_back(corio::spawn(producer(ch, t, i * per, per)));
            corio_test::Rng rng{seed};
            for (int k = 0; k < 12; ++k) {
                co_await corio::yield_now();
                (k % 2 ? cs : ps)[rng.below(n)].cancel();
            }
            for (auto& p : ps) co_await corio_test::was_cancelled(p);
            ch.close();
            for (auto& c : cs) co_await corio_test::was_cancelled(c);
        }(ch, t, unsigned(cap + 11)), k8x);
        long left_n = 0, left_sum = 0;
        while (auto v = ch.try_recv()) left_sum += *v, ++left_n;
        INFO("capacity " << cap << ": sent " << t.sent_n << ", got " << t.got_n << ", left " << left_n);
        REQUIRE(t.got_n + left_n == t.sent_n);
        REQUIRE(t.got_sum + left_sum == t.sent_sum);
    }
}

TEST_CASE("oneshot: one value across tasks; ChannelClosed when the sender goes unsent", "[channel][oneshot]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        int r = 0;
        auto [tx, rx] = corio::oneshot::channel<std::string>();
        auto t = corio::spawn([](corio::oneshot::Sender<std::string> tx) -> corio::Coro<void> {
            co_await corio::yield_now();
            tx.send("hello");
        }(std::move(tx)));
        if (co_await rx.recv() == "hello") r += 1;
        co_await t;
        auto [tx2, rx2] = corio::oneshot::channel<int>();
        { auto gone = std::move(tx2); }
        try {
            co_await rx2.recv();
        } catch (const corio::ChannelClosed&) {
            r += 10;
        }
        co_return r;
    }(), k8x);
    REQUIRE(result == 11);
}
