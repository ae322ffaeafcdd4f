// Future<T>: asyncio's Future. Completed exactly once (set_result,
// set_exception or cancel) from any thread: a worker, a reactor, a plain
// std::thread. Any number of tasks may await it and any number of callbacks
// may wait for it; awaiting tasks resume on the runtime's workers. Copies
// share one state.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "corio/coro.hpp"

namespace corio {

namespace detail {

template <class T>
struct FutureValue {
    ~FutureValue() {
        if (has) value.~T();
    }
    template <class... A>
    void emplace(A&&... args) {
        ::new (static_cast<void*>(std::addressof(value))) T(std::forward<A>(args)...);
        has = true;
    }
    union {
        T value;
    };
    bool has = false;
    FutureValue() noexcept {}
};
template <>
struct FutureValue<void> {};

template <class T>
struct FutureState : CompletionState {
    FutureValue<T> slot;
    WaitedNode waited;

    static void destroy_state(CompletionState* state) noexcept {
        auto* self = static_cast<FutureState*>(state);
        untrack_waited(&self->waited);
        if (!self->done()) self->drop_callbacks();
        delete self;
    }
    static bool cancel_state(CompletionState* state) noexcept {
        auto* self = static_cast<FutureState*>(state);
        if (!self->try_claim()) return false;
        self->error_ = std::make_exception_ptr(CancelledError("future was cancelled"));
        self->publish(Outcome::cancelled);
        return true;
    }
    static constexpr CompletionOps ops{&destroy_state, &cancel_state};

    FutureState() {
        init(&ops, 1);
        waited.state = this;
    }

    void publish(Outcome outcome) noexcept {
        seal_waited(&waited);
        Waiter* list = close(outcome);
        wake_all(list);
    }
};

template <class T>
struct FutureAwaiter {
    explicit FutureAwaiter(FutureState<T>* awaited) noexcept : state(awaited) {}

    FutureState<T>* state;
    TaskHeader* self = nullptr;
    Waiter waiter;

    bool await_ready() const noexcept { return state->done() && take_budget(); }

    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) noexcept {
        self = owner_of(caller);
        self->on_suspend();
        if (state->done()) {  // done, but the budget is spent
            yield_task(self, caller);
            return std::noop_coroutine();
        }
        waiter.task = self;
        waiter.handle = caller;
        track_waited(self->runtime, &state->waited);
        self->set_waiting_on(state);
        if (!state->add_waiter(&waiter)) return transfer(caller);
        return std::noop_coroutine();
    }

    decltype(auto) await_resume() {
        if (self) {
            self->clear_waiting_on();
            self->throw_if_cancelled();
        }
        return future_result(state);
    }

    static decltype(auto) future_result(FutureState<T>* s) {
        s->mark_retrieved();
        if (s->error_) std::rethrow_exception(s->error_);
        if constexpr (!std::is_void_v<T>) {
            if constexpr (std::is_copy_constructible_v<T>)
                return T(s->slot.value);
            else
                return T(std::move(s->slot.value));  // move-only: the first reader takes it
        }
    }
};

}  // namespace detail

template <class T = void>
class Future {
public:
    using value_type = T;

    Future() : state_(new detail::FutureState<T>()) {}
    Future(const Future& other) noexcept : state_(other.state_) { state_->retain(); }
    Future(Future&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
    Future& operator=(Future other) noexcept {
        std::swap(state_, other.state_);
        return *this;
    }
    ~Future() {
        if (state_) state_->release();
    }

    template <class... A>
        requires(std::is_void_v<T> ? sizeof...(A) == 0 : std::is_constructible_v<T, A&&...>)
    void set_result(A&&... value) {
        claim("set_result");
        if constexpr (!std::is_void_v<T>) {
            try {
                state()->slot.emplace(std::forward<A>(value)...);
            } catch (...) {
                state()->error_ = std::current_exception();
                state()->publish(detail::CompletionState::Outcome::error);
                throw;
            }
        }
        state()->publish(detail::CompletionState::Outcome::value);
    }

    void set_exception(std::exception_ptr error) {
        if (!error) throw InvalidStateError("Future.set_exception: a null exception_ptr");
        claim("set_exception");
        state()->error_ = std::move(error);
        state()->publish(detail::CompletionState::Outcome::error);
    }

    // Completes the future as cancelled; false when it was already done.
    bool cancel() noexcept { return state_ && state_->cancel(); }

    bool done() const { return state()->done(); }
    bool cancelled() const { return done() && state_->outcome() == detail::CompletionState::Outcome::cancelled; }

    decltype(auto) result() const {
        if (!done()) throw InvalidStateError("Future.result(): the future is not done yet");
        return detail::FutureAwaiter<T>::future_result(state_);
    }

    std::exception_ptr exception() const {
        if (!done()) throw InvalidStateError("Future.exception(): the future is not done yet");
        state_->mark_retrieved();
        if (state_->outcome() == detail::CompletionState::Outcome::cancelled) std::rethrow_exception(state_->error_);
        return state_->error_;
    }

    // fn(Future<T>) runs once the future is done (at once if it already is),
    // on the thread that completes it. It must not block or throw.
    template <class F>
        requires std::invocable<F&, Future<T>>
    void add_done_callback(F fn) {
        // The node holds no reference (that would keep a future nobody will
        // complete alive forever); the completer holds one while it runs it.
        auto call = [state = state(), fn = std::move(fn)]() mutable noexcept { fn(Future(state, retain)); };
        using Node = detail::CallbackWaiter<decltype(call)>;
        auto* node = new Node(std::move(call));
        if (!state()->add_waiter(node)) Node::run(node, true);
    }

    detail::FutureAwaiter<T> operator co_await() const { return detail::FutureAwaiter<T>(state()); }

    friend bool operator==(const Future& a, const Future& b) noexcept { return a.state_ == b.state_; }

private:
    static constexpr struct Retain {
    } retain{};
    Future(detail::FutureState<T>* state, Retain) noexcept : state_(state) { state_->retain(); }

    detail::FutureState<T>* state() const {
        if (!state_) throw InvalidStateError("use of a moved-from corio::Future");
        return state_;
    }
    void claim(const char* what) {
        if (!state()->try_claim())
            throw InvalidStateError(std::string("Future.") + what + ": the future is already done");
    }

    detail::FutureState<T>* state_;
};

}  // namespace corio
