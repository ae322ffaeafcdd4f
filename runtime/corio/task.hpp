// Task<T>: the handle of a spawned task (asyncio's Task). spawn/create_task
// schedule a Coro (or any awaitable, as ensure_future) at once on the
// scheduler. The handle is copyable and awaitable by any number of tasks;
// dropping every handle detaches the task, never cancels it. One allocation
// per task: the coroutine frame is the task.
#pragma once

#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include "corio/coro.hpp"
#include "corio/detail/awaitable_traits.hpp"

namespace corio {

template <class T = void>
class Task;

namespace detail {

template <class T>
Promise<T>& promise_of(TaskHeader* header) noexcept {
    return static_cast<Promise<T>&>(static_cast<PromiseBase&>(*header));
}

template <class T>
struct TaskOps {
    static void destroy(CompletionState* state) noexcept {
        auto* header = static_cast<TaskHeader*>(state);
        if (header->outcome() == CompletionState::Outcome::error && !header->retrieved())
            report_unretrieved(header->error_, header->spawn_site);
        // The last reference: live_name is ours to read (a name set after
        // the task finished leaves the registry out of it).
        if (header->live_shard.load(memory_order_acquire) || header->live_name) free_live_node(header);
        std::coroutine_handle<Promise<T>>::from_promise(promise_of<T>(header)).destroy();
    }
    static bool cancel(CompletionState* state) noexcept { return static_cast<TaskHeader*>(state)->request_cancel(); }
    static constexpr CompletionOps ops{&destroy, &cancel};
};

// The value a finished task gives each reader: a copy when T is copyable;
// a move-only value is moved to the first reader.
template <class T>
decltype(auto) task_result(TaskHeader* header) {
    header->mark_retrieved();
    if constexpr (std::is_void_v<T>) {
        promise_of<T>(header).peek();
    } else if constexpr (std::is_reference_v<T> || std::is_copy_constructible_v<T>) {
        return static_cast<std::conditional_t<std::is_reference_v<T>, T, std::remove_cvref_t<T>>>(
            promise_of<T>(header).peek());
    } else {
        return T(std::move(const_cast<T&>(promise_of<T>(header).peek())));
    }
}

template <class T>
struct TaskAwaiter {
    explicit TaskAwaiter(TaskHeader* awaited) noexcept : task(awaited) {}

    TaskHeader* task;
    TaskHeader* self = nullptr;
    Waiter waiter;

    bool await_ready() const noexcept { return task->done() && take_budget(); }

    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) noexcept {
        self = owner_of(caller);
        if (task->done()) {  // done, but the budget is spent: let others run first
            self->on_suspend();
            yield_task(self, caller);
            return std::noop_coroutine();
        }
        if (take_for_inline(task)) {
            // The join fast path: the child never started and nobody stole
            // it, so run it right here; its end transfers straight back. The
            // parent registers as waiting on it only if it really suspends.
            task->inline_parent = caller;
            task->joined_by = self;
            if (self->state() & CompletionState::kCancelPending) [[unlikely]]
                task->cancel();
            return transfer(task->resume_point);
        }
        self->on_suspend();
        self->set_waiting_on(task);
        waiter.task = self;
        waiter.handle = caller;
        if (!task->add_waiter(&waiter)) return transfer(caller);  // finished meanwhile
        return std::noop_coroutine();
    }

    decltype(auto) await_resume() {
        if (self) {
            self->clear_waiting_on();
            self->throw_if_cancelled();
        }
        return task_result<T>(task);
    }
};

template <class T>
Task<T> start(Coro<T>&& coro, RuntimeCore* runtime, const std::source_location& where, std::string* name = nullptr);

class TaskHandleBase;
// Lets the runtime reach a handle's shared state without widening Task's API.
struct TaskAccess {
    static TaskHeader* header(const TaskHandleBase& task) noexcept;
};

template <class A>
Coro<await_result_t<A>> await_into_coro(A awaitable) {
    co_return co_await std::move(awaitable);
}

}  // namespace detail

namespace detail {

// What every task handle shares (Task<T>, TaskRef): a counted reference to
// the task's state, its cancel/done queries, its spawn site and name.
class TaskHandleBase {
public:
    bool valid() const noexcept { return header_ != nullptr; }
    bool done() const { return checked()->done(); }
    bool cancelled() const { return done() && header_->outcome() == CompletionState::Outcome::cancelled; }

    // asyncio's Task.cancel(): a request, seen at the task's current or next
    // suspension point. False when the task is already done.
    bool cancel() { return checked()->cancel(); }

    const std::source_location& spawn_site() const { return checked()->spawn_site; }

    // asyncio's Task.get_name()/set_name(): empty until a name is given
    // (create_task(coro, name) or set_name); all_tasks() shows it.
    std::string name() const { return task_name(checked()); }
    void set_name(std::string name) { set_task_name(checked(), std::move(name)); }

protected:
    TaskHandleBase() noexcept = default;
    explicit TaskHandleBase(TaskHeader* adopted) noexcept : header_(adopted) {}
    TaskHandleBase(const TaskHandleBase& other) noexcept : header_(other.header_) {
        if (header_) header_->retain();
    }
    TaskHandleBase(TaskHandleBase&& other) noexcept : header_(std::exchange(other.header_, nullptr)) {}
    TaskHandleBase& operator=(const TaskHandleBase& other) noexcept {
        if (other.header_) other.header_->retain();  // first: self-assignment stays safe
        if (header_) header_->release();
        header_ = other.header_;
        return *this;
    }
    TaskHandleBase& operator=(TaskHandleBase&& other) noexcept {
        if (this != &other) {
            if (header_) header_->release();
            header_ = std::exchange(other.header_, nullptr);
        }
        return *this;
    }
    ~TaskHandleBase() {
        if (header_) header_->release();
    }

    TaskHeader* checked() const {
        if (!header_) throw InvalidStateError("use of an empty corio task handle (Task or TaskRef)");
        return header_;
    }

    TaskHeader* header_ = nullptr;

    friend struct TaskAccess;
};

}  // namespace detail

template <class T>
class Task : public detail::TaskHandleBase {
public:
    using value_type = T;

    Task() noexcept = default;

    // The value; rethrows the task's exception (CancelledError if cancelled).
    decltype(auto) result() const {
        if (!done()) throw InvalidStateError("Task.result(): the task is not done yet");
        return detail::task_result<T>(header_);
    }

    // The exception the task ended with (null if it returned a value);
    // throws CancelledError for a cancelled task, as asyncio.
    std::exception_ptr exception() const {
        if (!done()) throw InvalidStateError("Task.exception(): the task is not done yet");
        header_->mark_retrieved();
        if (header_->outcome() == detail::CompletionState::Outcome::cancelled) std::rethrow_exception(header_->error_);
        return header_->error_;
    }

    // fn(Task<T>) runs once the task is done (at once if it already is), on
    // the thread that completes it. It must not block or throw.
    template <class F>
        requires std::invocable<F&, Task<T>>
    void add_done_callback(F fn) {
        // No reference in the node: the completer holds one while it runs it.
        auto call = [header = checked(), fn = std::move(fn)]() mutable noexcept {
            header->retain();
            fn(Task(header));
        };
        using Node = detail::CallbackWaiter<decltype(call)>;
        auto* node = new Node(std::move(call));
        if (!checked()->add_waiter(node)) Node::run(node, true);
    }

    detail::TaskAwaiter<T> operator co_await() const { return detail::TaskAwaiter<T>(checked()); }

    friend bool operator==(const Task& a, const Task& b) noexcept { return a.header_ == b.header_; }

private:
    template <class U>
    friend Task<U> detail::start(Coro<U>&&, detail::RuntimeCore*, const std::source_location&, std::string*);
    explicit Task(detail::TaskHeader* adopted) noexcept : TaskHandleBase(adopted) {}
};

namespace detail {

template <class T>
Task<T> start(Coro<T>&& coro, RuntimeCore* runtime, const std::source_location& where, std::string* name) {
    if (!coro.valid()) throw InvalidStateError("spawn of an empty corio::Coro (moved from or already spawned)");
    auto handle = coro.release();
    Promise<T>& p = handle.promise();
    p.is_task = true;
    p.owner = &p;
    p.resume_point = handle;
    p.joined_by = nullptr;
    p.init(&TaskOps<T>::ops, 2);  // the task's own reference and the handle's
    try {
        start_task(&p, runtime, where, name);
    } catch (...) {
        handle.destroy();
        throw;
    }
    return Task<T>(&p);
}

template <class D>
inline constexpr bool is_coro = false;
template <class T>
inline constexpr bool is_coro<Coro<T>> = true;
template <class D>
inline constexpr bool is_task = false;
template <class T>
inline constexpr bool is_task<Task<T>> = true;

template <class A>
auto spawn_on(RuntimeCore* runtime, A&& awaitable, const std::source_location& where, std::string* name = nullptr) {
    using D = std::remove_cvref_t<A>;
    if constexpr (is_coro<D>) {
        static_assert(std::is_rvalue_reference_v<A&&>, "spawn takes a Coro by value: spawn(f()) or spawn(std::move(c))");
        return start(std::move(awaitable), runtime, where, name);
    } else if constexpr (is_task<D>) {
        D task(awaitable);  // ensure_future of a task is the task itself
        if (name) task.set_name(std::move(*name));
        return task;
    } else {
        static_assert(Awaitable<A>, "corio::spawn takes a corio::Coro or an awaitable");
        return start(await_into_coro<D>(std::forward<A>(awaitable)), runtime, where, name);
    }
}

}  // namespace detail

// asyncio.create_task / ensure_future: schedule now on the current runtime.
// Throws InvalidStateError when no corio runtime runs on this thread (use
// Runtime::spawn from other threads).
template <class A>
auto spawn(A&& awaitable, std::source_location where = std::source_location::current()) {
    return detail::spawn_on(nullptr, std::forward<A>(awaitable), where);
}

template <class A>
auto create_task(A&& awaitable, std::source_location where = std::source_location::current()) {
    return detail::spawn_on(nullptr, std::forward<A>(awaitable), where);
}

// create_task(coro, name=...): the name shows in all_tasks() and the trace.
template <class A>
auto create_task(A&& awaitable, std::string name, std::source_location where = std::source_location::current()) {
    return detail::spawn_on(nullptr, std::forward<A>(awaitable), where, &name);
}

namespace detail {
inline TaskHeader* TaskAccess::header(const TaskHandleBase& task) noexcept { return task.header_; }
}  // namespace detail

}  // namespace corio
