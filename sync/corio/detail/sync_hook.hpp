// SyncHook: how a primitive's waiters are found by runtime shutdown. Instead
// of each blocking wait registering with the runtime (track_waited takes the
// runtime's mutex twice per wait), a primitive registers itself once per
// runtime, on its first blocking wait; shutdown's cancel then cancels every
// waiter of that runtime queued in it. The runtime's SyncService detaches
// all hooks before the runtime goes, and a primitive detaches on destruction,
// so neither side can see the other dead. Per wait: one atomic load.
#pragma once

#include "corio/detail/completion.hpp"
#include "corio/detail/scheduler.hpp"

namespace corio::detail {

class SyncService;

class SyncHook : public CompletionState {
public:
    using CancelAll = void (*)(void* owner, RuntimeCore* runtime) noexcept;

    SyncHook(CancelAll cancel_all, void* owner) noexcept : cancel_all_(cancel_all), owner_(owner) {
        init(&kOps, 1);  // the owner's reference; cancellers hold others briefly
        waited.state = this;
    }
    SyncHook(const SyncHook&) = delete;
    SyncHook& operator=(const SyncHook&) = delete;
    ~SyncHook() { detach(); }

    // True when this primitive is registered with `rt`'s shutdown, so the
    // wait of a task of rt needs no registration of its own. False for a
    // second runtime (its waits register one by one) or a stopping one.
    bool covers(RuntimeCore* rt) noexcept {
        // acquire: pairs with track_waited's release store of the runtime.
        RuntimeCore* now = waited.runtime.load(memory_order_acquire);
        if (now == rt) [[likely]]
            return rt != nullptr;
        return now == nullptr && rt != nullptr && attach(rt);
    }

    WaitedNode waited;
    // The SyncService's list, guarded by its mutex.
    SyncHook* prev = nullptr;
    SyncHook* next = nullptr;
    Atomic<SyncService*> service{nullptr};

private:
    bool attach(RuntimeCore* rt) noexcept;
    void detach() noexcept;

    static void on_destroy(CompletionState*) noexcept {}  // the owner's reference outlives the others
    static bool on_cancel(CompletionState* state) noexcept {
        auto* self = static_cast<SyncHook*>(state);
        // acquire: as in covers(). Null once detached: nothing to cancel.
        if (RuntimeCore* rt = self->waited.runtime.load(memory_order_acquire)) self->cancel_all_(self->owner_, rt);
        return true;
    }
    static constexpr CompletionOps kOps{&on_destroy, &on_cancel};

    CancelAll cancel_all_;
    void* owner_;
};

}  // namespace corio::detail
