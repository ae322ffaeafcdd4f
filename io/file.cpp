// File calls as io_uring ops (openat, read, write, fsync, statx, close).
#include "corio/file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "corio/errors.hpp"
#include "uring_awaiter.hpp"

namespace corio {
namespace {

using detail::IoOp;
using detail::UringOp;
using detail::UringAwaiter;

// The kernel moves at most this much per read or write (MAX_RW_COUNT).
constexpr std::size_t kMaxChunk = 0x7ffff000;

[[noreturn]] void fail(int error, const char* call, const std::string& path) {
    throw std::system_error(error, std::system_category(), std::string("corio::File::") + call + "(\"" + path + "\")");
}

}  // namespace

File::File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

File::~File() {
    if (fd_ >= 0) ::close(fd_);
}

int File::checked_fd(const char* call) const {
    if (fd_ < 0)
        throw InvalidStateError(std::string("corio::File::") + call + ": the file is closed" +
                                (path_.empty() ? std::string() : " (\"" + path_ + "\")"));
    return fd_;
}

Coro<File> File::open(std::string path, int flags, unsigned mode) {
    UringOp* op = detail::make_uring_op(IoOp::Code::openat);
    op->fd = AT_FDCWD;
    op->path = path.c_str();  // lives in this frame until the kernel answers
    op->flags = flags | O_CLOEXEC;
    op->mode = mode;
    int r = co_await UringAwaiter(op);
    if (r < 0) fail(-r, "open", path);
    co_return File(r, std::move(path));
}

Coro<std::size_t> File::read_at(std::span<std::byte> buffer, std::uint64_t offset) {
    const int fd = checked_fd("read_at");
    UringOp* op = detail::make_uring_op(IoOp::Code::read);
    op->fd = fd;
    op->buf = buffer.data();
    op->len = static_cast<unsigned>(std::min(buffer.size(), kMaxChunk));
    op->offset = offset;
    int r = co_await UringAwaiter(op);
    if (r < 0) fail(-r, "read_at", path_);
    co_return static_cast<std::size_t>(r);
}

Coro<std::size_t> File::write_at(std::span<const std::byte> data, std::uint64_t offset) {
    const int fd = checked_fd("write_at");
    UringOp* op = detail::make_uring_op(IoOp::Code::write);
    op->fd = fd;
    op->buf = const_cast<std::byte*>(data.data());  // only read by the kernel
    op->len = static_cast<unsigned>(std::min(data.size(), kMaxChunk));
    op->offset = offset;
    int r = co_await UringAwaiter(op);
    if (r < 0) fail(-r, "write_at", path_);
    co_return static_cast<std::size_t>(r);
}

Coro<std::vector<std::byte>> File::read_all() {
    std::uint64_t expected = co_await size();
    std::vector<std::byte> data(static_cast<std::size_t>(expected) + 1);  // +1: see the end in one read
    std::size_t have = 0;
    while (true) {
        if (have == data.size()) data.resize(data.size() * 2);  // it grew meanwhile
        std::size_t n = co_await read_at(std::span(data).subspan(have), have);
        if (n == 0) break;
        have += n;
    }
    data.resize(have);
    co_return data;
}

Coro<void> File::write_all(std::span<const std::byte> data, std::uint64_t offset) {
    while (!data.empty()) {
        std::size_t n = co_await write_at(data, offset);
        if (n == 0) fail(EIO, "write_all", path_);  // no progress: would loop forever
        data = data.subspan(n);
        offset += n;
    }
}

Coro<void> File::fsync() {
    const int fd = checked_fd("fsync");
    UringOp* op = detail::make_uring_op(IoOp::Code::fsync);
    op->fd = fd;
    int r = co_await UringAwaiter(op);
    if (r < 0) fail(-r, "fsync", path_);
}

Coro<std::uint64_t> File::size() {
    const int fd = checked_fd("size");
    struct statx st {};
    UringOp* op = detail::make_uring_op(IoOp::Code::statx);
    op->fd = fd;
    op->path = "";
    op->flags = AT_EMPTY_PATH;
    op->mode = STATX_SIZE;
    op->buf = &st;
    int r = co_await UringAwaiter(op);
    if (r < 0) fail(-r, "size", path_);
    co_return st.stx_size;
}

Coro<void> File::close() {
    if (fd_ < 0) co_return;
    UringOp* op = detail::make_uring_op(IoOp::Code::close);
    // The descriptor is given up now: even a failed or cancelled close
    // leaves it closed (close(2) semantics), so it is never reused by us.
    op->fd = std::exchange(fd_, -1);
    int r = co_await UringAwaiter(op);
    if (r < 0 && r != -EINTR) fail(-r, "close", path_);
}

Coro<std::vector<std::byte>> read_file(std::string path) {
    File f = co_await File::open(std::move(path), O_RDONLY);
    std::vector<std::byte> data = co_await f.read_all();
    co_await f.close();
    co_return data;
}

Coro<void> write_file(std::string path, std::span<const std::byte> data) {
    File f = co_await File::open(std::move(path), O_WRONLY | O_CREAT | O_TRUNC);
    co_await f.write_all(data);
    co_await f.close();
}

Coro<void> write_file(std::string path, std::string_view text) {
    co_await write_file(std::move(path), std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace corio
