// The blocking pool (see corio/detail/blocking_pool.hpp). A thread is made
// only when more jobs wait than threads idle, and never past the limit; an
// idle thread ends after kKeepAlive. Shutdown runs what is queued, then
// joins every thread (the runtime has no task left by then).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "corio/detail/blocking_pool.hpp"
#include "corio/detail/trace.hpp"
#include "corio/errors.hpp"
#include "corio/metrics.hpp"
#include "corio/runtime.hpp"

namespace corio::detail {
namespace {

// As Tokio's blocking pool: long enough that bursts reuse threads.
constexpr std::chrono::seconds kKeepAlive{10};

class BlockingPool final : public Service {
public:
    BlockingPool(RuntimeCore* runtime, unsigned max_threads)
        : runtime_(runtime), max_threads_(max_threads ? max_threads : 1) {}

    void add_metrics(RuntimeMetrics& metrics) const noexcept override {
        std::lock_guard lock(mutex_);
        metrics.blocking_threads += threads_;
        metrics.blocking_queue_depth += queue_.size();
    }

    void submit(std::unique_ptr<BlockingJob> job) {
        std::vector<std::thread> exited;
        {
            std::unique_lock lock(mutex_);
            if (stopping_) throw InvalidStateError("to_thread on a corio runtime that is shutting down");
            queue_.push_back(std::move(job));
            exited.swap(exited_);
            if (queue_.size() <= idle_) {
                wake_.notify_one();
            } else if (threads_ < max_threads_) {
                try {
                    unsigned id = next_id_++;
                    live_.emplace(id, std::thread([this, id] { work(id); }));
                    ++threads_;
                } catch (const std::system_error&) {
                    // With no thread at all the job would wait forever: fail it.
                    if (threads_ == 0) {
                        queue_.pop_back();
                        throw;
                    }
                }
            }
        }
        for (auto& t : exited) t.join();  // ended already; outside the lock
    }

    void shutdown() noexcept override {
        std::map<unsigned, std::thread> live;
        std::vector<std::thread> exited;
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            live.swap(live_);
            exited.swap(exited_);
        }
        wake_.notify_all();
        for (auto& t : exited) t.join();
        for (auto& [id, t] : live) t.join();
    }

private:
    void work(unsigned id) {
        TraceThreadScope traced(runtime_, trace::TrackKind::blocking, id);
        std::unique_lock lock(mutex_);
        for (;;) {
            if (!queue_.empty()) {
                auto job = std::move(queue_.front());
                queue_.pop_front();
                lock.unlock();
                const auto job_id = reinterpret_cast<std::uintptr_t>(job.get());
                trace_event(trace::EventKind::blocking_begin, job_id);
                job->run();
                trace_event(trace::EventKind::blocking_end, job_id);
                job.reset();  // the job's future and captures die off the lock
                lock.lock();
                continue;
            }
            if (stopping_) break;
            ++idle_;
            bool woken = wake_.wait_for(lock, kKeepAlive, [this] { return stopping_ || !queue_.empty(); });
            --idle_;
            if (!woken) break;  // idle too long: reaped
        }
        --threads_;
        // Hand our own std::thread to whoever joins next (shutdown took it
        // already if it is stopping).
        if (auto it = live_.find(id); it != live_.end()) {
            exited_.push_back(std::move(it->second));
            live_.erase(it);
        }
    }

    RuntimeCore* const runtime_;
    const unsigned max_threads_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::unique_ptr<BlockingJob>> queue_;
    unsigned idle_ = 0;
    unsigned threads_ = 0;
    unsigned next_id_ = 0;
    bool stopping_ = false;
    std::map<unsigned, std::thread> live_;
    std::vector<std::thread> exited_;
};

char pool_key;  // its address names the service

}  // namespace

void submit_blocking(RuntimeCore* runtime, std::unique_ptr<BlockingJob> job) {
    if (!runtime) throw InvalidStateError("corio::to_thread called on a thread that runs no corio runtime");
    Service* service = find_or_start_service(runtime, &pool_key, [](RuntimeCore* rt) -> Service* {
        return new BlockingPool(rt, runtime_options(rt).max_blocking_threads);
    });
    static_cast<BlockingPool*>(service)->submit(std::move(job));
}

}  // namespace corio::detail
