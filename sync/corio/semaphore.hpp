// Semaphore and BoundedSemaphore: asyncio's. acquire() takes a permit or
// waits FIFO; release() hands the permit straight to the oldest waiter, so
// a newcomer never overtakes a waiter. BoundedSemaphore::release() throws
// ValueError past the initial value. Cancellation-safe: a cancelled waiter
// leaves the queue, and one cancelled after a permit reached it passes the
// permit on before it throws CancelledError.
#pragma once

#include <cstddef>
#include <limits>
#include <mutex>
#include <utility>

#include "corio/detail/sync_awaiter.hpp"
#include "corio/sync_errors.hpp"

namespace corio {

class Semaphore {
public:
    class Awaiter;

    explicit Semaphore(std::ptrdiff_t value = 1) : Semaphore(value, std::numeric_limits<std::ptrdiff_t>::max()) {}
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;

    Awaiter acquire() noexcept;

    bool try_acquire() noexcept {
        std::lock_guard guard(mu_);
        return try_take();
    }

    void release() {
        detail::WakeBatch wake;
        std::lock_guard guard(mu_);
        if (detail::WaitNode* next = waiters_.pop_front()) {
            wake.grant(next);  // the permit goes straight to the oldest waiter
            return;
        }
        if (value_ >= bound_) throw ValueError("BoundedSemaphore released too many times");
        ++value_;
    }

    // True when acquire() would wait.
    bool locked() const noexcept {
        std::lock_guard guard(mu_);
        return value_ == 0 || !waiters_.empty();
    }
    std::ptrdiff_t value() const noexcept {
        std::lock_guard guard(mu_);
        return value_;
    }

    // Tasks queued now (diagnostics and tests).
    std::size_t n_waiting() const noexcept {
        std::lock_guard guard(mu_);
        return waiters_.size();
    }

protected:
    Semaphore(std::ptrdiff_t value, std::ptrdiff_t bound) : value_(value), bound_(bound) {
        if (value < 0) throw ValueError("Semaphore initial value must be >= 0");
    }

private:
    bool try_take() noexcept {
        if (value_ == 0 || !waiters_.empty()) return false;  // FIFO: never overtake a waiter
        --value_;
        return true;
    }

    mutable detail::SpinLock mu_;
    detail::WaitList waiters_;
    std::ptrdiff_t value_;
    const std::ptrdiff_t bound_;

    // Last member: destroyed first, detaching from shutdown while the rest lives.
    static void cancel_waiters(void* owner, detail::RuntimeCore* rt) noexcept {
        auto* self = static_cast<Semaphore*>(owner);
        detail::WakeBatch wake;
        std::lock_guard guard(self->mu_);
        self->waiters_.cancel_runtime(rt, wake);
    }
    detail::SyncHook hook_{&cancel_waiters, this};
};

class BoundedSemaphore : public Semaphore {
public:
    explicit BoundedSemaphore(std::ptrdiff_t value = 1) : Semaphore(value, value) {}
};

class Semaphore::Awaiter : public detail::SyncAwaiter<Awaiter> {
public:
    explicit Awaiter(Semaphore& sem) noexcept : sem_(&sem) {}
    void await_resume() { settle(); }

    detail::SpinLock& sync_lock() noexcept { return sem_->mu_; }
    detail::WaitList& wait_list() noexcept { return sem_->waiters_; }
    detail::SyncHook& sync_hook() noexcept { return sem_->hook_; }
    detail::TryResult try_now(detail::WakeBatch&) noexcept {
        return sem_->try_take() ? detail::TryResult::done : detail::TryResult::wait;
    }
    // Handed a permit, then cancelled: pass it on. It cannot exceed the
    // bound, since this permit was out.
    bool give_back() {
        sem_->release();
        return true;
    }

private:
    Semaphore* sem_;
};

inline Semaphore::Awaiter Semaphore::acquire() noexcept { return Awaiter(*this); }

}  // namespace corio
