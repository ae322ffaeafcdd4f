// corio::Queue, LifoQueue, PriorityQueue, from asyncio's queues (3.13):
// FIFO/LIFO/smallest-first order, maxsize and the *_nowait errors, put
// waiting on a full queue, task_done/join, shutdown (plain and immediate)
// with QueueShutDown; cancellation safety: a cancelled get() takes nothing,
// and an MPMC storm with random cancellations conserves every item.
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "sync_support.hpp"

using corio_test::k8x;
using corio_test::run_bounded;
using corio_test::until;

TEST_CASE("Queue: FIFO order, sizes, nowait errors", "[queue]") {
    corio::Queue<int> q(2);
    REQUIRE(q.maxsize() == 2);
    REQUIRE(q.empty());
    REQUIRE_THROWS_AS(q.get_nowait(), corio::QueueEmpty);
    q.put_nowait(1);
    q.put_nowait(2);
    REQUIRE(q.full());
    REQUIRE(q.qsize() == 2);
    REQUIRE_THROWS_AS(q.put_nowait(3), corio::QueueFull);
    REQUIRE(q.get_nowait() == 1);
    REQUIRE(q.get_nowait() == 2);
    corio::Queue<int> unbounded;  // maxsize 0: never full
    for (int i = 0; i < 1000; ++i) unbounded.put_nowait(i);
    REQUIRE(!unbounded.full());
}

TEST_CASE("LifoQueue and PriorityQueue orders", "[queue]") {
    corio::LifoQueue<int> l;
    corio::PriorityQueue<std::pair<int, std::string>> p;
    for (int i : {3, 1, 2}) {
        l.put_nowait(i);
        p.put_nowait({i, std::to_string(i)});
    }
    REQUIRE(l.get_nowait() == 2);
    REQUIRE(l.get_nowait() == 1);
    REQUIRE(l.get_nowait() == 3);
    REQUIRE(p.get_nowait().second == "1");
    REQUIRE(p.get_nowait().second == "2");
    REQUIRE(p.get_nowait().second == "3");
}

namespace {
corio::Coro<void> put_all(corio::Queue<int>& q, int from, int n) {
    for (int i = from; i < from + n; ++i) co_await q.put(i);
}
corio::Coro<int> get_one(corio::Queue<int>& q) { co_return co_await q.get(); }
}  // namespace

TEST_CASE("Queue: put waits while full; getters and putters are served FIFO", "[queue]") {
    bool ok = run_bounded([]() -> corio::Coro<bool> {
        corio::Queue<int> q(1);
        bool good = true;
        std::vector<corio::Task<int>> getters;
        for (int i = 0; i < 3; ++i) {
            getters.push_back(corio::spawn(get_one(q)));
            co_await until([&] { return q.waiting_getters() == std::size_t(i) + 1; });
        }
        co_await q.put(10);
        co_await q.put(11);
        co_await q.put(12);
        good = good && co_await getters[0] == 10 && co_await getters[1] == 11 && co_await getters[2] == 12;
        auto p = corio::spawn(put_all(q, 20, 3));  // 20 fits, 21 and 22 wait in order
        co_await until([&] { return q.waiting_putters() == 1; });
        good = good && q.full();
        for (int want = 20; want < 23; ++want) good = good && co_await q.get() == want;
        co_await p;
        co_return good && q.empty();
    }(), k8x);
    REQUIRE(ok);
}

TEST_CASE("Queue: task_done and join; too many task_done throws", "[queue]") {
    bool ok = run_bounded([]() -> corio::Coro<bool> {
        corio::Queue<int> q;
        co_await q.join();  // nothing unfinished: at once
        for (int i = 0; i < 3; ++i) q.put_nowait(i);
        std::atomic<bool> joined{false};
        auto j = corio::spawn([](corio::Queue<int>& q, std::atomic<bool>& joined) -> corio::Coro<void> {
            co_await q.join();
            joined = true;
        }(q, joined));
        bool good = true;
        for (int i = 0; i < 3; ++i) {
            co_await q.get();
            good = good && !joined.load();
            q.task_done();
        }
        co_await j;
        good = good && joined.load();
        try {
            q.task_done();
            good = false;
        } catch (const corio::ValueError&) {
        }
        co_return good;
    }(), k8x);
    REQUIRE(ok);
}

TEST_CASE("Queue: shutdown (3.13): puts fail, gets drain then fail, waiters are released", "[queue]") {
    int result = run_bounded([]() -> corio::Coro<int> {
        int r = 0;
        corio::Queue<int> q(1);
        auto g = corio::spawn(get_one(q));
        co_await until([&] { return q.waiting_getters() == 1; });
        q.shutdown();
        try {
            co_await g;
        } catch (const corio::QueueShutDown&) {
            r += 1;
        }
        try {
            co_await q.put(1);
        } catch (const corio::QueueShutDown&) {
            r += 10;
        }
        corio::Queue<int> q2(1);
        q2.put_nowait(7);
        auto p = corio::spawn(put_all(q2, 8, 1));  // waits: full
        co_await until([&] { return q2.waiting_putters() == 1; });
        q2.shutdown();
        try {
            co_await p;
        } catch (const corio::QueueShutDown&) {
            r += 100;
        }
        if (co_await q2.get() == 7) r += 1000;  // not immediate: items still come out
        try {
            q2.get_nowait();
        } catch (const corio::QueueShutDown&) {
            r += 10000;
        }
        corio::Queue<int> q3;
        for (int i = 0; i < 5; ++i) q3.put_nowait(i);
        q3.shutdown(true);  // immediate: dropped and counted done
        co_await q3.join();
        if (q3.empty()) r += 100000;
        co_return r;
    }(), k8x);
    REQUIRE(result == 111111);
}

TEST_CASE("Queue: a getter cancelled after an item reached it gives the item back", "[queue][cancel]") {
    std::vector<int> got = run_bounded([]() -> corio::Coro<std::vector<int>> {
        corio::Queue<int> q;
        auto a = corio::spawn(get_one(q));
        co_await until([&] { return q.waiting_getters() == 1; });
        auto b = corio::spawn(get_one(q));
        co_await until([&] { return q.waiting_getters() == 2; });
        q.put_nowait(1);  // handed to a, not yet run (one worker)
        a.cancel();
        bool a_cancelled = co_await corio_test::was_cancelled(a);
        std::vector<int> got;
        got.push_back(co_await b);  // a's item went on to b
        q.put_nowait(2);
        auto c = corio::spawn(get_one(q));
        q.put_nowait(3);
        c.cancel();  // c may or may not have taken 2: either way nothing is lost
        if (!co_await corio_test::was_cancelled(c)) got.push_back(c.result());
        while (!q.empty()) got.push_back(q.get_nowait());
        if (!a_cancelled) got.push_back(-1);
        co_return got;
    }(), {.workers = 1});
    REQUIRE(got == std::vector<int>{1, 2, 3});
}

namespace {
struct Tally {
    std::atomic<long> put_sum{0}, put_n{0}, got_sum{0}, got_n{0};
};
template <class Q>
corio::Coro<void> produce(Q& q, Tally& t, int from, int n) {
    for (int i = from; i < from + n; ++i) {
        co_await q.put(i);  // returned: the item is in (a put is never half done)
        t.put_sum += i;
        ++t.put_n;
    }
}
template <class Q>
corio::Coro<void> consume(Q& q, Tally& t) {
    for (;;) {
        int v;
        try {
            v = co_await q.get();
        } catch (const corio::QueueShutDown&) {
            co_return;  // shut down and drained
        }
        t.got_sum += v;
        ++t.got_n;
    }
}
template <class Q>
corio::Coro<void> storm(Q& q, Tally& t, unsigned seed) {
    const int producers = 8, consumers = 8, per = 2000 / corio_test::kScale;
    std::vector<corio::Task<void>> ps, cs;
    for (int i = 0; i < consumers; ++i) cs.push_back(corio::spawn(consume(q, t)));
    for (int i = 0; i < producers; ++i) ps.push_back(corio::spawn(produce(q, t, i * per, per)));
    corio_test::Rng rng{seed};
    for (int k = 0; k < 12; ++k) {
        co_await corio::yield_now();
        if (k % 2)
            cs[rng.below(consumers)].cancel();
        else
            ps[rng.below(producers)].cancel();
    }
    for (auto& p : ps) co_await corio_test::was_cancelled(p);
    q.shutdown();  // consumers drain what is left, then stop
    for (auto& c : cs) co_await corio_test::was_cancelled(c);
}
}  // namespace

TEST_CASE("Queue: MPMC cancellation storm conserves every item (8 workers)", "[queue][cancel][stress]") {
    for (long maxsize : {1L, 4L, 0L}) {
        corio::Queue<int> q(maxsize);
        Tally t;
        run_bounded(storm(q, t, unsigned(17 + maxsize)), k8x);
        long left_sum = 0, left_n = 0;
        while (!q.empty()) {
            left_sum += q.get_nowait();
            ++left_n;
        }
        INFO("maxsize " << maxsize << ": put " << t.put_n << ", got " << t.got_n << ", left " << left_n);
        REQUIRE(t.got_n + left_n == t.put_n);
        REQUIRE(t.got_sum + left_sum == t.put_sum);
        REQUIRE(q.waiting_getters() == 0);
        REQUIRE(q.waiting_putters() == 0);
    }
}

TEST_CASE("LifoQueue and PriorityQueue: cancellation storm conserves every item", "[queue][cancel][stress]") {
    corio::LifoQueue<int> l(2);
    corio::PriorityQueue<int> p(3);
    Tally tl, tp;
    run_bounded(storm(l, tl, 3), k8x);
    run_bounded(storm(p, tp, 4), k8x);
    auto drain = [](auto& q, long& n, long& sum) {
        while (!q.empty()) {
            sum += q.get_nowait();
            ++n;
        }
    };
    long ln = 0, ls = 0, pn = 0, ps = 0;
    drain(l, ln, ls);
    drain(p, pn, ps);
    REQUIRE(tl.got_n + ln == tl.put_n);
    REQUIRE(tl.got_sum + ls == tl.put_sum);
    REQUIRE(tp.got_n + pn == tp.put_n);
    REQUIRE(tp.got_sum + ps == tp.put_sum);
}
