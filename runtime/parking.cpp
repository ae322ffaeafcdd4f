#include "parking.hpp"

#include <algorithm>

#include "futex.hpp"

namespace corio::detail {

void Parker::park() noexcept {
    // acquire: see what the waker published before it cleared the word.
    while (word_.load(memory_order_acquire) == 1) futex_wait(&word_, 1);
}

void Parker::unpark() noexcept {
    word_.store(0, memory_order_release);
    futex_wake_one(&word_);
}

Idle::Idle(unsigned workers) : workers_(workers), state_(workers * kOneAwake) { sleepers_.reserve(workers); }

bool Idle::try_begin_search() noexcept {
    std::uint32_t s = state_.load(memory_order_seq_cst);
    do {
        if (2 * (s & kSearchMask) >= workers_ && workers_ > 1) return false;
    } while (!state_.compare_exchange_weak(s, s + 1, memory_order_seq_cst));
    return true;
}

bool Idle::end_search() noexcept {
    // seq_cst: pairs with the load in worker_to_wake(), so a pusher that
    // sees a searcher can rely on that searcher finding its work.
    return (state_.fetch_sub(1, memory_order_seq_cst) & kSearchMask) == 1;
}

std::optional<unsigned> Idle::worker_to_wake() {
    std::uint32_t s = state_.load(memory_order_seq_cst);
    if ((s & kSearchMask) != 0 || s / kOneAwake >= workers_) return std::nullopt;
    std::lock_guard lock(mutex_);
    s = state_.load(memory_order_seq_cst);
    if ((s & kSearchMask) != 0 || sleepers_.empty()) return std::nullopt;
    unsigned worker = sleepers_.back();
    sleepers_.pop_back();
    state_.fetch_add(kOneAwake + 1, memory_order_seq_cst);  // awake, and searching
    return worker;
}

void Idle::register_sleeper(unsigned worker) {
    std::lock_guard lock(mutex_);
    // seq_cst: the sleeper re-checks every queue after this, and a pusher
    // checks this word after pushing: one of the two sees the other.
    state_.fetch_sub(kOneAwake, memory_order_seq_cst);
    sleepers_.push_back(worker);
}

bool Idle::withdraw_sleeper(unsigned worker) {
    std::lock_guard lock(mutex_);
    auto it = std::find(sleepers_.begin(), sleepers_.end(), worker);
    if (it == sleepers_.end()) return false;
    sleepers_.erase(it);
    state_.fetch_add(kOneAwake, memory_order_seq_cst);
    return true;
}

std::vector<unsigned> Idle::take_all_sleepers() {
    std::lock_guard lock(mutex_);
    std::vector<unsigned> all;
    all.swap(sleepers_);
    // Woken workers count as awake and searching, as worker_to_wake's do.
    state_.fetch_add(static_cast<std::uint32_t>(all.size()) * (kOneAwake + 1), memory_order_seq_cst);
    return all;
}

}  // namespace corio::detail
