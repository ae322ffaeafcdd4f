// Timers, as asyncio's: sleep(d), sleep_until(t), wait_for(aw, d) and the
// timeout(d, aw) scope. Deadlines are on std::chrono::steady_clock and a
// timer never fires before its deadline (durations round up to the clock's
// tick). Cancelling a sleeping task wakes it at once with CancelledError. A
// timeout cancels the work it bounds and waits for it to finish unwinding
// before TimeoutError comes out. The first timer of a runtime starts its
// io_uring reactor threads; where io_uring is unavailable, that first call
// throws std::system_error naming the cause and the remedy.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "corio/coro.hpp"
#include "corio/detail/awaitable_traits.hpp"
#include "corio/io/detail/task_waits.hpp"
#include "corio/io/detail/timer_awaiter.hpp"
#include "corio/task.hpp"

namespace corio {

namespace detail {

// A duration as the timer clock's ticks, rounded up (never early) and capped
// at a century (so `hours::max()` means "forever", not an overflow).
template <class Rep, class Period>
IoClock::duration timer_delay(std::chrono::duration<Rep, Period> d) {
    constexpr double kCenturySeconds = 100.0 * 365 * 24 * 3600;
    if (std::chrono::duration<double>(d).count() > kCenturySeconds)
        return std::chrono::duration_cast<IoClock::duration>(std::chrono::duration<double>(kCenturySeconds));
    if (d <= d.zero()) return IoClock::duration::zero();
    return std::chrono::ceil<IoClock::duration>(d);
}

// sleep()'s awaiter: a TimerAwaiter whose result is void.
class SleepAwaiter : public TimerAwaiter {
public:
    using TimerAwaiter::TimerAwaiter;
    void await_resume() { (void)TimerAwaiter::await_resume(); }
};

// The value a timeout scope's body produced, whatever its kind.
template <class T>
struct ResultSlot {
    std::optional<T> value;
    template <class U>
    void set(U&& v) {
        value.emplace(std::forward<U>(v));
    }
    T take() { return std::move(*value); }
};
template <class T>
struct ResultSlot<T&> {
    T* value = nullptr;
    void set(T& v) { value = &v; }
    T& take() { return *value; }
};

inline std::string millis_text(IoClock::duration d) {
    return std::to_string(std::chrono::duration<double, std::milli>(d).count()) + " ms";
}

template <class A>
Coro<await_result_t<A>> wait_for_impl(A awaitable, IoClock::duration delay) {
    using T = await_result_t<A>;
    const auto deadline = IoClock::now() + delay;
    Task<T> inner = spawn(std::move(awaitable));
    TaskHeader* h = TaskAccess::header(inner);
    bool expired = false;
    bool cancelled = false;
    std::exception_ptr failure;  // the timer itself failed (e.g. no io_uring)
    try {
        expired = co_await TimerAwaiter(deadline, h);
    } catch (const CancelledError&) {
        cancelled = true;
    } catch (...) {
        failure = std::current_exception();
    }
    if (cancelled || expired || failure) {
        inner.cancel();
        // The inner work has finished unwinding before anything comes out.
        co_await JoinQuietly{h};
        if (cancelled) throw CancelledError("wait_for was cancelled");
        if (failure) {
            // The work most likely failed the same way: its error is ours.
            try {
                (void)inner.exception();
            } catch (const CancelledError&) {
            }
            std::rethrow_exception(failure);
        }
        if (inner.cancelled()) throw TimeoutError("corio::wait_for: timed out after " + millis_text(delay));
        // It ended (value or error) before the cancellation reached it: that
        // outcome stands, as in asyncio 3.12.
    }
    co_return inner.result();
}

template <class A>
Coro<await_result_t<A>> timeout_impl(A awaitable, IoClock::time_point deadline, IoClock::duration delay, bool relative) {
    using T = await_result_t<A>;
    TaskHeader* self = co_await CurrentTask{};
    if (relative) deadline = IoClock::now() + delay;
    IoOp* timer = arm_scope_timer(self, deadline);
    std::exception_ptr error;
    bool cancel_seen = false;
    [[maybe_unused]] ResultSlot<std::conditional_t<std::is_void_v<T>, int, T>> slot;
    try {
        if constexpr (std::is_void_v<T>)
            co_await std::move(awaitable);
        else
            slot.set(co_await std::move(awaitable));
    } catch (const CancelledError&) {
        cancel_seen = true;
        error = std::current_exception();
    } catch (...) {
        error = std::current_exception();
    }
    const bool expired = co_await SettleTimer{timer};
    if (expired) {
        if (cancel_seen)
            throw TimeoutError(relative ? "corio::timeout: the body did not finish within " + millis_text(delay)
                                        : std::string("corio::timeout_at: the deadline passed"));
        // The body ended before the timeout's cancellation reached it: that
        // cancellation is withdrawn, as asyncio's uncancel() does.
        try {
            self->throw_if_cancelled();
        } catch (const CancelledError&) {
        }
    }
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>) co_return slot.take();
}

}  // namespace detail

// asyncio.sleep(d): suspends the task for at least `delay` (counted from the
// co_await). sleep(0) or a negative delay only yields to the other tasks.
template <class Rep, class Period>
detail::SleepAwaiter sleep(std::chrono::duration<Rep, Period> delay) {
    return detail::SleepAwaiter(detail::timer_delay(delay));
}

// Suspends the task until `deadline` (steady_clock), or just yields if it passed.
inline detail::SleepAwaiter sleep_until(std::chrono::steady_clock::time_point deadline) {
    return detail::SleepAwaiter(deadline);
}

// asyncio.wait_for(aw, d): runs `aw` as its own task (a Task handle is used
// as is) and returns its result. When `timeout` passes first, the task is
// cancelled, awaited until it has finished unwinding, and TimeoutError is
// thrown; if it ended anyway (it finished before seeing the cancellation),
// its own outcome stands. Cancelling the caller cancels the task too and
// waits for it, then throws CancelledError.
template <class A, class Rep, class Period>
Coro<detail::await_result_t<A>> wait_for(A awaitable, std::chrono::duration<Rep, Period> timeout) {
    return detail::wait_for_impl<A>(std::move(awaitable), detail::timer_delay(timeout));
}

// asyncio.timeout(d) as an expression: `co_await corio::timeout(50ms, body())`
// runs `body` inside the calling task (no new task; shared state stays with
// the caller, as the body of an `async with timeout():` block). When `delay`
// passes first, the task is cancelled; the CancelledError that unwinds the
// body becomes TimeoutError where it leaves the scope. A body that ended
// before the cancellation reached it keeps its outcome, and the late
// cancellation is withdrawn. A cancel from elsewhere that arrives together
// with the deadline is reported as TimeoutError too (corio counts no
// cancel requests, unlike asyncio's uncancel()).
template <class A, class Rep, class Period>
Coro<detail::await_result_t<A>> timeout(std::chrono::duration<Rep, Period> delay, A body) {
    return detail::timeout_impl<A>(std::move(body), {}, detail::timer_delay(delay), true);
}

// asyncio.timeout_at(t): timeout() with an absolute steady_clock deadline.
template <class A>
Coro<detail::await_result_t<A>> timeout_at(std::chrono::steady_clock::time_point deadline, A body) {
    return detail::timeout_impl<A>(std::move(body), deadline, {}, false);
}

}  // namespace corio
