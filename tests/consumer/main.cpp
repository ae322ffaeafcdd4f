// An out-of-tree corio user, built by tools/test.sh against the *installed*
// headers and library through `pkg-config corio` only: it proves the install
// (runtime/, sync/ and io/ headers, libcorio, corio.pc) is complete and usable.
// DESIGN.md §1's example, plus a Future completed from a plain thread.
// Exit code 0 means every check held.
#include <corio/corio.hpp>
#include <corio/timers.hpp>  // until the umbrella header includes io/'s timers

#include <cstdio>
#include <thread>

using namespace std::chrono_literals;

namespace {

corio::Coro<long> fib(int n) {
    if (n < 2) co_return n;
    corio::Task<long> a = corio::spawn(fib(n - 1));
    long b = co_await fib(n - 2);
    co_return co_await a + b;
}

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "consumer: FAILED: %s\n", what);
        ++failures;
    }
}

corio::Coro<int> amain() {
    // Cancelling a task: awaiting it throws CancelledError, as in asyncio.
    auto t = corio::create_task(corio::sleep(10s));
    t.cancel();
    bool cancelled = false;
    try {
        co_await t;
    } catch (const corio::CancelledError&) {
        cancelled = true;
    }
    check(cancelled && t.cancelled(), "awaiting a cancelled task throws CancelledError");

    auto [x, y] = co_await corio::gather(fib(20), fib(21));
    check(x == 6765 && y == 10946, "gather(fib(20), fib(21))");

    bool timed_out = false;
    try {
        co_await corio::wait_for(corio::sleep(1s), 10ms);
    } catch (const corio::TimeoutError&) {
        timed_out = true;
    }
    check(timed_out, "wait_for(sleep(1s), 10ms) throws TimeoutError");

    corio::Queue<int> q(/*maxsize=*/8);
    co_await q.put(static_cast<int>(x + y));
    check(co_await q.get() == 17711, "Queue round trip");

    // A Future completed from a plain thread wakes its awaiter on a worker.
    corio::Future<int> from_thread;
    std::thread th([&from_thread] { from_thread.set_result(7); });
    int v = co_await from_thread;
    th.join();  // the thread may still be leaving set_result() when we resume
    check(v == 7, "Future completed from a std::thread");

    co_return failures;
}

}  // namespace

int main() {
    int rc = corio::run(amain(), corio::Options{.workers = 2});
    if (rc == 0) std::puts("consumer: ok");
    return rc;
}
