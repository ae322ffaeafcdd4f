// Barrier: asyncio.Barrier (3.11). wait() suspends until `parties` tasks
// are waiting, then releases them all at once and returns each its arrival
// index (0 … parties-1; the last arrival gets parties-1); the barrier is then
// ready for the next round. abort() breaks it (waits throw
// BrokenBarrierError until reset()); reset() fails the current waiters and
// empties it. A waiter cancelled before the barrier filled leaves it.
#pragma once

#include <cstddef>
#include <mutex>

#include "corio/detail/sync_awaiter.hpp"
#include "corio/sync_errors.hpp"

namespace corio {

class Barrier {
public:
    class Awaiter;

    explicit Barrier(std::size_t parties) : parties_(parties) {
        if (parties == 0) throw ValueError("Barrier parties must be > 0");
    }
    Barrier(const Barrier&) = delete;
    Barrier& operator=(const Barrier&) = delete;

    Awaiter wait() noexcept;

    // Fails the current waiters with BrokenBarrierError; the barrier is then empty and usable.
    void reset() noexcept { fail_waiters(false); }
    // Breaks the barrier: current and future waits throw BrokenBarrierError until reset().
    void abort() noexcept { fail_waiters(true); }

    std::size_t parties() const noexcept { return parties_; }
    std::size_t n_waiting() const noexcept {
        std::lock_guard guard(mu_);
        return waiters_.size();
    }
    bool broken() const noexcept {
        std::lock_guard guard(mu_);
        return broken_;
    }

private:
    void fail_waiters(bool broken) noexcept {
        detail::WakeBatch wake;
        std::lock_guard guard(mu_);
        broken_ = broken;
        while (detail::WaitNode* n = waiters_.pop_front()) wake.grant(n, detail::WaitNode::Status::aborted);
    }

    const std::size_t parties_;
    mutable detail::SpinLock mu_;
    detail::WaitList waiters_;  // this round's arrivals, oldest first
    bool broken_ = false;

    // Last member: destroyed first, detaching from shutdown while the rest lives.
    static void cancel_waiters(void* owner, detail::RuntimeCore* rt) noexcept {
        auto* self = static_cast<Barrier*>(owner);
        detail::WakeBatch wake;
        std::lock_guard guard(self->mu_);
        self->waiters_.cancel_runtime(rt, wake);
    }
    detail::SyncHook hook_{&cancel_waiters, this};
};

class Barrier::Awaiter : public detail::SyncAwaiter<Awaiter> {
public:
    explicit Awaiter(Barrier& barrier) noexcept : barrier_(&barrier) {}

    std::size_t await_resume() {
        if (!settle()) throw BrokenBarrierError();
        return node_.task ? node_.index : index_;  // suspended: the granter set the index
    }

    detail::SpinLock& sync_lock() noexcept { return barrier_->mu_; }
    detail::WaitList& wait_list() noexcept { return barrier_->waiters_; }
    detail::SyncHook& sync_hook() noexcept { return barrier_->hook_; }
    detail::TryResult try_now(detail::WakeBatch& wake) noexcept {
        Barrier& b = *barrier_;
        if (b.broken_) return detail::TryResult::fail;
        if (b.waiters_.size() + 1 < b.parties_) return detail::TryResult::wait;
        // The last arrival releases the round: indices in arrival order.
        std::size_t i = 0;
        while (detail::WaitNode* n = b.waiters_.pop_front()) {
            n->index = i++;
            wake.grant(n);
        }
        index_ = i;
        node_.index = i;
        return detail::TryResult::done;
    }
    // Released, then cancelled: the round has passed for everyone else, so
    // there is nothing to give back; the cancellation is thrown.
    static bool give_back() noexcept { return true; }

private:
    Barrier* barrier_;
    std::size_t index_ = 0;
};

inline Barrier::Awaiter Barrier::wait() noexcept { return Awaiter(*this); }

}  // namespace corio
