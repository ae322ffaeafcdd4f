// Files on io_uring: File::open, positional reads and writes, fsync, size,
// close; read_file/write_file for whole files. Every call runs on a reactor
// and suspends only the awaiting task. Failures throw std::system_error with
// the errno and the path in the message; using a closed File throws
// InvalidStateError. Cancelling a task in a file call cancels the kernel
// request and resumes the task (CancelledError) only once the kernel has
// let go of the buffer.
#pragma once

#include <fcntl.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "corio/coro.hpp"

namespace corio {

class File {
public:
    File() noexcept = default;
    File(File&& other) noexcept;
    File& operator=(File&& other) noexcept;
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    // Closes a still-open file with a plain close(2) (it cannot suspend).
    ~File();

    // open(2) flags (O_RDONLY, O_WRONLY | O_CREAT | O_TRUNC, ...); O_CLOEXEC is added.
    static Coro<File> open(std::string path, int flags = O_RDONLY, unsigned mode = 0644);

    // One read at `offset`: the bytes read, fewer than asked near the end,
    // 0 at end of file.
    Coro<std::size_t> read_at(std::span<std::byte> buffer, std::uint64_t offset);
    // One write at `offset`: the bytes written (possibly fewer than given).
    Coro<std::size_t> write_at(std::span<const std::byte> data, std::uint64_t offset);
    // The whole file, from offset 0 to its end.
    Coro<std::vector<std::byte>> read_all();
    // All of `data` at `offset`, in as many writes as it takes.
    Coro<void> write_all(std::span<const std::byte> data, std::uint64_t offset = 0);
    Coro<void> fsync();
    Coro<std::uint64_t> size();
    // Closes the file; closing a closed file does nothing.
    Coro<void> close();

    bool is_open() const noexcept { return fd_ >= 0; }
    int native_handle() const noexcept { return fd_; }
    const std::string& path() const noexcept { return path_; }

private:
    File(int fd, std::string path) noexcept : fd_(fd), path_(std::move(path)) {}
    int checked_fd(const char* call) const;

    int fd_ = -1;
    std::string path_;
};

// The whole file at `path`.
Coro<std::vector<std::byte>> read_file(std::string path);
// Creates or truncates `path` and writes `data` to it.
Coro<void> write_file(std::string path, std::span<const std::byte> data);
Coro<void> write_file(std::string path, std::string_view text);

}  // namespace corio
