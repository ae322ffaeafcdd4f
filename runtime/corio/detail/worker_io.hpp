// WorkerIo: an I/O driver that lives on one worker thread (io/'s worker
// ring). io/ installs it the first time a task on that worker does I/O; from
// then on the worker hands it the kernel's work between tasks and sleeps in
// it when it has nothing to run, so an operation is submitted and completed
// on the worker that awaits it, with no thread hand-off (a hand-off costs a
// context switch, which is what an I/O-bound server mostly pays for).
// runtime/ knows only this interface.
#pragma once

#include <cstdint>
#include <memory>

#include "corio/detail/atomic.hpp"

namespace corio::detail {

struct RuntimeCore;

class WorkerIo {
public:
    virtual ~WorkerIo() = default;
    // Hands the kernel what is queued and completes what it has answered;
    // never blocks. The worker calls it when its queue runs dry and every
    // kIoPollInterval tasks.
    virtual void poll() noexcept = 0;
    // The worker has nothing to run: blocks until *word is no longer 1 (a
    // waker cleared it; see Parker) or completions made tasks runnable.
    // True in the second case.
    virtual bool park(Atomic<std::uint32_t>* word) noexcept = 0;
    // The worker is exiting (no task is left): cancels and drains what the
    // kernel still holds and closes.
    virtual void close() noexcept = 0;
};

// Installs `io` on this thread's worker, which owns it from then on. False
// (and `io` is dropped) when this thread is no worker of `runtime`.
bool install_worker_io(RuntimeCore* runtime, std::unique_ptr<WorkerIo> io) noexcept;

}  // namespace corio::detail
