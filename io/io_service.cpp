// IoService: the runtime service that owns the reactors. It starts on the
// first timer or I/O call of a runtime and stops at the runtime's shutdown.
#include <memory>
#include <vector>

#include "corio/detail/service.hpp"
#include "corio/runtime.hpp"
#include "io_completion.hpp"
#include "reactor.hpp"

namespace corio::detail {
namespace {

class IoService final : public Service {
public:
    explicit IoService(RuntimeCore* runtime) {
        unsigned n = runtime_options(runtime).io_threads;
        if (n == 0)
            throw InvalidStateError("corio: timers and I/O need at least one reactor thread (Options.io_threads = 0)");
        reactors_.reserve(n);
        for (unsigned i = 0; i < n; ++i) reactors_.push_back(std::make_unique<Reactor>(i));
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

}  // namespace

Reactor* current_reactor() {
    RuntimeCore* rt = current_runtime();
    if (!rt)
        throw InvalidStateError(
            "corio timers and I/O must be awaited from a task on a corio runtime "
            "(inside corio::run, Runtime::block_on or a spawned task)");
    ReactorCache& cache = reactor_cache;
    if (cache.runtime != rt) {
        auto* service = static_cast<IoService*>(find_or_start_service(rt, &kIoServiceKey, &make_io_service));
        cache.reactor = service->pick();
        cache.runtime = rt;
    }
    return cache.reactor;
}

}  // namespace corio::detail
