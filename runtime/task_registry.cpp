// The live-task registry, and all_tasks() built on it.
#include "task_registry.hpp"

#include <algorithm>
#include <set>

#include "runtime_core.hpp"

namespace corio::detail {

TaskRegistry::TaskRegistry() {
    for (Shard& s : shards_) s.head.prev = s.head.next = &s.head;
}

void TaskRegistry::link(TaskHeader* task, std::string* name) noexcept {
    Shard& shard = shard_of(task);
    std::lock_guard lock(shard.mutex);
    LiveNode* node = task->live_node.load(memory_order_relaxed);
    if (!node) {
        node = new (std::nothrow) LiveNode;
        if (!node) return;  // out of memory: the task goes unlisted, nothing worse
        node->task = task;
        // A finished task (named late) keeps its name but is not live.
        if (!task->done()) {
            node->next = shard.head.next;
            node->prev = &shard.head;
            shard.head.next->prev = node;
            shard.head.next = node;
            node->linked = true;
        }
        // release: finish_task and the destroy path read it without the lock.
        task->live_node.store(node, memory_order_release);
    }
    if (name) node->name = std::move(*name);
}

void TaskRegistry::unlink(TaskHeader* task) noexcept {
    Shard& shard = shard_of(task);
    std::lock_guard lock(shard.mutex);
    LiveNode* node = task->live_node.load(memory_order_relaxed);
    if (!node || !node->linked) return;
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->linked = false;
}

void TaskRegistry::free_node(TaskHeader* task) noexcept {
    unlink(task);
    delete task->live_node.exchange(nullptr, memory_order_acq_rel);
}

std::string TaskRegistry::name(TaskHeader* task) {
    Shard& shard = shard_of(task);
    std::lock_guard lock(shard.mutex);
    LiveNode* node = task->live_node.load(memory_order_relaxed);
    return node ? node->name : std::string();
}

void TaskRegistry::collect(std::vector<TaskInfo>& out) {
    for (Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (LiveNode* n = shard.head.next; n != &shard.head; n = n->next) {
            TaskHeader* t = n->task;
            if (t->done()) continue;  // finishing: unlinks itself in a moment
            TaskInfo info;
            // Safe: a linked task still holds its own reference (finish_task
            // unlinks before dropping it, under this lock).
            info.task = TaskRef(t);
            info.name = n->name;
            info.spawn_site = t->spawn_site;
            info.state = t->waiting() ? TaskState::waiting : TaskState::scheduled;
            out.push_back(std::move(info));
        }
    }
}

// --- the calls from the headers ----------------------------------------------

void register_live(TaskHeader* task) noexcept {
    if (task->runtime) task->runtime->registry.link(task, nullptr);
}

void unregister_live(TaskHeader* task) noexcept { task->runtime->registry.unlink(task); }

void free_live_node(TaskHeader* task) noexcept {
    if (task->runtime)
        task->runtime->registry.free_node(task);
    else
        delete task->live_node.exchange(nullptr, memory_order_acq_rel);
}

std::string task_name(TaskHeader* task) { return task->runtime ? task->runtime->registry.name(task) : std::string(); }

void set_task_name(TaskHeader* task, std::string name) {
    if (!task->runtime) throw InvalidStateError("set_name on a task that was never spawned");
    task->runtime->registry.link(task, &name);
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
