// all_tasks(): asyncio.all_tasks, as a task dump a program can print when
// it hangs. Each listed task comes with a handle, its name, spawn site and
// state. Tasks enter the list the first time they suspend or get a name
// (spawning takes no lock); a task spawned but not yet run is counted in
// `not_started`, and a task running now is listed from its worker even if
// it never suspended. A snapshot: tasks move on while it is taken.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>
#include <vector>

#include "corio/current_task.hpp"

namespace corio {

enum class TaskState {
    running,    // a worker runs it now (`worker` says which)
    waiting,    // suspended on a future, task, timer, I/O or primitive
    scheduled,  // runnable, queued for a worker
};

struct TaskInfo {
    TaskRef task;  // empty for a running task that never suspended (not retained)
    std::string name;
    std::source_location spawn_site;
    TaskState state = TaskState::scheduled;
    int worker = -1;  // for running tasks
};

struct TaskDump {
    std::vector<TaskInfo> tasks;
    std::uint64_t not_started = 0;  // spawned, waiting for their first run, not listed

    // One line per task, e.g. `waiting  "fetch" spawned at app.cpp:42 in serve()`.
    std::string to_string() const;
};

namespace detail {
TaskDump dump_tasks(RuntimeCore* runtime);
}  // namespace detail

// The tasks of the runtime the calling task runs on. Throws
// InvalidStateError on a thread that runs no corio runtime (use
// Runtime::all_tasks() there).
TaskDump all_tasks();

}  // namespace corio
