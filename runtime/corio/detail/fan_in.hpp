// FanIn: one task waiting on many completions (gather, wait, as_completed,
// when_any). A callback node per child records the order children finish
// in and wakes the waiter once the condition it asked for holds. The FanIn
// is reference-counted by its owner and its nodes, so it outlives a waiter
// that left early (first exception, cancellation) until every child is done.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "corio/coro.hpp"
#include "corio/future.hpp"

namespace corio::detail {

class FanIn {
public:
    enum class Until {
        all,             // every child is done
        next,            // a child finished that take_next() has not handed out
        failure_or_all,  // a child failed, or every child is done
    };
    struct Options {
        bool cancelled_is_failure = false;  // gather: yes; wait(FIRST_EXCEPTION): no
        bool mark_retrieved = false;        // the combinator reports every child's error itself
    };
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    // Registers on every child; children may already be done.
    static FanIn* start(std::span<CompletionState* const> children, Options options);
    void release() noexcept;  // the owner's reference

    // Suspends the calling task until `until` holds; throws CancelledError
    // when the task is cancelled meanwhile (the children are not touched).
    Coro<void> wait(Until until);

    // wait(until), but when the task is cancelled meanwhile, cancels every
    // child, waits until all are done (through further cancellations) and
    // then throws CancelledError: cancelling a gather cancels its children
    // and ends once they have ended (asyncio). The caller keeps the
    // children alive (it holds their handles).
    Coro<void> wait_or_cancel_children(Until until);

    std::size_t size() const noexcept { return size_; }
    std::size_t done_count();
    std::size_t first_failure();  // index of the first child that failed, or npos
    std::size_t take_next();      // next finished child not yet handed out, or npos

private:
    struct Node : Waiter {
        FanIn* owner;
        std::size_t index;
        CompletionState* child;
    };
    FanIn(std::size_t n, Options options);
    static void on_done(Waiter* node, bool run) noexcept;
    bool satisfied(Until until) const noexcept;  // under mutex_
    void drop_ref() noexcept;

    const std::size_t size_;
    const Options options_;
    std::unique_ptr<Node[]> nodes_;
    Atomic<std::size_t> refs_;

    std::mutex mutex_;  // guards the fields below; callbacks come from any thread
    std::vector<std::size_t> order_;  // child indices, in the order they finished
    std::size_t handed_out_ = 0;
    std::size_t first_failure_ = npos;
    bool armed_ = false;
    Until armed_until_ = Until::all;
    std::optional<Future<void>> wake_;  // made anew by each wait()
};

// Deleter for owning FanIn pointers in coroutine frames.
struct FanInRelease {
    void operator()(FanIn* f) const noexcept { f->release(); }
};
using FanInPtr = std::unique_ptr<FanIn, FanInRelease>;

}  // namespace corio::detail
