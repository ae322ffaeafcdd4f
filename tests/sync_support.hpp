// Helpers shared by the sync/ units (not a unit itself).
//  - until(pred): yields until pred() holds; how a test waits for a task to
//    be queued in a primitive without sleeping (bounded by run_bounded).
//  - Rng: a small deterministic generator for the cancellation storms.
//  - k8x: 8 workers on this 2-core machine (oversubscribed, waiters spread).
#pragma once

#include <cstdint>

#include <corio/sync.hpp>

#include "support.hpp"

namespace corio_test {

inline const corio::Options k8x{.workers = 8};

template <class Pred>
corio::Coro<void> until(Pred pred) {
    while (!pred()) co_await corio::yield_now();
}

struct Rng {
    std::uint64_t s;
    std::uint64_t next() noexcept {  // xorshift64
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    unsigned below(unsigned n) noexcept { return static_cast<unsigned>(next() % n); }
};

// Awaits a task that may have been cancelled; true if it was.
template <class T>
corio::Coro<bool> was_cancelled(corio::Task<T> t) {
    try {
        co_await t;
        co_return false;
    } catch (const corio::CancelledError&) {
        co_return true;
    }
}

}  // namespace corio_test
