// Idle-worker bookkeeping, as Tokio's idle.rs: how many workers search for
// work and how many are awake, in one atomic word, plus the list of parked
// workers. At most half the workers search at once; new work wakes one
// parked worker only when nobody searches (no thundering herd). Parking
// and unparking take a mutex; pushing work reads one atomic and takes the
// mutex only when it has a sleeper to wake.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "corio/detail/atomic.hpp"

namespace corio::detail {

// One worker's sleep: a futex word, 1 while it should sleep.
class Parker {
public:
    void prepare() noexcept { word_.store(1, memory_order_relaxed); }
    void park() noexcept;
    void unpark() noexcept;
    // For a sleep elsewhere (a worker's io_uring waits on the word): true
    // until a waker has cleared it.
    bool asleep() const noexcept { return word_.load(memory_order_acquire) == 1; }
    Atomic<std::uint32_t>* word() noexcept { return &word_; }

private:
    Atomic<std::uint32_t> word_{0};
};

class Idle {
public:
    explicit Idle(unsigned workers);

    // A worker with no work may search only while fewer than half search.
    bool try_begin_search() noexcept;
    // Returns true when the caller was the last searcher.
    bool end_search() noexcept;

    // Work was added: the worker to wake, if one should be woken. The woken
    // worker is counted awake and searching already.
    std::optional<unsigned> worker_to_wake();

    // Parking: the worker is counted asleep and listed.
    void register_sleeper(unsigned worker);
    // Work showed up after registering: undo it, unless a waker already
    // took the worker off the list (then it must wait for that wake).
    bool withdraw_sleeper(unsigned worker);

    // Shutdown: every parked worker, taken off the list.
    std::vector<unsigned> take_all_sleepers();

    unsigned searching() const noexcept { return state_.load(memory_order_seq_cst) & kSearchMask; }

private:
    static constexpr std::uint32_t kSearchMask = 0xffff;
    static constexpr std::uint32_t kOneAwake = 1u << 16;

    const unsigned workers_;
    Atomic<std::uint32_t> state_;  // searching | awake << 16
    std::mutex mutex_;
    std::vector<unsigned> sleepers_;
};

}  // namespace corio::detail
