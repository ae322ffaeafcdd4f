// Completing a Future from a place that must not throw (completion
// callbacks, blocking-pool threads): the awaiter may have been cancelled,
// which completes the future first; losing that race is not an error here.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "corio/future.hpp"
#if CORIO_TSAN
// In libtsan, though GCC 12's <sanitizer/tsan_interface.h> does not declare them.
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
#endif

namespace corio::detail {

inline void fire(Future<void>& signal) noexcept {
    try {
        signal.set_result();
    } catch (const InvalidStateError&) {  // already cancelled: nobody waits
    }
}

// Runs fn and completes `result` with its value or exception. A result the
// (cancelled) awaiter no longer wants is dropped, as asyncio does.
template <class T, class F>
void complete_with(Future<T>& result, F& fn) noexcept {
    std::exception_ptr error;
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
    try {
        if constexpr (std::is_void_v<T>) {
            fn();
            value.emplace(true);
        } else {
            value.emplace(fn());
        }
    } catch (...) {
        error = std::current_exception();
    }
    try {
        if (error)
            result.set_exception(error);
        else if constexpr (std::is_void_v<T>)
            result.set_result();
        else
            result.set_result(std::move(*value));
    } catch (const InvalidStateError&) {  // cancelled meanwhile
    } catch (...) {
        // A throwing move of the value: the future already holds that error.
    }
}

// The reference a thread outside the runtime (blocking pool, oneTBB arena)
// holds on the future it completes. That thread may drop the last reference
// after the awaiter has read the exception it stored; what orders the two is
// libstdc++'s exception refcount, which is not built with ThreadSanitizer.
// So under TSan the drop is not checked (the futures' own state is, on the
// awaiting side and in the completion).
template <class T>
struct ForeignRef {
    explicit ForeignRef(Future<T> f) : future(std::move(f)) {}
    ForeignRef(ForeignRef&&) = default;
    ~ForeignRef() {
#if CORIO_TSAN
        __tsan_ignore_thread_begin();
        future.reset();
        __tsan_ignore_thread_end();
#endif
    }
    std::optional<Future<T>> future;
};

}  // namespace corio::detail
