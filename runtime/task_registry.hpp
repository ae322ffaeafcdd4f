// The live-task registry: a sharded set of the tasks that have suspended at
// least once or been named (see register_live in detail/task_header.hpp).
// Each shard is a small spin lock and a table of task pointers; a listed
// task keeps its slot's index in its own header and a freed slot goes on the
// shard's free list, so joining and leaving allocate nothing (beyond the
// table's amortised growth) and touch no other task's memory, as a linked
// list's neighbours would. A task joins the shard of the worker it first
// suspends on, so workers rarely share a lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "corio/all_tasks.hpp"
#include "corio/detail/atomic.hpp"
#include "corio/detail/spin_lock.hpp"
#include "corio/detail/task_header.hpp"

namespace corio::detail {

class TaskRegistry {
public:
    // Lists the task, unless it has finished. Names are the task's own
    // (TaskHeader::live_name, under its lock): a finished task's handle may
    // outlive the runtime, and must not reach back into it.
    void link(TaskHeader* task) noexcept;
    void unlink(TaskHeader* task) noexcept;
    // Appends a TaskInfo (with its handle) for every registered, unfinished task.
    void collect(std::vector<TaskInfo>& out);

private:
    static constexpr unsigned kShards = 16;
    struct alignas(64) Shard {
        SpinLock lock;
        std::vector<TaskHeader*> slots;  // null: free
        std::vector<std::uint32_t> free;  // indices of the null slots
    };
    // The task's shard, which its first registration picks: the shard of
    // the worker it runs on (the lock's line stays in that core's cache while
    // its tasks come and go), else one by address. Null: never registered.
    Shard& claim_shard(TaskHeader* task) noexcept;
    Shard* shard_of(const TaskHeader* task) noexcept {
        // acquire: pairs with claim_shard's CAS (only the index is read).
        const unsigned s = task->live_shard.load(memory_order_acquire);
        return s ? &shards_[s - 1] : nullptr;
    }
    static void unlink_locked(Shard& shard, TaskHeader* task) noexcept;
    Shard shards_[kShards];
};

}  // namespace corio::detail
