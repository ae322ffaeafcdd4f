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
    // Completes what the kernel has answered and fires due timers; never
    // blocks. With `submit`, first hands the kernel what is queued (a
    // syscall); without, only looks (the worker's queue ran dry and it is
    // about to park, which submits anyway). Called every kIoPollInterval
    // tasks with `submit`, and when the queue runs dry without.
    virtual void poll(bool submit) noexcept = 0;
    // The worker has nothing to run: hands the kernel what is queued and
    // blocks until *word is no longer 1 (a waker cleared it; see Parker), a
    // completion arrived or a timer is due. Completes nothing itself: the
    // worker first takes itself off the sleepers, so that the tasks its
    // poll() then wakes do not make it wake itself.
    virtual void park(Atomic<std::uint32_t>* word) noexcept = 0;
    // The worker is exiting (no task is left): cancels and drains what the
    // kernel still holds and closes.
    virtual void close() noexcept = 0;
};

// Installs `io` on this thread's worker, which owns it from then on. False
// (and `io` is dropped) when this thread is no worker of `runtime`.
bool install_worker_io(RuntimeCore* runtime, std::unique_ptr<WorkerIo> io) noexcept;

}  // namespace corio::detail
