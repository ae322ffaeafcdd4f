// The reactors' figures in Runtime::metrics(): timers_pending counts the
// sleeps and timeouts not yet fired or cancelled, io_in_flight the io_uring
// operations the kernel holds. Both are published by the reactor as it goes,
// so each check waits (bounded, yielding, never sleeping) for the figure;
// a snapshot also has a sleeping reactor count the timers queued to it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <corio/corio.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Yields until pred(metrics) holds or 20 s pass; true when it held.
template <class Pred>
corio::Coro<bool> eventually(corio::Runtime& rt, Pred pred) {
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline) {
        if (pred(rt.metrics())) co_return true;
        co_await corio::yield_now();
    }
    co_return false;
}

}  // namespace

TEST_CASE("timers_pending counts pending sleeps, and none once they fire or are cancelled", "[io][metrics]") {
    constexpr std::uint64_t n = 1000;
    corio::Runtime rt(corio::Options{.workers = 2});
    CHECK(rt.metrics().timers_pending == 0);  // no reactor yet
    struct Seen {
        bool pending = false, none_after_cancel = false, none_after_fire = false;
        std::uint64_t last = 0;
    };
    const Seen seen = corio_test::bounded([&] {
        return rt.block_on([](corio::Runtime& rt) -> corio::Coro<Seen> {
            Seen s;
            std::vector<corio::Task<void>> sleepers;
            for (std::uint64_t i = 0; i < n; ++i) sleepers.push_back(corio::spawn(corio::sleep(1h)));
            s.pending = co_await eventually(rt, [&](const corio::RuntimeMetrics& m) {
                s.last = m.timers_pending;
                return m.timers_pending == n;
            });
            for (auto& t : sleepers) t.cancel();
            for (auto& t : sleepers) {
                try {
                    co_await t;
                } catch (const corio::CancelledError&) {
                }
            }
            s.none_after_cancel = co_await eventually(rt, [](const corio::RuntimeMetrics& m) { return m.timers_pending == 0; });
            std::vector<corio::Task<void>> short_ones;
            for (int i = 0; i < 100; ++i) short_ones.push_back(corio::spawn(corio::sleep(1ms)));
            for (auto& t : short_ones) co_await t;
            s.none_after_fire = co_await eventually(rt, [](const corio::RuntimeMetrics& m) { return m.timers_pending == 0; });
            co_return s;
        }(rt));
    });
    INFO("timers_pending last seen: " << seen.last);
    CHECK(seen.pending);
    CHECK(seen.none_after_cancel);
    CHECK(seen.none_after_fire);
}

TEST_CASE("io_in_flight counts a read the kernel holds until it is cancelled", "[io][metrics]") {
    std::string dir = (std::filesystem::temp_directory_path() / "corio-metrics-XXXXXX").string();
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    const std::string fifo = dir + "/fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    corio::Runtime rt(corio::Options{.workers = 2});
    struct Seen {
        bool one = false, none = false, cancelled = false;
    };
    const Seen seen = corio_test::bounded([&] {
        return rt.block_on([](corio::Runtime& rt, std::string path) -> corio::Coro<Seen> {
            Seen s;
            // Read-write: nobody writes, so the read stays in the kernel.
            corio::File f = co_await corio::File::open(path, O_RDWR);
            auto reader = corio::spawn([](corio::File& f) -> corio::Coro<void> {
                std::vector<std::byte> buf(16);
                co_await f.read_at(buf, 0);
            }(f));
            s.one = co_await eventually(rt, [](const corio::RuntimeMetrics& m) { return m.io_in_flight == 1; });
            reader.cancel();
            try {
                co_await reader;
            } catch (const corio::CancelledError&) {
                s.cancelled = true;
            }
            s.none = co_await eventually(rt, [](const corio::RuntimeMetrics& m) { return m.io_in_flight == 0; });
            co_await f.close();
            co_return s;
        }(rt, fifo));
    });
    std::filesystem::remove_all(dir);
    CHECK(seen.one);
    CHECK(seen.cancelled);
    CHECK(seen.none);
}
