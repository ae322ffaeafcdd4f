// Setting up a reactor's io_uring. The setup flags that make a
// single-threaded ring cheaper (SINGLE_ISSUER, DEFER_TASKRUN, COOP_TASKRUN)
// are probed by trying them and falling back on EINVAL, never by kernel
// version. When io_uring cannot be used at all, unavailable_error() words the
// one error a program sees: the cause and what to do about it.
#pragma once

#include <liburing.h>

#include <system_error>

namespace corio::detail {

// 0 on success (the flags it got in *flags), else -errno of the last try.
// Must run on the thread that will submit (SINGLE_ISSUER binds to it).
int setup_ring(io_uring* ring, unsigned* flags);

// The error for a failed setup_ring: std::system_error with that errno.
std::system_error unavailable_error(int error);

}  // namespace corio::detail
