// Files on io_uring: whole-file and positional reads and writes round-trip;
// errors carry the errno and the path; a closed File refuses use; a task
// cancelled in a read resumes with CancelledError only after the kernel has
// answered (cancel storms are run under ASan); shutdown cancels pending reads.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include <corio/file.hpp>
#include <corio/timers.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using corio_test::run_bounded;

namespace {

// A fresh directory, removed with everything in it at the end.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "corio-file-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const char* name) const { return (path / name).string(); }
};

std::vector<std::byte> random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

// A FIFO opened read-write: reads on it wait until someone writes, which
// nobody does, so a read stays in the kernel until it is cancelled.
std::string make_fifo(const TempDir& dir, const char* name) {
    std::string p = dir / name;
    REQUIRE(mkfifo(p.c_str(), 0600) == 0);
    return p;
}

}  // namespace

TEST_CASE("write_file then read_file round-trips a megabyte", "[file]") {
    TempDir dir;
    auto data = random_bytes(1 << 20, 1);
    std::string path = dir / "blob";
    auto main = [&]() -> corio::Coro<std::vector<std::byte>> {
        co_await corio::write_file(path, data);
        co_return co_await corio::read_file(path);
    };
    CHECK(run_bounded(main(), {.workers = 2}) == data);
    CHECK(std::filesystem::file_size(path) == data.size());
}

TEST_CASE("positional reads and writes, size, fsync, end of file", "[file]") {
    TempDir dir;
    std::string path = dir / "pos";
    struct Seen {
        std::size_t wrote = 0, read_mid = 0, read_end = 0, read_past = 0;
        std::uint64_t size = 0;
        std::string mid;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        corio::File f = co_await corio::File::open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        std::string text = "hello, corio files";
        seen.wrote = co_await f.write_at(std::as_bytes(std::span(text)), 0);
        co_await f.write_all(std::as_bytes(std::span(std::string_view("!!"))), text.size());
        co_await f.fsync();
        seen.size = co_await f.size();
        std::vector<std::byte> buf(5);
        seen.read_mid = co_await f.read_at(buf, 7);
        seen.mid.assign(reinterpret_cast<const char*>(buf.data()), seen.read_mid);
        seen.read_end = co_await f.read_at(buf, seen.size - 3);
        seen.read_past = co_await f.read_at(buf, seen.size + 100);
        co_await f.close();
        co_await f.close();  // closing twice does nothing
    };
    run_bounded(main(), {.workers = 1});
    CHECK(seen.wrote == 18);
    CHECK(seen.size == 20);
    CHECK(seen.mid == "corio");
    CHECK(seen.read_end == 3);
    CHECK(seen.read_past == 0);
}

TEST_CASE("file errors carry the errno and the path", "[file]") {
    TempDir dir;
    std::string missing = dir / "no-such-file";
    struct Seen {
        int open_code = 0;
        std::string open_what;
        int write_code = 0;
        std::string write_what;
    } seen;
    auto main = [&]() -> corio::Coro<void> {
        try {
            co_await corio::File::open(missing);
        } catch (const std::system_error& e) {
            seen.open_code = e.code().value();
            seen.open_what = e.what();
        }
        try {
            co_await corio::read_file(missing);
        } catch (const std::system_error&) {
        }
        // Writing to a read-only descriptor: EBADF.
        std::string p = dir / "ro";
        co_await corio::write_file(p, std::string_view("x"));
        corio::File f = co_await corio::File::open(p, O_RDONLY);
        try {
            co_await f.write_at(std::as_bytes(std::span(std::string_view("y"))), 0);
        } catch (const std::system_error& e) {
            seen.write_code = e.code().value();
            seen.write_what = e.what();
        }
    };
    run_bounded(main(), {.workers = 1});
    CHECK(seen.open_code == ENOENT);
    CHECK(seen.open_what.find(missing) != std::string::npos);
    CHECK(seen.write_code == EBADF);
    CHECK(seen.write_what.find("/ro") != std::string::npos);
}

TEST_CASE("a closed or moved-from File refuses use", "[file]") {
    TempDir dir;
    std::string p = dir / "c";
    int refused = 0;
    auto main = [&]() -> corio::Coro<void> {
        co_await corio::write_file(p, std::string_view("abc"));
        corio::File f = co_await corio::File::open(p);
        co_await f.close();
        std::vector<std::byte> buf(3);
        try {
            co_await f.read_at(buf, 0);
        } catch (const corio::InvalidStateError&) {
            ++refused;
        }
        corio::File g = co_await corio::File::open(p);
        corio::File h = std::move(g);
        try {
            co_await g.size();
        } catch (const corio::InvalidStateError&) {
            ++refused;
        }
        CHECK_NOTHROW(co_await h.size());
    };
    run_bounded(main(), {.workers = 1});
    CHECK(refused == 2);
}

TEST_CASE("cancelling a read waits for the kernel, then throws CancelledError", "[file][cancel]") {
    TempDir dir;
    std::string fifo = make_fifo(dir, "fifo");
    std::atomic<int> outcome{0};
    auto reader = [&](corio::Future<int> started) -> corio::Coro<void> {
        corio::File f = co_await corio::File::open(fifo, O_RDWR);
        std::vector<std::byte> buf(64);  // in this frame: must outlive the kernel's use
        started.set_result(1);
        try {
            co_await f.read_at(buf, 0);
            outcome = 1;
        } catch (const corio::CancelledError&) {
            outcome = 2;
            throw;
        }
    };
    auto main = [&]() -> corio::Coro<bool> {
        corio::Future<int> started;
        auto t = corio::spawn(reader(started));
        co_await started;
        co_await corio::sleep(2ms);  // let the read reach the kernel (correct either way)
        t.cancel();
        try {
            co_await t;
        } catch (const corio::CancelledError&) {
            co_return true;
        }
        co_return false;
    };
    CHECK(run_bounded(main(), {.workers = 2}));
    CHECK(outcome == 2);
}

TEST_CASE("cancel storm: many reads cancelled at every stage", "[file][cancel][stress]") {
    const bool worker_rings = GENERATE(true, false);
    CAPTURE(worker_rings);
    TempDir dir;
    std::string fifo = make_fifo(dir, "storm");
    const int n = 400 / corio_test::kScale;
    std::atomic<int> cancelled{0};
    auto reader = [&](corio::File& f) -> corio::Coro<void> {
        std::vector<std::byte> buf(256);
        try {
            co_await f.read_at(buf, 0);
        } catch (const corio::CancelledError&) {
            ++cancelled;
            throw;
        }
    };
    auto main = [&]() -> corio::Coro<int> {
        corio::File f = co_await corio::File::open(fifo, O_RDWR);
        int done = 0;
        for (int round = 0; round < 4; ++round) {
            std::vector<corio::Task<void>> tasks;
            for (int i = 0; i < n; ++i) tasks.push_back(corio::spawn(reader(f)));
            // Some before they start, some while queued, most in the kernel.
            for (int i = 0; i < n; i += 3) tasks[static_cast<std::size_t>(i)].cancel();
            co_await corio::yield_now();
            for (int i = 1; i < n; i += 3) tasks[static_cast<std::size_t>(i)].cancel();
            co_await corio::sleep(1ms);
            for (auto& t : tasks) t.cancel();
            for (auto& t : tasks) {
                try {
                    co_await t;
                } catch (const corio::CancelledError&) {
                    ++done;
                }
            }
        }
        co_return done;
    };
    CHECK(run_bounded(main(), {.workers = 3, .worker_rings = worker_rings}) == 4 * n);
    CHECK(cancelled <= 4 * n);
}

TEST_CASE("shutdown cancels a read the kernel still holds", "[file][cancel]") {
    TempDir dir;
    std::string fifo = make_fifo(dir, "shut");
    std::atomic<int> unwound{0};
    auto reader = [&](corio::Future<int> started) -> corio::Coro<void> {
        corio::File f = co_await corio::File::open(fifo, O_RDWR);
        std::vector<std::byte> buf(16);
        started.set_result(1);  // the next suspension is the read
        try {
            co_await f.read_at(buf, 0);
        } catch (const corio::CancelledError&) {
            ++unwound;
            throw;
        }
    };
    auto main = [&]() -> corio::Coro<int> {
        corio::Future<int> started;
        corio::spawn(reader(started));
        co_await started;
        co_return 1;
    };
    CHECK(run_bounded(main(), {.workers = 2}) == 1);
    CHECK(unwound == 1);
}

TEST_CASE("wait_for bounds a read", "[file][timers]") {
    TempDir dir;
    std::string fifo = make_fifo(dir, "wf");
    auto main = [&]() -> corio::Coro<bool> {
        corio::File f = co_await corio::File::open(fifo, O_RDWR);
        std::vector<std::byte> buf(16);
        try {
            co_await corio::wait_for(f.read_at(buf, 0), 5ms);
        } catch (const corio::TimeoutError&) {
            co_return true;
        }
        co_return false;
    };
    CHECK(run_bounded(main(), {.workers = 2}));
}
