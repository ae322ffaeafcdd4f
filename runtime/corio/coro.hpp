// Coro<T>: a lazy coroutine, asyncio's `async def`. Nothing runs until it is
// awaited or spawned; `co_await coro` runs it inline on the caller's thread by
// symmetric transfer (no scheduler round trip). Move-only; a Coro destroyed
// without having run frees its frame. T may be void or a reference.
#pragma once

#include <concepts>
#include <coroutine>
#include <exception>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "corio/detail/frame_allocator.hpp"
#include "corio/detail/scheduler.hpp"
#include "corio/errors.hpp"

namespace corio {

template <class T = void>
class Coro;

namespace detail {

// The promise part every corio coroutine shares. It is a TaskHeader so that
// spawning turns the frame into a task in place.
struct PromiseBase : TaskHeader {
    std::coroutine_handle<> continuation;  // inline await: who awaits us
    TaskHeader* owner = nullptr;           // the task this coroutine runs as part of
    bool is_task = false;

    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept { free_frame(frame, size); }

    // A spawned task cancelled before it first ran never enters its body:
    // the CancelledError comes out of the initial suspend point, as asyncio.
    struct InitialAwaiter {
        PromiseBase* promise;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        void await_resume() const {
            if (promise->is_task) promise->throw_if_cancelled();
        }
    };
    InitialAwaiter initial_suspend() noexcept { return {this}; }

    struct FinalAwaiter {
        bool await_ready() const noexcept { return false; }
        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> self) const noexcept {
            PromiseBase& p = self.promise();
            if (!p.is_task) return transfer(p.continuation);
            return finish_task(&p);
        }
        void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }

    void unhandled_exception() noexcept {
        error_ = std::current_exception();
        try {
            throw;
        } catch (const CancelledError&) {
            cancelled_error = true;
        } catch (...) {
        }
    }

    void rethrow_if_error() {
        if (error_) std::rethrow_exception(error_);
    }
};

template <class P>
concept CorioPromise = std::derived_from<P, PromiseBase>;

// The task a coroutine runs in, from its promise.
template <class P>
TaskHeader* owner_of(std::coroutine_handle<P> h) noexcept {
    static_assert(CorioPromise<P>, "corio awaitables can only be awaited from corio::Coro coroutines");
    return h.promise().owner;
}

template <class T>
struct Promise : PromiseBase {
    Promise() noexcept {}
    ~Promise() {
        if (has_value_) value_.~T();
    }
    Coro<T> get_return_object() noexcept;

    template <class U = T>
        requires std::constructible_from<T, U&&>
    void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        ::new (static_cast<void*>(std::addressof(value_))) T(std::forward<U>(value));
        has_value_ = true;
    }

    T take() {  // inline await: the single consumer moves the value out
        rethrow_if_error();
        return std::move(value_);
    }
    const T& peek() {  // a task: many awaiters each read it
        rethrow_if_error();
        return value_;
    }

private:
    union {
        T value_;
    };
    bool has_value_ = false;
};

template <class T>
struct Promise<T&> : PromiseBase {
    Coro<T&> get_return_object() noexcept;
    void return_value(T& value) noexcept { value_ = std::addressof(value); }
    T& take() {
        rethrow_if_error();
        return *value_;
    }
    T& peek() { return take(); }

private:
    T* value_ = nullptr;
};

template <>
struct Promise<void> : PromiseBase {
    Coro<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take() { rethrow_if_error(); }
    void peek() { rethrow_if_error(); }
};

template <class T>
struct CoroAwaiter {
    std::coroutine_handle<Promise<T>> child;

    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) const noexcept {
        Promise<T>& p = child.promise();
        p.continuation = caller;
        p.owner = owner_of(caller);
        return transfer(child);
    }
    T await_resume() const { return child.promise().take(); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Coro {
public:
    using promise_type = detail::Promise<T>;
    using value_type = T;

    Coro() noexcept = default;
    Coro(Coro&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    Coro& operator=(Coro&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    Coro(const Coro&) = delete;
    Coro& operator=(const Coro&) = delete;
    ~Coro() { reset(); }

    bool valid() const noexcept { return static_cast<bool>(handle_); }

    // Awaiting runs the coroutine to its end inline; a Coro can be awaited once.
    detail::CoroAwaiter<T> operator co_await() && { return {checked()}; }
    detail::CoroAwaiter<T> operator co_await() & { return {checked()}; }

    // Gives the frame away (to spawn, which makes it a task).
    std::coroutine_handle<promise_type> release() noexcept { return std::exchange(handle_, {}); }

private:
    friend struct detail::Promise<T>;
    explicit Coro(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}

    std::coroutine_handle<promise_type> checked() const {
        if (!handle_) throw InvalidStateError("co_await on an empty corio::Coro (moved from or spawned)");
        if (handle_.done()) throw InvalidStateError("co_await on a corio::Coro that already ran: a coroutine can be awaited once");
        return handle_;
    }
    void reset() noexcept {
        if (handle_) std::exchange(handle_, {}).destroy();
    }

    std::coroutine_handle<promise_type> handle_;
};

namespace detail {
template <class T>
Coro<T> Promise<T>::get_return_object() noexcept {
    return Coro<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
template <class T>
Coro<T&> Promise<T&>::get_return_object() noexcept {
    return Coro<T&>(std::coroutine_handle<Promise<T&>>::from_promise(*this));
}
inline Coro<void> Promise<void>::get_return_object() noexcept {
    return Coro<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace detail

}  // namespace corio
