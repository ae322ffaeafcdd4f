// Where io_uring cannot be set up, the first timer (or I/O) call throws one
// clear std::system_error naming the cause and the remedy, and the runtime
// goes on working and shuts down cleanly. The failure is forced: the test
// re-runs its own executable (posix_spawn of /proc/self/exe) for a hidden
// test case that first installs a seccomp filter answering io_uring_setup
// with EPERM (as container profiles do) or ENOSYS (as old kernels do).
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include <corio/timers.hpp>

#include "support.hpp"

extern char** environ;

using namespace std::chrono_literals;

namespace {

constexpr const char* kChildEnv = "CORIO_TEST_IO_UNAVAILABLE_ERRNO";
constexpr const char* kChildCase = "io_uring unavailable: child under seccomp";

#if defined(__x86_64__)
constexpr unsigned kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kAuditArch = AUDIT_ARCH_AARCH64;
#else
#error "add this architecture's AUDIT_ARCH_* value"
#endif

// Makes io_uring_setup fail with `err` for this process and the threads it
// makes from now on.
bool deny_io_uring_setup(int err) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<unsigned>(err) & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

struct ChildRun {
    int status = -1;
    std::string output;
};

// Runs this executable's hidden child case with io_uring_setup denied by
// `err`; bounded to 60 s.
ChildRun run_child(int err) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
    env_store.push_back(std::string(kChildEnv) + "=" + std::to_string(err));
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string exe = "/proc/self/exe", name = kChildCase;
    char* argv[] = {exe.data(), name.data(), nullptr};
    pid_t pid = -1;
    int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    REQUIRE(rc == 0);

    ChildRun run;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    char buf[4096];
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            kill(pid, SIGKILL);
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        run.output.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    waitpid(pid, &run.status, 0);
    return run;
}

}  // namespace

// The child side: only runs when the parent case starts it.
TEST_CASE("io_uring unavailable: child under seccomp", "[.][io_unavailable_child]") {
    const char* errno_text = std::getenv(kChildEnv);
    if (!errno_text) return;
    const int err = std::atoi(errno_text);
    REQUIRE(deny_io_uring_setup(err));

    struct Seen {
        int first_code = 0, second_code = 0;
        std::string message;
        int after = 0;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        try {
            co_await corio::sleep(1ms);
        } catch (const std::system_error& e) {
            seen.first_code = e.code().value();
            seen.message = e.what();
        }
        // Still unavailable on the next call, and still one clear error.
        try {
            co_await corio::wait_for(corio::sleep(1ms), 1s);
        } catch (const std::system_error& e) {
            seen.second_code = e.code().value();
        }
        // The runtime itself is unharmed.
        seen.after = co_await corio::spawn([]() -> corio::Coro<int> { co_return 42; }());
    };
    corio_test::run_bounded(main(), {.workers = 2});
    std::printf("child message: %s\n", seen.message.c_str());
    CHECK(seen.first_code == err);
    CHECK(seen.second_code == err);
    CHECK(seen.after == 42);
    CHECK(seen.message.find("io_uring") != std::string::npos);
    CHECK(seen.message.find("Remedy") != std::string::npos);
}

TEST_CASE("io_uring denied by seccomp (EPERM): one clear error naming cause and remedy", "[io_unavailable]") {
    ChildRun run = run_child(EPERM);
    INFO(run.output);
    CHECK(WIFEXITED(run.status));
    CHECK(WEXITSTATUS(run.status) == 0);
    CHECK(run.output.find("child message: corio: timers and I/O need io_uring") != std::string::npos);
    CHECK(run.output.find("seccomp") != std::string::npos);
    CHECK(run.output.find("All tests passed") != std::string::npos);
}

TEST_CASE("io_uring missing (ENOSYS): one clear error naming cause and remedy", "[io_unavailable]") {
    ChildRun run = run_child(ENOSYS);
    INFO(run.output);
    CHECK(WIFEXITED(run.status));
    CHECK(WEXITSTATUS(run.status) == 0);
    CHECK(run.output.find("ENOSYS") != std::string::npos);
    CHECK(run.output.find("All tests passed") != std::string::npos);
}
