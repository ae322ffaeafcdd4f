// White-box: the Chase–Lev deque (runtime/chase_lev_deque.hpp). Single-thread
// semantics (LIFO pop, FIFO steal, bounded capacity, wrap-around, pop_if),
// then concurrent stress: one owner pushing and popping while thieves steal;
// every item must be taken exactly once.
#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "chase_lev_deque.hpp"
#include "support.hpp"

using corio::detail::ChaseLevDeque;

namespace {

// Items are addresses into this array, so the deque sees distinct non-null pointers.
std::vector<int> make_items(int n) {
    std::vector<int> v(n);
    for (int i = 0; i < n; ++i) v[i] = i;
    return v;
}

}  // namespace

TEST_CASE("deque: empty pop and steal give null", "[deque]") {
    ChaseLevDeque<int*> d(16);
    CHECK(d.pop() == nullptr);
    bool lost = false;
    CHECK(d.steal(lost) == nullptr);
    CHECK_FALSE(lost);
    CHECK(d.size() == 0);
    // Popping an empty deque must leave it usable.
    int x = 1;
    CHECK(d.push(&x));
    CHECK(d.size() == 1);
    CHECK(d.pop() == &x);
    CHECK(d.pop() == nullptr);
}

TEST_CASE("deque: the owner pops LIFO, thieves steal FIFO", "[deque]") {
    auto items = make_items(8);
    ChaseLevDeque<int*> d(16);
    for (int& i : items) REQUIRE(d.push(&i));
    CHECK(d.size() == 8);
    bool lost = false;
    CHECK(d.steal(lost) == &items[0]);
    CHECK(d.steal(lost) == &items[1]);
    CHECK(d.pop() == &items[7]);
    CHECK(d.pop() == &items[6]);
    CHECK(d.steal(lost) == &items[2]);
    CHECK(d.size() == 3);
    CHECK(d.pop() == &items[5]);
    CHECK(d.pop() == &items[4]);
    CHECK(d.pop() == &items[3]);
    CHECK(d.pop() == nullptr);
    CHECK(d.steal(lost) == nullptr);
    CHECK_FALSE(lost);
}

TEST_CASE("deque: capacity rounds up to a power of two and push fails when full", "[deque]") {
    CHECK(ChaseLevDeque<int*>(1000).capacity() == 1024);
    CHECK(ChaseLevDeque<int*>(1024).capacity() == 1024);
    CHECK(ChaseLevDeque<int*>(3).capacity() == 4);

    auto items = make_items(9);
    ChaseLevDeque<int*> d(8);
    for (int i = 0; i < 8; ++i) REQUIRE(d.push(&items[i]));
    CHECK_FALSE(d.push(&items[8]));
    CHECK(d.size() == 8);
    bool lost = false;
    CHECK(d.steal(lost) == &items[0]);  // frees one slot
    CHECK(d.push(&items[8]));
    CHECK_FALSE(d.push(&items[0]));
    // Everything still comes out exactly once.
    std::vector<int*> out;
    while (int* p = d.pop()) out.push_back(p);
    REQUIRE(out.size() == 8);
    CHECK(out.front() == &items[8]);
    CHECK(out.back() == &items[1]);
}

TEST_CASE("deque: order holds across many wrap-arounds of the ring", "[deque]") {
    auto items = make_items(1000);
    ChaseLevDeque<int*> d(8);
    int next_push = 0, next_steal = 0;
    bool lost = false;
    // Keep 5 items in flight; push and steal 1000 times through an 8-slot ring.
    while (next_push < 5) REQUIRE(d.push(&items[next_push++]));
    while (next_steal < 1000) {
        int* p = d.steal(lost);
        REQUIRE(p == &items[next_steal]);
        ++next_steal;
        if (next_push < 1000) REQUIRE(d.push(&items[next_push++]));
    }
    CHECK(d.pop() == nullptr);

    // And LIFO pops interleaved with pushes across wrap-arounds.
    for (int round = 0; round < 300; ++round) {
        REQUIRE(d.push(&items[round % 1000]));
        REQUIRE(d.push(&items[(round + 1) % 1000]));
        REQUIRE(d.pop() == &items[(round + 1) % 1000]);
        REQUIRE(d.pop() == &items[round % 1000]);
    }
    CHECK(d.size() == 0);
}

TEST_CASE("deque: pop_if takes only the bottom item", "[deque]") {
    auto items = make_items(3);
    ChaseLevDeque<int*> d(8);
    CHECK_FALSE(d.pop_if(&items[0]));  // empty
    d.push(&items[0]);
    d.push(&items[1]);
    CHECK_FALSE(d.pop_if(&items[0]));  // not at the bottom
    CHECK(d.size() == 2);
    CHECK(d.pop_if(&items[1]));
    CHECK(d.size() == 1);
    bool lost = false;
    CHECK(d.steal(lost) == &items[0]);
    // A stale slot still holds items[0]; pop_if must not return it again.
    CHECK_FALSE(d.pop_if(&items[0]));
    CHECK(d.size() == 0);
    CHECK(d.pop() == nullptr);
}

namespace {

struct StressResult {
    int missing = 0, duplicated = 0;
    long owner_taken = 0, stolen = 0;
};

// One owner pushes `n` items (popping some itself, and popping when full),
// `thieves` threads steal until everything is accounted for.
StressResult stress(int n, int thieves, std::size_t capacity, int pop_every) {
    auto items = make_items(n);
    std::vector<std::atomic<int>> taken(n);
    ChaseLevDeque<int*> d(capacity);
    std::atomic<long> total{0};
    std::atomic<long> stolen{0};
    std::atomic<bool> go{false};
    auto take = [&](int* p) {
        taken[static_cast<std::size_t>(p - items.data())].fetch_add(1, std::memory_order_relaxed);
        total.fetch_add(1, std::memory_order_relaxed);
    };
    std::vector<std::thread> ts;
    for (int t = 0; t < thieves; ++t)
        ts.emplace_back([&] {
            while (!go.load()) std::this_thread::yield();
            while (total.load(std::memory_order_relaxed) < n) {
                bool lost = false;
                if (int* p = d.steal(lost)) {
                    take(p);
                    stolen.fetch_add(1, std::memory_order_relaxed);
                }
            }
        });
    long owner = 0;
    go = true;
    for (int i = 0; i < n; ++i) {
        while (!d.push(&items[i])) {  // full: take one ourselves
            if (int* p = d.pop()) {
                take(p);
                ++owner;
            }
        }
        if (pop_every && i % pop_every == 0) {
            if (int* p = d.pop()) {
                take(p);
                ++owner;
            }
        }
    }
    // Drain what is left, racing the thieves for the last items.
    while (int* p = d.pop()) {
        take(p);
        ++owner;
    }
    for (auto& t : ts) t.join();
    StressResult r;
    for (auto& c : taken) {
        int v = c.load();
        if (v == 0) ++r.missing;
        if (v > 1) ++r.duplicated;
    }
    r.owner_taken = owner;
    r.stolen = stolen.load();
    return r;
}

}  // namespace

TEST_CASE("deque stress: owner pushes and pops, thieves steal, every item taken exactly once", "[deque][stress]") {
    const int n = 400000 / corio_test::kScale;
    struct Config {
        int thieves;
        std::size_t capacity;
        int pop_every;
    };
    for (Config c : {Config{3, 1024, 3}, Config{4, 8, 2}, Config{2, 64, 0}, Config{6, 2, 1}}) {
        INFO("thieves=" << c.thieves << " capacity=" << c.capacity << " pop_every=" << c.pop_every);
        StressResult r = corio_test::bounded([&] { return stress(n, c.thieves, c.capacity, c.pop_every); });
        CHECK(r.missing == 0);
        CHECK(r.duplicated == 0);
        CHECK(r.owner_taken + r.stolen == n);
    }
}

TEST_CASE("deque stress: single-item push/pop races thieves for the last item", "[deque][stress]") {
    // The owner's pop of the last item and a thief's steal go through the
    // same CAS on top: exactly one must win each item.
    const int rounds = 200000 / corio_test::kScale;
    auto r = corio_test::bounded([&] {
        auto items = make_items(rounds);
        std::vector<std::atomic<int>> taken(rounds);
        ChaseLevDeque<int*> d(4);
        std::atomic<bool> done{false};
        std::vector<std::thread> ts;
        for (int t = 0; t < 3; ++t)
            ts.emplace_back([&] {
                while (!done.load(std::memory_order_relaxed)) {
                    bool lost = false;
                    if (int* p = d.steal(lost)) taken[p - items.data()].fetch_add(1);
                }
            });
        int pop_if_wins = 0;
        for (int i = 0; i < rounds; ++i) {
            d.push(&items[i]);
            if (i % 2) {
                if (int* p = d.pop()) taken[p - items.data()].fetch_add(1);
            } else if (d.pop_if(&items[i])) {
                taken[i].fetch_add(1);
                ++pop_if_wins;
            }
        }
        while (int* p = d.pop()) taken[p - items.data()].fetch_add(1);
        done = true;
        for (auto& t : ts) t.join();
        int bad = 0;
        for (auto& c : taken) bad += c.load() != 1;
        return std::pair{bad, pop_if_wins};
    });
    CHECK(r.first == 0);
}
