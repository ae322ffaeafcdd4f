// The umbrella header: everything a corio program uses. It is the library's
// front door rather than part of runtime/, so it alone includes io/ and
// sync/ headers beside runtime/'s.
#pragma once

// runtime/: tasks, futures, the scheduler, combinators
#include "corio/coro.hpp"
#include "corio/all_tasks.hpp"
#include "corio/current_task.hpp"
#include "corio/errors.hpp"
#include "corio/exception_group.hpp"
#include "corio/future.hpp"
#include "corio/gather.hpp"
#include "corio/outcome.hpp"
#include "corio/runtime.hpp"
#include "corio/shield.hpp"
#include "corio/task.hpp"
#include "corio/task_group.hpp"
#include "corio/to_thread.hpp"
#include "corio/wait.hpp"
#include "corio/when_any.hpp"
#include "corio/yield.hpp"

// io/: timers, files and sockets on the io_uring reactors
#include "corio/file.hpp"
#include "corio/tcp.hpp"
#include "corio/timers.hpp"
#include "corio/wait_timeout.hpp"
#include "corio/udp.hpp"

// sync/: Lock, Event, Condition, Semaphore, Barrier, queues, channels
#include "corio/sync.hpp"
