// The elastic blocking pool behind to_thread: threads made on demand up to
// Options.max_blocking_threads, reaped after a while idle, joined when the
// runtime shuts down (a runtime Service, started on first use). Jobs beyond
// the thread limit queue in FIFO order.
#pragma once

#include <memory>

#include "corio/detail/service.hpp"

namespace corio::detail {

struct BlockingJob {
    virtual ~BlockingJob() = default;
    virtual void run() noexcept = 0;
};

// Hands `job` to `runtime`'s pool. Throws InvalidStateError when runtime is
// null or shut down, std::system_error when no thread can be made at all.
void submit_blocking(RuntimeCore* runtime, std::unique_ptr<BlockingJob> job);

}  // namespace corio::detail
