// InjectBatch (corio/detail/scheduler.hpp) and the bulk inject behind it.
#include "runtime_core.hpp"

namespace corio::detail {

bool InjectBatch::add(TaskHeader* task) noexcept {
    if (task->runtime != runtime_ || size_ == kCapacity) {
        flush();
        runtime_ = task->runtime;
    }
    tasks_[size_++] = task;
    return true;
}

void InjectBatch::flush() noexcept {
    if (size_ == 0) return;
    runtime_->inject_bulk(tasks_, size_);
    size_ = 0;
}

void RuntimeCore::inject_bulk(TaskHeader* const* tasks, std::size_t n) noexcept {
    // As inject(): shutdown waits for this call before it frees anything.
    injecting.fetch_add(1, memory_order_acq_rel);
    if (!global.enqueue_bulk(tasks, n)) [[unlikely]] {
        // No memory for the blocks of the whole batch at once: one at a
        // time, as inject() queues them.
        for (std::size_t i = 0; i < n; ++i) global.enqueue(tasks[i]);
    }
    // seq_cst fence: as inject()'s, once for the whole batch (Dekker with a
    // sleeper's re-check). One wake: a woken searcher that finds work wakes
    // the next (Worker::search), so a burst spreads without a herd.
    fence_seq_cst();
    wake_one_if_needed();
    injecting.fetch_sub(1, memory_order_release);
}

}  // namespace corio::detail
