// io_uring setup with flag probing, and the "io_uring unavailable" error.
#include "ring.hpp"

#include <cerrno>
#include <cstdio>
#include <string>

namespace corio::detail {
namespace {

constexpr unsigned kSqEntries = 256;
constexpr unsigned kCqEntries = 4096;  // room for bursts of completions between reaps

// Strongest first. DEFER_TASKRUN (6.1) needs SINGLE_ISSUER (6.0);
// COOP_TASKRUN (5.19) skips the IPI that interrupts the reactor for task work.
constexpr unsigned kFlagSets[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_COOP_TASKRUN,
    0,
};

// kernel.io_uring_disabled (6.6+): 0 allowed, 1 only for io_uring_group, 2 off.
int io_uring_disabled_sysctl() {
    std::FILE* f = std::fopen("/proc/sys/kernel/io_uring_disabled", "r");
    if (!f) return -1;
    int value = -1;
    if (std::fscanf(f, "%d", &value) != 1) value = -1;
    std::fclose(f);
    return value;
}

}  // namespace

int setup_ring(io_uring* ring, unsigned* flags) {
    int err = -EINVAL;
    for (unsigned set : kFlagSets) {
        io_uring_params params{};
        params.flags = set | IORING_SETUP_CQSIZE;
        params.cq_entries = kCqEntries;
        err = io_uring_queue_init_params(kSqEntries, ring, &params);
        if (err == 0) {
            *flags = set;
            return 0;
        }
        if (err != -EINVAL) return err;  // not a flag problem: no point in weaker flags
    }
    return err;
}

int setup_worker_ring(io_uring* ring) {
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
                   IORING_SETUP_CQSIZE;
    params.cq_entries = kCqEntries;
    int err = io_uring_queue_init_params(kSqEntries, ring, &params);
    if (err != 0) return err;
    io_uring_probe* probe = io_uring_get_probe_ring(ring);
    const bool futex = probe && io_uring_opcode_supported(probe, kOpFutexWait);
    if (probe) io_uring_free_probe(probe);
    if (futex) return 0;
    io_uring_queue_exit(ring);
    return -EOPNOTSUPP;
}

std::system_error unavailable_error(int error) {
    const int err = error < 0 ? -error : error;
    std::string cause;
    std::string remedy;
    const int disabled = io_uring_disabled_sysctl();
    if (err == ENOSYS) {
        cause = "the kernel has no io_uring (io_uring_setup: ENOSYS; Linux older than 5.1, "
                "CONFIG_IO_URING off, or a seccomp filter answering ENOSYS)";
        remedy = "run on Linux 5.11 or newer with io_uring enabled, or allow io_uring_setup, "
                 "io_uring_enter and io_uring_register in the seccomp profile";
    } else if (err == EPERM && disabled > 0) {
        cause = "io_uring is disabled by the sysctl kernel.io_uring_disabled=" + std::to_string(disabled);
        remedy = disabled == 1 ? "add this user to the group named by kernel.io_uring_group, or set "
                                 "`sysctl kernel.io_uring_disabled=0`"
                               : "set `sysctl kernel.io_uring_disabled=0` (as root)";
    } else if (err == EPERM || err == EACCES) {
        cause = "io_uring_setup was refused (EPERM): a seccomp filter (containers' default "
                "profiles block io_uring) or a security module denies it";
        remedy = "allow io_uring_setup, io_uring_enter and io_uring_register in the seccomp profile "
                 "(e.g. docker/podman --security-opt seccomp=<profile>), or run outside the sandbox";
    } else if (err == ENOMEM) {
        cause = "io_uring_setup could not get memory for the ring (ENOMEM; on kernels before 5.12 the "
                "rings count against RLIMIT_MEMLOCK)";
        remedy = "raise the locked-memory limit (`ulimit -l`), or use Options.io_threads = 1";
    } else {
        cause = "io_uring_setup failed";
        remedy = "check that the kernel supports io_uring (Linux 5.11 or newer)";
    }
    return std::system_error(err, std::system_category(),
                             "corio: timers and I/O need io_uring, which is unavailable here: " + cause +
                                 ". Remedy: " + remedy);
}

}  // namespace corio::detail
