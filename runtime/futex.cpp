#include "futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace corio::detail {
namespace {

long futex(Atomic<std::uint32_t>* word, int op, std::uint32_t value, const timespec* timeout) noexcept {
    static_assert(sizeof(Atomic<std::uint32_t>) == sizeof(std::uint32_t));
    return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op | FUTEX_PRIVATE_FLAG, value, timeout,
                   nullptr, 0);
}

}  // namespace

void futex_wait(Atomic<std::uint32_t>* word, std::uint32_t expected) noexcept {
    futex(word, FUTEX_WAIT, expected, nullptr);
}

void futex_wait_for(Atomic<std::uint32_t>* word, std::uint32_t expected, long timeout_ns) noexcept {
    timespec ts{timeout_ns / 1'000'000'000, timeout_ns % 1'000'000'000};
    futex(word, FUTEX_WAIT, expected, &ts);
}

void futex_wake_one(Atomic<std::uint32_t>* word) noexcept { futex(word, FUTEX_WAKE, 1, nullptr); }
void futex_wake_all(Atomic<std::uint32_t>* word) noexcept { futex(word, FUTEX_WAKE, 0x7fffffff, nullptr); }

}  // namespace corio::detail
