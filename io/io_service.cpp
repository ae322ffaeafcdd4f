// IoService: the runtime service that owns the reactors. It starts on the
// first timer or I/O call of a runtime and stops at the runtime's shutdown.
// At shutdown's start each reactor cancels the waits of its own ops (no
// runtime-wide list, which would cost a lock per wait), and metrics() sums
// the reactors' counts of pending timers and ops in flight.
#include <memory>
#include <mutex>
#include <vector>

#include "corio/detail/service.hpp"
#include "corio/metrics.hpp"
#include "corio/runtime.hpp"
#include "io_completion.hpp"
#include "reactor.hpp"
#include "worker_ring.hpp"

namespace corio::detail {
namespace {

class IoService final : public Service {
public:
    explicit IoService(RuntimeCore* runtime) {
        unsigned n = runtime_options(runtime).io_threads;
        if (n == 0)
            throw InvalidStateError("corio: timers and I/O need at least one reactor thread (Options.io_threads = 0)");
        reactors_.reserve(n);
        for (unsigned i = 0; i < n; ++i) reactors_.push_back(std::make_unique<Reactor>(i, runtime));
    }

    // Shutdown began (and again every 50 ms while tasks unwind): the
    // reactors end the sleeps, and they and the worker rings ask the kernel
    // to cancel the ops that tasks wait on; each task then sees CancelledError.
    void cancel_waits() noexcept override {
        for (auto& r : reactors_) r->cancel_waits();
        std::lock_guard lock(rings_mutex_);
        for (WorkerRing* ring : rings_) ring->cancel_all();
    }

    // The worker rings outlive the service: they close when their worker
    // exits, after every service has stopped, and are freed with their
    // worker, after the stopped service (RuntimeCore::stopped_services).
    void add_ring(WorkerRing* ring) {
        std::lock_guard lock(rings_mutex_);
        rings_.push_back(ring);
    }

    void add_metrics(RuntimeMetrics& metrics) const noexcept override {
        for (auto& r : reactors_) {
            metrics.io_in_flight += r->io_in_flight();
            metrics.timers_pending += r->timers_pending();
            // A sleeping reactor may hold later timers it has not counted
            // (see Reactor::post): have it count them for the next snapshot.
            r->refresh_counts();
        }
        std::lock_guard lock(rings_mutex_);
        for (WorkerRing* ring : rings_) {
            metrics.io_in_flight += ring->ops_in_flight();
            metrics.timers_pending += ring->timers_pending();
            ring->refresh_counts();
        }
    }

    // Called once no task is left: every op a task awaited is done, so
    // the reactors only drain leftovers and their own wake reads.
    void shutdown() noexcept override {
        for (auto& r : reactors_) r->stop();
    }

    // Spreads the workers over the reactors, one reactor per worker.
    Reactor* pick() noexcept {
        // relaxed: only a counter; any spread is correct.
        unsigned i = next_.fetch_add(1, memory_order_relaxed);
        return reactors_[i % reactors_.size()].get();
    }

private:
    std::vector<std::unique_ptr<Reactor>> reactors_;
    Atomic<unsigned> next_{0};
    mutable std::mutex rings_mutex_;
    std::vector<WorkerRing*> rings_;
};

const char kIoServiceKey = 0;

Service* make_io_service(RuntimeCore* runtime) { return new IoService(runtime); }

// Each worker thread serves one runtime for its whole life, so its reactor
// can be cached: the service lookup takes a lock.
struct ReactorCache {
    RuntimeCore* runtime = nullptr;
    Reactor* reactor = nullptr;
};
constinit thread_local ReactorCache reactor_cache{};

IoService* io_service(RuntimeCore* rt) {
    return static_cast<IoService*>(find_or_start_service(rt, &kIoServiceKey, &make_io_service));
}

}  // namespace

void add_worker_ring(RuntimeCore* runtime, WorkerRing* ring) { io_service(runtime)->add_ring(ring); }

Reactor* current_reactor() {
    RuntimeCore* rt = current_runtime();
    if (!rt)
        throw InvalidStateError(
            "corio timers and I/O must be awaited from a task on a corio runtime "
            "(inside corio::run, Runtime::block_on or a spawned task)");
    ReactorCache& cache = reactor_cache;
    if (cache.runtime != rt) {
        cache.reactor = io_service(rt)->pick();
        cache.runtime = rt;
    }
    return cache.reactor;
}

}  // namespace corio::detail
