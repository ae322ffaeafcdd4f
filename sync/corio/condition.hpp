// Condition: asyncio.Condition over a Lock (its own, or one given). wait()
// must be called with the lock held: it queues the task, releases the lock,
// sleeps until notify(), and re-acquires the lock before returning, even
// when cancelled (as asyncio). The task is queued before the lock is
// released, so a notify made under the lock can never be missed. A waiter
// notified and then cancelled passes the notification on to the next one.
#pragma once

#include <cstddef>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "corio/lock.hpp"

namespace corio {

class Condition {
public:
    Condition() : own_(std::make_unique<Lock>()), lock_(own_.get()) {}
    explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
    Condition(const Condition&) = delete;
    Condition& operator=(const Condition&) = delete;

    // The underlying lock, as asyncio's Condition exposes it.
    auto acquire() noexcept { return lock_->acquire(); }
    auto lock() noexcept { return lock_->lock(); }
    void release() { lock_->release(); }
    bool locked() const noexcept { return lock_->locked(); }

    Coro<void> wait();

    // Waits until pred() is true (checked with the lock held); returns its last value.
    template <class Pred>
    Coro<std::invoke_result_t<Pred&>> wait_for(Pred pred) {
        auto result = pred();
        while (!result) {
            co_await wait();
            result = pred();
        }
        co_return result;
    }

    // Wakes up to n waiters (all with notify_all). The lock must be held.
    void notify(std::size_t n = 1) {
        if (!lock_->locked()) throw InvalidStateError("Condition.notify(): the lock is not acquired");
        notify_unchecked(n);
    }
    void notify_all() { notify(std::numeric_limits<std::size_t>::max()); }

    // Tasks queued now (diagnostics and tests).
    std::size_t n_waiting() const noexcept {
        std::lock_guard guard(mu_);
        return waiters_.size();
    }

private:
    class Awaiter;

    void notify_unchecked(std::size_t n) noexcept {
        detail::WakeBatch wake;
        std::lock_guard guard(mu_);
        for (; n > 0; --n) {
            detail::WaitNode* w = waiters_.pop_front();
            if (!w) break;
            wake.grant(w);
        }
    }

    std::unique_ptr<Lock> own_;
    Lock* lock_;
    mutable detail::SpinLock mu_;
    detail::WaitList waiters_;

    // Last member: destroyed first, detaching from shutdown while the rest lives.
    static void cancel_waiters(void* owner, detail::RuntimeCore* rt) noexcept {
        auto* self = static_cast<Condition*>(owner);
        detail::WakeBatch wake;
        std::lock_guard guard(self->mu_);
        self->waiters_.cancel_runtime(rt, wake);
    }
    detail::SyncHook hook_{&cancel_waiters, this};
};


class Condition::Awaiter : public detail::SyncAwaiter<Awaiter> {
public:
    explicit Awaiter(Condition& cond) noexcept : cond_(&cond) {}
    void await_resume() { settle(); }

    detail::SpinLock& sync_lock() noexcept { return cond_->mu_; }
    detail::WaitList& wait_list() noexcept { return cond_->waiters_; }
    detail::SyncHook& sync_hook() noexcept { return cond_->hook_; }
    // A wait always waits for a notify: it never yields for the budget
    // first, which would hold the user's lock across the yield.
    static constexpr bool kAlwaysWaits = true;
    static detail::TryResult try_now(detail::WakeBatch&) noexcept { return detail::TryResult::wait; }
    // Notified, then cancelled: the notification goes to the next waiter.
    bool give_back() noexcept {
        cond_->notify_unchecked(1);
        return true;
    }
    // The user's lock is released only once this task is queued (or has
    // failed to queue because it was cancelled), on every path.
    Lock* capture_after() const noexcept { return cond_->lock_; }
    static void run_after(Lock* lock) noexcept { lock->release_unchecked(); }

private:
    Condition* cond_;
};

inline Coro<void> Condition::wait() {
    if (!lock_->locked()) throw InvalidStateError("Condition.wait(): the lock is not acquired");
    std::exception_ptr error;
    try {
        co_await Awaiter(*this);  // releases the lock once queued
    } catch (...) {
        error = std::current_exception();
    }
    // Re-acquire even if cancelled meanwhile (asyncio): retry past
    // cancellations, then report the last one.
    bool cancelled = false;
    for (;;) {
        try {
            co_await lock_->acquire();
            break;
        } catch (const CancelledError&) {
            cancelled = true;
        }
    }
    if (error) std::rethrow_exception(error);
    if (cancelled) throw CancelledError("Condition.wait() cancelled while re-acquiring the lock");
}

}  // namespace corio
