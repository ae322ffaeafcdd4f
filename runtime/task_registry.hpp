// The live-task registry: a sharded set of the tasks that have suspended at
// least once or been named (see register_live in detail/task_header.hpp).
// Each shard is a mutex and an intrusive list; a task's shard comes from
// its address, so tasks on different workers rarely share a lock.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "corio/all_tasks.hpp"
#include "corio/detail/task_header.hpp"

namespace corio::detail {

struct LiveNode {
    LiveNode* prev = nullptr;
    LiveNode* next = nullptr;
    TaskHeader* task = nullptr;
    std::string name;
    bool linked = false;
};

class TaskRegistry {
public:
    TaskRegistry();
    void link(TaskHeader* task, std::string* name) noexcept;  // name: set it too
    void unlink(TaskHeader* task) noexcept;
    void free_node(TaskHeader* task) noexcept;
    std::string name(TaskHeader* task);
    // Appends a TaskInfo (with its handle) for every registered, unfinished task.
    void collect(std::vector<TaskInfo>& out);

private:
    static constexpr unsigned kShards = 16;
    struct alignas(64) Shard {
        std::mutex mutex;
        LiveNode head;  // sentinel of a ring
    };
    Shard& shard_of(const TaskHeader* task) noexcept {
        // Frames are at least 16-byte aligned: skip the always-zero bits.
        return shards_[(reinterpret_cast<std::uintptr_t>(task) >> 6) % kShards];
    }
    Shard shards_[kShards];
};

}  // namespace corio::detail
