// corio-trace-run: one run of a reference workload at a size whose trace stays
// small, for tools/bench.sh's traced step. Run it with CORIO_TRACE=FILE and
// the runtime records the run into FILE (read it with tools/corio-trace).
//
//   corio-trace-run [W1|W5|W6] [--workers N]
//
//   W6 (default)  skynet, 5 levels: 100,000 leaves, 111,111 tasks
//   W5            fib(22) with a spawn per call: 28,656 spawns
//   W1            spawn_many with 20,000 tasks
//
// The workloads are those of BENCHMARKS.md (as in w1/w5/w6*.cpp), scaled
// down: a full W6 run records over a million tasks, a trace too big to open
// in a browser. Prints what it ran and exits 1 if the answer is wrong.
#include <corio/corio.hpp>

#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

corio::Coro<long> skynet(long num, long size) {
    if (size == 1) co_return num;
    const long sub = size / 10;
    std::array<corio::Task<long>, 10> children;
    for (int i = 0; i < 10; ++i) children[i] = corio::spawn(skynet(num + i * sub, sub));
    long sum = 0;
    for (auto& c : children) sum += co_await c;
    co_return sum;
}

corio::Coro<long> fib(int n) {
    if (n < 2) co_return n;
    corio::Task<long> h = corio::spawn(fib(n - 1));
    long b = co_await fib(n - 2);
    co_return co_await h + b;
}

corio::Coro<void> bump(std::atomic<long>* counter) {
    counter->fetch_add(1, std::memory_order_relaxed);
    co_return;
}

corio::Coro<long> spawn_many(long n) {
    std::atomic<long> counter{0};
    std::vector<corio::Task<void>> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) tasks.push_back(corio::spawn(bump(&counter)));
    for (auto& t : tasks) co_await t;
    co_return counter.load();
}

int usage(const char* why) {
    std::fprintf(stderr,
                 "corio-trace-run: %s\n"
                 "usage: corio-trace-run [W1|W5|W6] [--workers N]   (default W6, N = cores)\n",
                 why);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::string_view workload = "W6";
    unsigned workers = std::thread::hardware_concurrency();
    if (workers == 0) workers = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--workers") {
            if (i + 1 >= argc) return usage("--workers needs a number");
            const std::string_view v = argv[++i];
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), workers);
            if (ec != std::errc{} || end != v.data() + v.size() || workers == 0)
                return usage("--workers needs a number >= 1");
        } else if (arg == "W1" || arg == "W5" || arg == "W6") {
            workload = arg;
        } else if (arg == "-h" || arg == "--help") {
            usage("runs one small reference workload (for tracing)");
            return 0;
        } else {
            std::string why = "unknown argument '";
            why.append(arg).append("'");
            return usage(why.c_str());
        }
    }

    long got = 0, want = 0;
    const char* what = "";
    {
        corio::Runtime rt(corio::Options{.workers = workers});
        if (workload == "W6") {
            what = "W6 skynet, 100,000 leaves";
            want = 4999950000L;
            got = rt.block_on(skynet(0, 100'000));
        } else if (workload == "W5") {
            what = "W5 fib(22)";
            want = 17711;
            got = rt.block_on(fib(22));
        } else {
            what = "W1 spawn_many, 20,000 tasks";
            want = 20'000;
            got = rt.block_on(spawn_many(20'000));
        }
    } // the runtime (and its trace, when CORIO_TRACE is set) ends here
    if (got != want) {
        std::fprintf(stderr, "corio-trace-run: %s on %u workers: got %ld, want %ld\n", what, workers, got, want);
        return 1;
    }
    std::printf("corio-trace-run: %s on %u workers: ok\n", what, workers);
    return 0;
}
