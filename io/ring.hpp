// Setting up a reactor's io_uring. The setup flags that make a
// single-threaded ring cheaper (SINGLE_ISSUER, DEFER_TASKRUN, COOP_TASKRUN)
// are probed by trying them and falling back on EINVAL, never by kernel
// version. When io_uring cannot be used at all, unavailable_error() words the
// one error a program sees: the cause and what to do about it.
#pragma once

#include <liburing.h>

#include <system_error>

namespace corio::detail {

// IORING_OP_FUTEX_WAIT (Linux 6.7), newer than the liburing headers we build with.
inline constexpr int kOpFutexWait = 51;

// 0 on success (the flags it got in *flags), else -errno of the last try.
// Must run on the thread that will submit (SINGLE_ISSUER binds to it).
int setup_ring(io_uring* ring, unsigned* flags);

// A worker's ring (worker_ring.hpp): SINGLE_ISSUER, DEFER_TASKRUN and
// TASKRUN_FLAG, and the kernel must have IORING_OP_FUTEX_WAIT (6.7). 0 on
// success, else -errno (-EOPNOTSUPP: the futex op is missing). Must run on
// the worker's thread.
int setup_worker_ring(io_uring* ring);

// The error for a failed setup_ring: std::system_error with that errno.
std::system_error unavailable_error(int error);

}  // namespace corio::detail
