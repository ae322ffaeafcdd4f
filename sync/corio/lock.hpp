// Lock: asyncio.Lock. `auto guard = co_await lock.lock();` (released when the
// guard goes) or `co_await lock.acquire(); … lock.release();`. Waiters are
// served first come first served: release() hands the lock straight to the
// oldest waiter, so nobody can barge in. Cancellation-safe: a waiter
// cancelled while queued leaves the queue; one cancelled after the lock was
// handed to it releases it to the next waiter and throws CancelledError.
#pragma once

#include <mutex>
#include <utility>

#include "corio/detail/sync_awaiter.hpp"
#include "corio/errors.hpp"

namespace corio {

class Lock {
public:
    class Guard;

    Lock() = default;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

    template <bool WithGuard>
    class Awaiter;

    // co_await: acquires (no value).
    Awaiter<false> acquire() noexcept;
    // co_await: acquires and returns a Guard that releases on destruction.
    Awaiter<true> lock() noexcept;

    // Acquires only if free and nobody waits (not asyncio; handy off-runtime).
    bool try_acquire() noexcept {
        std::lock_guard guard(mu_);
        return try_take();
    }

    // Hands the lock to the oldest waiter, or frees it. Throws
    // InvalidStateError when the lock is not held (asyncio's RuntimeError).
    void release() {
        if (!release_unchecked()) throw InvalidStateError("Lock.release(): the lock is not acquired");
    }

    bool locked() const noexcept {
        std::lock_guard guard(mu_);
        return locked_;
    }

    // Tasks queued now (diagnostics and tests).
    std::size_t n_waiting() const noexcept {
        std::lock_guard guard(mu_);
        return waiters_.size();
    }

    // release() for internal callers that have checked: false if not held.
    bool release_unchecked() noexcept {
        detail::WakeBatch wake;
        std::lock_guard guard(mu_);
        if (!locked_) return false;
        if (detail::WaitNode* next = waiters_.pop_front())
            wake.grant(next);  // ownership passes on: locked_ stays true
        else
            locked_ = false;
        return true;
    }

private:
    bool try_take() noexcept {
        // FIFO: a free lock with waiters cannot exist (release hands it
        // over), but check both so the rule does not hang on that invariant.
        if (locked_ || !waiters_.empty()) return false;
        locked_ = true;
        return true;
    }

    mutable detail::SpinLock mu_;
    detail::WaitList waiters_;
    bool locked_ = false;

    // Last member: destroyed first, detaching from shutdown while the rest lives.
    static void cancel_waiters(void* owner, detail::RuntimeCore* rt) noexcept {
        auto* self = static_cast<Lock*>(owner);
        detail::WakeBatch wake;
        std::lock_guard guard(self->mu_);
        self->waiters_.cancel_runtime(rt, wake);
    }
    detail::SyncHook hook_{&cancel_waiters, this};
};

class Lock::Guard {
public:
    Guard() noexcept = default;
    explicit Guard(Lock& lock) noexcept : lock_(&lock) {}
    Guard(Guard&& other) noexcept : lock_(std::exchange(other.lock_, nullptr)) {}
    Guard& operator=(Guard&& other) noexcept {
        if (this != &other) {
            unlock();
            lock_ = std::exchange(other.lock_, nullptr);
        }
        return *this;
    }
    ~Guard() { unlock(); }

    bool owns_lock() const noexcept { return lock_ != nullptr; }
    // Releases early; the destructor then does nothing.
    void unlock() noexcept {
        if (lock_) std::exchange(lock_, nullptr)->release_unchecked();
    }

private:
    Lock* lock_ = nullptr;
};

template <bool WithGuard>
class Lock::Awaiter : public detail::SyncAwaiter<Awaiter<WithGuard>> {
public:
    explicit Awaiter(Lock& lock) noexcept : lock_(&lock) {}

    auto await_resume() {
        this->settle();
        if constexpr (WithGuard) return Guard(*lock_);
    }

    detail::SpinLock& sync_lock() noexcept { return lock_->mu_; }
    detail::WaitList& wait_list() noexcept { return lock_->waiters_; }
    detail::SyncHook& sync_hook() noexcept { return lock_->hook_; }
    detail::TryResult try_now(detail::WakeBatch&) noexcept {
        return lock_->try_take() ? detail::TryResult::done : detail::TryResult::wait;
    }
    // Handed the lock, then cancelled: pass it on (asyncio).
    bool give_back() noexcept {
        lock_->release_unchecked();
        return true;
    }

private:
    Lock* lock_;
};

inline Lock::Awaiter<false> Lock::acquire() noexcept { return Awaiter<false>(*this); }
inline Lock::Awaiter<true> Lock::lock() noexcept { return Awaiter<true>(*this); }

}  // namespace corio
