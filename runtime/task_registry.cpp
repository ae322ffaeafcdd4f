// The live-task registry, and all_tasks() built on it.
#include "task_registry.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <new>
#include <utility>

#include "runtime_core.hpp"

namespace corio::detail {
namespace {

// The task's own lock (TaskHeader::lock_self), held for a scope.
struct SelfLock {
    explicit SelfLock(TaskHeader* t) noexcept : task(t) { task->lock_self(); }
    ~SelfLock() { task->unlock_self(); }
    SelfLock(const SelfLock&) = delete;
    SelfLock& operator=(const SelfLock&) = delete;
    TaskHeader* task;
};

}  // namespace

TaskRegistry::Shard& TaskRegistry::claim_shard(TaskHeader* task) noexcept {
    if (Shard* shard = shard_of(task)) return *shard;
    Worker* w = current_worker();
    // Frames are at least 16-byte aligned: skip the always-zero bits.
    const unsigned mine = static_cast<unsigned>(w && &w->runtime == task->runtime
                                                    ? w->index
                                                    : reinterpret_cast<std::uintptr_t>(task) >> 6) % kShards;
    // A set_name from another thread may race the task's own first suspend:
    // the first to claim picks the shard for both; the list itself is under
    // the shard's lock. seq_cst, with link's done_seq_cst() after it: a
    // finish_task racing us (close, then a seq_cst load of live_shard)
    // either sees this claim and unlinks, or has closed before link looks.
    std::uint8_t seen = 0;
    if (task->live_shard.compare_exchange_strong(seen, static_cast<std::uint8_t>(mine + 1), memory_order_seq_cst,
                                                 memory_order_seq_cst))
        return shards_[mine];
    return shards_[seen - 1];
}

void TaskRegistry::link(TaskHeader* task) noexcept {
    Shard& shard = claim_shard(task);
    std::lock_guard guard(shard.lock);
    // Listed once: only finishing (or dying) takes it out, and a finished
    // task (named late) is not live.
    if (!task->live_slot && !task->done_seq_cst()) {
        std::uint32_t slot;
        if (!shard.free.empty()) {
            slot = shard.free.back();
            shard.free.pop_back();
            shard.slots[slot] = task;
        } else {
            try {
                slot = static_cast<std::uint32_t>(shard.slots.size());
                shard.slots.push_back(task);
                // Room for every slot on the free list, so unlink never allocates.
                if (shard.free.capacity() < shard.slots.size()) shard.free.reserve(shard.slots.capacity());
            } catch (...) {
                // Out of memory: the task goes unlisted, nothing worse.
                if (shard.slots.size() > slot) shard.slots.pop_back();
                return;
            }
        }
        task->live_slot = slot + 1;
    }
}

void TaskRegistry::unlink_locked(Shard& shard, TaskHeader* task) noexcept {
    if (!task->live_slot) return;
    const std::uint32_t slot = task->live_slot - 1;
    task->live_slot = 0;
    shard.slots[slot] = nullptr;
    shard.free.push_back(slot);  // room reserved by link: cannot throw
}

void TaskRegistry::unlink(TaskHeader* task) noexcept {
    Shard* shard = shard_of(task);
    if (!shard) return;
    std::lock_guard guard(shard->lock);
    unlink_locked(*shard, task);
}


void TaskRegistry::collect(std::vector<TaskInfo>& out) {
    for (Shard& shard : shards_) {
        std::lock_guard guard(shard.lock);
        for (TaskHeader* t : shard.slots) {
            if (!t || t->done()) continue;  // free, or finishing: unlinks itself in a moment
            TaskInfo info;
            // Safe: a linked task still holds its own reference (finish_task
            // unlinks before dropping it, under this lock).
            info.task = TaskRef(t);
            {
                SelfLock self(t);  // inside the shard's lock: always in this order
                if (t->live_name) info.name = *t->live_name;
            }
            info.spawn_site = t->spawn_site;
            info.state = t->waiting() ? TaskState::waiting : TaskState::scheduled;
            out.push_back(std::move(info));
        }
    }
}

// --- the calls from the headers ----------------------------------------------

void register_live(TaskHeader* task) noexcept {
    if (task->runtime) task->runtime->registry.link(task);
}

void unregister_live(TaskHeader* task) noexcept { task->runtime->registry.unlink(task); }

void free_live_node(TaskHeader* task) noexcept {
    // The last reference goes only once the task has finished (a task
    // holds one until then), and it left the registry as it finished; its
    // runtime may be gone by now (a handle outlived it). Only the name is
    // left to free.
    delete std::exchange(task->live_name, nullptr);
}

std::string task_name(TaskHeader* task) {
    SelfLock self(task);
    return task->live_name ? *task->live_name : std::string();
}

void set_task_name(TaskHeader* task, std::string name) {
    if (!task->runtime) throw InvalidStateError("set_name on a task that was never spawned");
    auto fresh = std::make_unique<std::string>(std::move(name));  // allocated outside the lock
    std::unique_ptr<std::string> old;
    {
        SelfLock self(task);
        old.reset(std::exchange(task->live_name, fresh.release()));
    }
    // A named task is listed before it first suspends, so all_tasks() shows
    // it, when this thread belongs to its runtime (which cannot shut down
    // while this thread's task runs). A plain thread leaves that to the
    // task's next suspension: the task may finish and its runtime end the
    // moment after we looked. A finished task is not listed again.
    if (current_runtime() == task->runtime && !task->done()) task->runtime->registry.link(task);
}

TaskDump dump_tasks(RuntimeCore* rt) {
    TaskDump dump;
    rt->registry.collect(dump.tasks);
    // Running tasks: mark the listed ones, add the ones never registered.
    std::uint64_t running_unlisted = 0;
    for (auto& w : rt->workers) {
        auto id = w->running_task.load(memory_order_acquire);
        if (!id) continue;
        auto site = std::bit_cast<std::source_location>(w->running_site.load(memory_order_acquire));
        bool listed = false;
        for (TaskInfo& info : dump.tasks) {
            if (reinterpret_cast<std::uintptr_t>(TaskAccess::header(info.task)) == id) {
                info.state = TaskState::running;
                info.worker = static_cast<int>(w->index);
                listed = true;
            }
        }
        if (!listed) {
            TaskInfo info;
            info.spawn_site = site;
            info.state = TaskState::running;
            info.worker = static_cast<int>(w->index);
            dump.tasks.push_back(std::move(info));
            ++running_unlisted;
        }
    }
    std::uint64_t live = rt->live_tasks();
    std::uint64_t listed = dump.tasks.size();
    dump.not_started = live > listed ? live - listed : 0;
    std::stable_sort(dump.tasks.begin(), dump.tasks.end(),
                     [](const TaskInfo& a, const TaskInfo& b) { return a.state < b.state; });
    return dump;
}

}  // namespace corio::detail

namespace corio {

TaskDump all_tasks() {
    detail::RuntimeCore* rt = detail::current_runtime();
    if (!rt)
        throw InvalidStateError(
            "corio::all_tasks() called on a thread that runs no corio runtime: use Runtime::all_tasks()");
    return detail::dump_tasks(rt);
}

std::string TaskDump::to_string() const {
    std::string out = "corio: " + std::to_string(tasks.size()) + " task(s) listed, " + std::to_string(not_started) +
                      " spawned but not started\n";
    for (const TaskInfo& t : tasks) {
        switch (t.state) {
        case TaskState::running: out += "  running on worker " + std::to_string(t.worker); break;
        case TaskState::waiting: out += "  waiting"; break;
        case TaskState::scheduled: out += "  scheduled"; break;
        }
        if (!t.name.empty()) out += " \"" + t.name + "\"";
        out += " spawned at ";
        out += t.spawn_site.file_name() ? t.spawn_site.file_name() : "?";
        out += ":" + std::to_string(t.spawn_site.line());
        if (t.spawn_site.function_name() && *t.spawn_site.function_name()) {
            out += " in ";
            out += t.spawn_site.function_name();
        }
        out += "\n";
    }
    return out;
}

}  // namespace corio
