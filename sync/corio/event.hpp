// Event: asyncio.Event. wait() suspends until set(); set() wakes every
// waiter and later waits return at once until clear(). Safe to set/clear
// from any thread. A waiter cancelled while waiting (even if set() already
// served it) throws CancelledError; an event has nothing to give back.
#pragma once

#include <mutex>

#include "corio/detail/sync_awaiter.hpp"

namespace corio {

class Event {
public:
    class Awaiter;

    Event() = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    void set() noexcept {
        detail::WakeBatch wake;
        std::lock_guard guard(mu_);
        // relaxed: written under mu_; is_set() readers need no ordering with waiters.
        flag_.store(true, detail::memory_order_relaxed);
        while (detail::WaitNode* n = waiters_.pop_front()) wake.grant(n);
    }
    void clear() noexcept {
        std::lock_guard guard(mu_);
        flag_.store(false, detail::memory_order_relaxed);
    }
    // acquire: a caller that sees true sees what the setter wrote before set().
    bool is_set() const noexcept { return flag_.load(detail::memory_order_acquire); }

    // Tasks queued now (diagnostics and tests).
    std::size_t n_waiting() const noexcept {
        std::lock_guard guard(mu_);
        return waiters_.size();
    }

    Awaiter wait() noexcept;

private:
    mutable detail::SpinLock mu_;
    detail::WaitList waiters_;
    // Written under mu_ (the store in set() is ordered by mu_'s release for
    // waiters); atomic so that is_set() can read it without the lock.
    detail::Atomic<bool> flag_{false};

    // Last member: destroyed first, detaching from shutdown while the rest lives.
    static void cancel_waiters(void* owner, detail::RuntimeCore* rt) noexcept {
        auto* self = static_cast<Event*>(owner);
        detail::WakeBatch wake;
        std::lock_guard guard(self->mu_);
        self->waiters_.cancel_runtime(rt, wake);
    }
    detail::SyncHook hook_{&cancel_waiters, this};
};

class Event::Awaiter : public detail::SyncAwaiter<Awaiter> {
public:
    explicit Awaiter(Event& event) noexcept : event_(&event) {}
    void await_resume() { settle(); }

    detail::SpinLock& sync_lock() noexcept { return event_->mu_; }
    detail::WaitList& wait_list() noexcept { return event_->waiters_; }
    detail::SyncHook& sync_hook() noexcept { return event_->hook_; }
    detail::TryResult try_now(detail::WakeBatch&) noexcept {
        return event_->flag_.load(detail::memory_order_relaxed) ? detail::TryResult::done : detail::TryResult::wait;
    }
    static bool give_back() noexcept { return true; }  // nothing taken: just throw

private:
    Event* event_;
};

inline Event::Awaiter Event::wait() noexcept { return Awaiter(*this); }

}  // namespace corio
