// File read throughput (the reactor issue): a 1 GiB file read in 64 KiB
// blocks, by corio with 32 reads in flight (32 tasks on one worker, each
// with one read_at outstanding) and by a plain pread loop on one thread, in
// the same run. Both read a page-cache-warm file (it is read through once
// before either is timed), so the figures compare the I/O paths' overheads,
// not the disk. The file is made once per process in a fresh directory under
// $TMPDIR (or /tmp) and removed at exit; without 1 GiB free there, both
// benchmarks are skipped with a message saying so. Counters: MB_per_s
// (10^6 B/s, wall) and cpu_ms_per_GiB (the process's user+system time, all
// threads: on a shared, noisy machine the steadier measure of cost).
#include "bench_util.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <corio/corio.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace {

constexpr std::uint64_t kFileSize = std::uint64_t{1} << 30;
constexpr std::size_t kBlock = 64 * 1024;
constexpr std::uint64_t kBlocks = kFileSize / kBlock;
constexpr int kInFlight = 32;

// The test file: made on first use, removed when the program exits.
class BenchFile {
public:
    static BenchFile& get() {
        static BenchFile file;
        return file;
    }
    const std::string& path() const { return path_; }
    const std::string& error() const { return error_; }

    ~BenchFile() {
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }

private:
    BenchFile() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "corio-bench-file-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) {
            error_ = "file_read: cannot make a temporary directory: " + std::string(std::strerror(errno));
            return;
        }
        dir_ = tmpl;
        struct statvfs fs {};
        if (statvfs(dir_.c_str(), &fs) == 0 &&
            static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < kFileSize + (std::uint64_t{64} << 20)) {
            error_ = "file_read: needs 1 GiB free in " + dir_.parent_path().string() + " for its test file (set TMPDIR elsewhere)";
            return;
        }
        path_ = (dir_ / "data").string();
        int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            error_ = "file_read: cannot create " + path_ + ": " + std::strerror(errno);
            return;
        }
        std::vector<unsigned char> block(kBlock);
        for (std::size_t i = 0; i < kBlock; ++i) block[i] = static_cast<unsigned char>(i * 131 + 7);
        for (std::uint64_t off = 0; off < kFileSize && error_.empty(); off += kBlock) {
            block[0] = static_cast<unsigned char>(off >> 16);  // no two blocks alike
            if (::pwrite(fd, block.data(), kBlock, static_cast<off_t>(off)) != static_cast<ssize_t>(kBlock))
                error_ = "file_read: writing the 1 GiB test file failed (disk full?): " + std::string(std::strerror(errno));
        }
        ::close(fd);
        if (!error_.empty()) return;
        warm();
    }

    // One pass through the page cache, so neither contender pays the disk.
    void warm() {
        int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        std::vector<unsigned char> buf(kBlock);
        for (std::uint64_t off = 0; off < kFileSize; off += kBlock)
            if (::pread(fd, buf.data(), kBlock, static_cast<off_t>(off)) <= 0) break;
        ::close(fd);
    }

    std::filesystem::path dir_;
    std::string path_;
    std::string error_;
};

// CPU time of the whole process (every thread, user and system), in ms.
double process_cpu_ms() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto ms = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; };
    return ms(ru.ru_utime) + ms(ru.ru_stime);
}

void report(benchmark::State& state, const corio_bench::Stopwatch& sw, double cpu_ms) {
    const double ns = sw.ns_per(state, 1);
    state.counters["MB_per_s"] = static_cast<double>(kFileSize) / ns * 1e3;  // bytes per ns * 1e9 / 1e6
    state.counters["cpu_ms_per_GiB"] = cpu_ms / static_cast<double>(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kFileSize));
}

void File_read_pread(benchmark::State& state) {
    BenchFile& file = BenchFile::get();
    if (!file.error().empty()) {
        state.SkipWithError(file.error().c_str());
        return;
    }
    int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
    std::vector<unsigned char> buf(kBlock);
    corio_bench::Stopwatch sw;
    double cpu_ms = 0;
    for (auto _ : state) {
        const double cpu0 = process_cpu_ms();
        sw.start();
        std::uint64_t total = 0;
        for (std::uint64_t off = 0; off < kFileSize; off += kBlock) {
            ssize_t n = ::pread(fd, buf.data(), kBlock, static_cast<off_t>(off));
            if (n <= 0) break;
            total += static_cast<std::uint64_t>(n);
        }
        sw.stop();
        cpu_ms += process_cpu_ms() - cpu0;
        if (total != kFileSize) {
            state.SkipWithError("File_read/pread: short read");
            break;
        }
    }
    ::close(fd);
    report(state, sw, cpu_ms);
}
BENCHMARK(File_read_pread)->Name("File_read/pread")->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(3);

// One of the kInFlight readers: blocks first, first + kInFlight, ...
corio::Coro<std::uint64_t> reader(corio::File& f, std::uint64_t first) {
    std::vector<std::byte> buf(kBlock);
    std::uint64_t total = 0;
    for (std::uint64_t b = first; b < kBlocks; b += kInFlight) total += co_await f.read_at(buf, b * kBlock);
    co_return total;
}

corio::Coro<std::uint64_t> read_all_blocks(corio::File& f) {
    std::vector<corio::Task<std::uint64_t>> readers;
    for (int i = 0; i < kInFlight; ++i) readers.push_back(corio::spawn(reader(f, static_cast<std::uint64_t>(i))));
    std::uint64_t total = 0;
    for (auto& r : readers) total += co_await r;
    co_return total;
}

void File_read_corio(benchmark::State& state) {
    BenchFile& file = BenchFile::get();
    if (!file.error().empty()) {
        state.SkipWithError(file.error().c_str());
        return;
    }
    corio::Runtime rt(corio::Options{.workers = 1});
    auto f = std::make_unique<corio::File>(rt.block_on(corio::File::open(file.path(), O_RDONLY)));
    corio_bench::Stopwatch sw;
    double cpu_ms = 0;
    for (auto _ : state) {
        const double cpu0 = process_cpu_ms();
        sw.start();
        const std::uint64_t total = rt.block_on(read_all_blocks(*f));
        sw.stop();
        cpu_ms += process_cpu_ms() - cpu0;
        if (total != kFileSize) {
            state.SkipWithError("File_read/corio: short read");
            break;
        }
    }
    rt.block_on(f->close());
    report(state, sw, cpu_ms);
}
BENCHMARK(File_read_corio)->Name("File_read/corio")->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
