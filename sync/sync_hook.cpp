// SyncService: one per runtime that has tasks waiting on sync/ primitives.
// It knows every SyncHook registered with the runtime and detaches them all
// at shutdown (after the last task, before the runtime is freed), so a
// primitive that outlives its runtime never points into it.
#include <mutex>
#include <thread>

#include "corio/detail/service.hpp"
#include "corio/detail/sync_hook.hpp"

namespace corio::detail {

class SyncService final : public Service {
public:
    explicit SyncService(RuntimeCore* runtime) noexcept : runtime_(runtime) { head_.next = head_.prev = &head_; }

    bool add(SyncHook* hook) noexcept {
        std::lock_guard guard(mutex_);
        if (stopped_) return false;
        if (hook->service.load(memory_order_relaxed))  // another task attached it meanwhile
            return hook->waited.runtime.load(memory_order_relaxed) == runtime_;
        hook->next = head_.next;
        hook->prev = &head_;
        head_.next->prev = hook;
        head_.next = hook;
        // release: a detach that sees the service sees the links.
        hook->service.store(this, memory_order_release);
        track_waited(runtime_, &hook->waited);
        return true;
    }

    void remove(SyncHook* hook) noexcept {
        std::lock_guard guard(mutex_);
        if (hook->service.load(memory_order_relaxed) != this) return;  // shutdown took it first
        unlink(hook);
    }

    void shutdown() noexcept override {
        std::lock_guard guard(mutex_);
        stopped_ = true;
        while (head_.next != &head_) unlink(static_cast<SyncHook*>(head_.next));
    }

private:
    void unlink(SyncHook* hook) noexcept {
        hook->prev->next = hook->next;
        hook->next->prev = hook->prev;
        untrack_waited(&hook->waited);
        hook->service.store(nullptr, memory_order_release);
    }

    RuntimeCore* const runtime_;
    std::mutex mutex_;
    bool stopped_ = false;
    // Sentinel of the ring (only its links are used).
    SyncHook head_{nullptr, nullptr};
};

namespace {
const char kSyncServiceKey = 0;
Service* make_sync_service(RuntimeCore* runtime) { return new SyncService(runtime); }
}  // namespace

bool SyncHook::attach(RuntimeCore* rt) noexcept {
    Service* service;
    try {
        service = find_or_start_service(rt, &kSyncServiceKey, &make_sync_service);
    } catch (...) {  // the runtime is shutting down: the wait registers itself
        return false;
    }
    return static_cast<SyncService*>(service)->add(this);
}

void SyncHook::detach() noexcept {
    // acquire: pairs with add()'s release.
    if (SyncService* s = service.load(memory_order_acquire)) s->remove(this);
    // Shutdown's cancel may still hold a reference (taken before we were
    // untracked): wait it out, since it touches the owner.
    for (unsigned spins = 0; state() / kRefOne != 1; ++spins) {
        if (spins < 128)
            cpu_relax();
        else
            std::this_thread::yield();
    }
}

}  // namespace corio::detail
