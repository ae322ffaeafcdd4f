// Thin wrappers over the Linux futex: the one way corio threads sleep.
// Waking by address never touches the memory, so a waker may wake a word
// whose owner has already gone.
#pragma once

#include <cstdint>

#include "corio/detail/atomic.hpp"

namespace corio::detail {

// Sleeps while *word == expected (spurious returns are allowed).
void futex_wait(Atomic<std::uint32_t>* word, std::uint32_t expected) noexcept;
// Same, for at most `timeout_ns` nanoseconds.
void futex_wait_for(Atomic<std::uint32_t>* word, std::uint32_t expected, long timeout_ns) noexcept;
void futex_wake_one(Atomic<std::uint32_t>* word) noexcept;
void futex_wake_all(Atomic<std::uint32_t>* word) noexcept;

}  // namespace corio::detail
