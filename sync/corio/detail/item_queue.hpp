// ItemQueue<T, Buffer, Policy>: the engine under Queue, LifoQueue,
// PriorityQueue and Channel. Items are handed over directly: a put meets the
// oldest waiting getter, a get that frees a slot moves the oldest waiting
// putter's item in, so waiters are served strictly FIFO and nobody barges.
// Cancellation-safe: a cancelled getter that had been handed an item gives it
// back (to the next getter, else to the front of the buffer); a waiting
// putter's item is either in the queue or still its own, never both.
#pragma once

#include <cstddef>
#include <limits>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "corio/detail/sync_awaiter.hpp"
#include "corio/sync_errors.hpp"

namespace corio::detail {

inline constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

template <class T, class Buffer, class Policy>
class ItemQueue {
public:
    class GetAwaiter;
    class PutAwaiter;
    class JoinAwaiter;
    using get_result = std::conditional_t<Policy::get_optional, std::optional<T>, T>;

    explicit ItemQueue(std::size_t capacity) : capacity_(capacity) {}
    ItemQueue(const ItemQueue&) = delete;
    ItemQueue& operator=(const ItemQueue&) = delete;

    PutAwaiter put(T item) { return PutAwaiter(*this, std::move(item)); }
    GetAwaiter get() noexcept { return GetAwaiter(*this); }
    JoinAwaiter join() noexcept { return JoinAwaiter(*this); }

    // Throws Policy's closed error, or Policy's full error when it would wait.
    void put_nowait(T item) {
        std::optional<T> slot(std::move(item));
        WakeBatch wake;
        std::lock_guard guard(mu_);
        TryResult r = try_put(slot, wake);
        if (r == TryResult::fail) Policy::closed();
        if (r == TryResult::wait) Policy::full();
    }
    // False (value untouched) when it would wait; throws when closed.
    bool try_put_ref(T& item) {
        std::optional<T> slot(std::move(item));
        TryResult r;
        {
            WakeBatch wake;
            std::lock_guard guard(mu_);
            r = try_put(slot, wake);
        }
        if (r != TryResult::done) item = std::move(*slot);
        if (r == TryResult::fail) Policy::closed();
        return r == TryResult::done;
    }
    // nullopt when it would wait; TryResult::fail reported through `failed`.
    std::optional<T> try_get(bool& failed) {
        std::optional<T> out;
        WakeBatch wake;
        std::lock_guard guard(mu_);
        failed = try_get_locked(out, wake) == TryResult::fail;
        return out;
    }

    void task_done() {
        WakeBatch wake;
        std::lock_guard guard(mu_);
        if (unfinished_ == 0) throw ValueError("Queue.task_done() called more times than there were items");
        if (--unfinished_ == 0) release_joiners(wake);
    }

    // Queue.shutdown (3.13) / Channel.close: puts fail from now on, gets
    // fail once the buffer is empty; discard drops the buffered items and
    // counts each as done (shutdown(immediate=True)).
    void close(bool discard) noexcept {
        WakeBatch wake;
        std::lock_guard guard(mu_);
        closed_ = true;
        if (discard) {
            discard_ = true;
            std::size_t n = buf_.size();
            buf_.clear();
            unfinished_ -= n < unfinished_ ? n : unfinished_;
            if (unfinished_ == 0) release_joiners(wake);
        }
        while (WaitNode* n = getters_.pop_front()) wake.grant(n, WaitNode::Status::aborted);
        while (WaitNode* n = putters_.pop_front()) wake.grant(n, WaitNode::Status::aborted);
    }

    std::size_t qsize() const noexcept {
        std::lock_guard guard(mu_);
        return buf_.size();
    }
    bool empty() const noexcept { return qsize() == 0; }
    bool full() const noexcept { return capacity_ != kUnbounded && qsize() >= capacity_; }
    bool closed() const noexcept {
        std::lock_guard guard(mu_);
        return closed_;
    }
    // Tasks queued now in get()/put() (diagnostics and tests).
    std::size_t waiting_getters() const noexcept {
        std::lock_guard guard(mu_);
        return getters_.size();
    }
    std::size_t waiting_putters() const noexcept {
        std::lock_guard guard(mu_);
        return putters_.size();
    }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    static std::optional<T>& slot_of(WaitNode* n) noexcept { return *static_cast<std::optional<T>*>(n->slot); }

    TryResult try_put(std::optional<T>& item, WakeBatch& wake) {
        if (closed_) return TryResult::fail;
        if (WaitNode* g = getters_.pop_front()) {
            // A getter waits only while the buffer is empty: give it the item.
            slot_of(g).emplace(std::move(*item));
            wake.grant(g);
        } else if (buf_.size() < capacity_) {
            buf_.push(std::move(*item));
        } else {
            return TryResult::wait;
        }
        ++unfinished_;
        return TryResult::done;
    }

    TryResult try_get_locked(std::optional<T>& out, WakeBatch& wake) {
        if (!buf_.empty()) {
            out.emplace(buf_.pop());
            // A slot freed: the oldest waiting putters move their items in.
            while (buf_.size() < capacity_ && !putters_.empty()) take_putter(wake, false, out);
            return TryResult::done;
        }
        if (!putters_.empty()) {  // capacity 0 (rendezvous): straight from the sender
            take_putter(wake, true, out);
            return TryResult::done;
        }
        return closed_ ? TryResult::fail : TryResult::wait;
    }

    void take_putter(WakeBatch& wake, bool direct, std::optional<T>& out) {
        WaitNode* p = putters_.pop_front();
        if (direct)
            out.emplace(std::move(*slot_of(p)));
        else
            buf_.push(std::move(*slot_of(p)));
        slot_of(p).reset();  // the put happened: the putter no longer owns it
        ++unfinished_;
        wake.grant(p);
    }

    void release_joiners(WakeBatch& wake) noexcept {
        while (WaitNode* n = joiners_.pop_front()) wake.grant(n);
    }

    // An item a cancelled getter was handed: the next getter gets it, else
    // it goes back to the front. (The buffer may then hold one item over
    // capacity until the next get: the putter that filled the slot cannot be
    // un-put.)
    void give_back(T&& item) {
        WakeBatch wake;
        std::lock_guard guard(mu_);
        if (discard_) {  // shut down with immediate=true: dropped and counted done
            if (unfinished_ > 0 && --unfinished_ == 0) release_joiners(wake);
        } else if (WaitNode* g = getters_.pop_front()) {
            slot_of(g).emplace(std::move(item));
            wake.grant(g);
        } else {
            buf_.unget(std::move(item));
        }
    }

    mutable SpinLock mu_;
    Buffer buf_;
    WaitList getters_;
    WaitList putters_;
    WaitList joiners_;
    const std::size_t capacity_;
    std::size_t unfinished_ = 0;  // asyncio's _unfinished_tasks
    bool closed_ = false;
    bool discard_ = false;

    // Last member: destroyed first, detaching from shutdown while the rest lives.
    static void cancel_waiters(void* owner, RuntimeCore* rt) noexcept {
        auto* self = static_cast<ItemQueue*>(owner);
        WakeBatch wake;
        std::lock_guard guard(self->mu_);
        self->getters_.cancel_runtime(rt, wake);
        self->putters_.cancel_runtime(rt, wake);
        self->joiners_.cancel_runtime(rt, wake);
    }
    SyncHook hook_{&cancel_waiters, this};
};

template <class T, class Buffer, class Policy>
class ItemQueue<T, Buffer, Policy>::GetAwaiter : public SyncAwaiter<GetAwaiter> {
public:
    explicit GetAwaiter(ItemQueue& q) noexcept : q_(&q) { this->node_.slot = &item_; }

    get_result await_resume() {
        if (!this->settle()) {
            if constexpr (Policy::get_optional)
                return std::nullopt;
            else
                Policy::closed();
        }
        if constexpr (Policy::get_optional)
            return std::move(item_);
        else
            return T(std::move(*item_));
    }

    SpinLock& sync_lock() noexcept { return q_->mu_; }
    WaitList& wait_list() noexcept { return q_->getters_; }
    SyncHook& sync_hook() noexcept { return q_->hook_; }
    TryResult try_now(WakeBatch& wake) noexcept { return q_->try_get_locked(item_, wake); }
    bool give_back() {
        q_->give_back(std::move(*item_));
        item_.reset();
        return true;
    }

private:
    ItemQueue* q_;
    std::optional<T> item_;
};

template <class T, class Buffer, class Policy>
class ItemQueue<T, Buffer, Policy>::PutAwaiter : public SyncAwaiter<PutAwaiter> {
public:
    PutAwaiter(ItemQueue& q, T&& item) : q_(&q), item_(std::move(item)) { this->node_.slot = &item_; }

    void await_resume() {
        if (!this->settle()) Policy::closed();
    }

    SpinLock& sync_lock() noexcept { return q_->mu_; }
    WaitList& wait_list() noexcept { return q_->putters_; }
    SyncHook& sync_hook() noexcept { return q_->hook_; }
    TryResult try_now(WakeBatch& wake) noexcept { return q_->try_put(item_, wake); }
    // Served means the item is already in the queue (maybe taken): the put
    // stands, and the cancellation comes at the task's next suspension.
    static bool give_back() noexcept { return false; }

private:
    ItemQueue* q_;
    std::optional<T> item_;
};

template <class T, class Buffer, class Policy>
class ItemQueue<T, Buffer, Policy>::JoinAwaiter : public SyncAwaiter<JoinAwaiter> {
public:
    explicit JoinAwaiter(ItemQueue& q) noexcept : q_(&q) {}
    void await_resume() { this->settle(); }

    SpinLock& sync_lock() noexcept { return q_->mu_; }
    WaitList& wait_list() noexcept { return q_->joiners_; }
    SyncHook& sync_hook() noexcept { return q_->hook_; }
    TryResult try_now(WakeBatch&) noexcept { return q_->unfinished_ == 0 ? TryResult::done : TryResult::wait; }
    static bool give_back() noexcept { return true; }

private:
    ItemQueue* q_;
};

}  // namespace corio::detail
