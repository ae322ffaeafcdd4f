// Runtime services: parts such as io/'s reactors that join a runtime on
// first use (a program that does no I/O starts no reactor thread) and stop
// at shutdown, after every task has finished and before the workers stop.
// This is how io/ and sync/ reach the runtime without runtime/ knowing them.
#pragma once

#include "corio/detail/task_header.hpp"

namespace corio {
struct Options;
struct RuntimeMetrics;
}

namespace corio::detail {

class Service {
public:
    virtual ~Service() = default;
    // Shutdown began: cancel the operations tasks wait on in this service,
    // so they unwind (asyncio.run's epilogue). Called at the start of
    // shutdown and again every 50 ms while tasks still unwind (a task may
    // catch the cancellation and wait anew). Lets a service skip
    // track_waited, which takes a runtime-wide lock per wait.
    virtual void cancel_waits() noexcept {}
    // Adds the service's figures to a metrics snapshot (any thread).
    virtual void add_metrics(RuntimeMetrics&) const noexcept {}
    // Called once, when no task is left; must cancel and drain whatever is
    // in flight and join its threads.
    virtual void shutdown() noexcept = 0;
};

using ServiceFactory = Service* (*)(RuntimeCore* runtime);

// The runtime's service of the kind `key` names (any unique address),
// made by `make` on first use. Thread-safe; throws what `make` throws, or
// InvalidStateError once the runtime is shutting down.
Service* find_or_start_service(RuntimeCore* runtime, const void* key, ServiceFactory make);

// The runtime whose worker runs on this thread, or nullptr.
RuntimeCore* current_runtime() noexcept;

// The options the runtime was made with.
const Options& runtime_options(RuntimeCore* runtime) noexcept;

}  // namespace corio::detail
