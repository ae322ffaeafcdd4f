// FanIn: the completion bookkeeping behind gather, wait, as_completed and
// when_any (see corio/detail/fan_in.hpp).
#include "corio/detail/fan_in.hpp"

#include "corio/detail/signal.hpp"

namespace corio::detail {

FanIn::FanIn(std::size_t n, Options options)
    : size_(n), options_(options), nodes_(new Node[n]), refs_(n + 1) {
    order_.reserve(n);
}

FanIn* FanIn::start(std::span<CompletionState* const> children, Options options) {
    auto* fan = new FanIn(children.size(), options);
    // Every node is filled in before any is registered: a callback may run
    // on another thread as soon as its node is on a child's list.
    for (std::size_t i = 0; i < children.size(); ++i) {
        Node& node = fan->nodes_[i];
        node.callback = &FanIn::on_done;
        node.owner = fan;
        node.index = i;
        node.child = children[i];
    }
    for (std::size_t i = 0; i < children.size(); ++i)
        if (!children[i]->add_waiter(&fan->nodes_[i])) on_done(&fan->nodes_[i], true);
    return fan;
}

void FanIn::on_done(Waiter* waiter, bool run) noexcept {
    auto* node = static_cast<Node*>(waiter);
    FanIn* fan = node->owner;
    if (run) {
        using Outcome = CompletionState::Outcome;
        // The child is done: its outcome was published before its list closed.
        Outcome outcome = node->child->outcome();
        bool failed = outcome == Outcome::error || (outcome == Outcome::cancelled && fan->options_.cancelled_is_failure);
        if (fan->options_.mark_retrieved) node->child->mark_retrieved();
        std::optional<Future<void>> wake;
        {
            std::lock_guard lock(fan->mutex_);
            fan->order_.push_back(node->index);
            if (failed && fan->first_failure_ == npos) fan->first_failure_ = node->index;
            if (fan->armed_ && fan->satisfied(fan->armed_until_)) {
                fan->armed_ = false;
                wake = std::move(fan->wake_);
            }
        }
        // Woken outside the lock: the waiter may run at once and call back in.
        if (wake) fire(*wake);
    }
    fan->drop_ref();
}

bool FanIn::satisfied(Until until) const noexcept {
    switch (until) {
        case Until::all: return order_.size() == size_;
        case Until::next: return order_.size() > handed_out_;
        case Until::failure_or_all: return first_failure_ != npos || order_.size() == size_;
    }
    return true;
}

Coro<void> FanIn::wait(Until until) {
    Future<void> wake;
    {
        std::lock_guard lock(mutex_);
        if (satisfied(until)) co_return;
        // A previous wait that was cancelled left its (cancelled) future here;
        // this one replaces it.
        armed_ = true;
        armed_until_ = until;
        wake_ = wake;
    }
    co_await wake;
}

Coro<void> FanIn::wait_or_cancel_children(Until until) {
    bool cancelled = false;
    try {
        co_await wait(until);
    } catch (const CancelledError&) {
        cancelled = true;
    }
    if (!cancelled) co_return;
    for (std::size_t i = 0; i < size_; ++i) nodes_[i].child->cancel();
    for (;;) {
        try {
            co_await wait(Until::all);
            break;
        } catch (const CancelledError&) {  // cancelled again: the children already are
        }
    }
    throw CancelledError("gathering task was cancelled");
}

std::size_t FanIn::done_count() {
    std::lock_guard lock(mutex_);
    return order_.size();
}

std::size_t FanIn::first_failure() {
    std::lock_guard lock(mutex_);
    return first_failure_;
}

std::size_t FanIn::take_next() {
    std::lock_guard lock(mutex_);
    return handed_out_ < order_.size() ? order_[handed_out_++] : npos;
}

void FanIn::release() noexcept { drop_ref(); }

void FanIn::drop_ref() noexcept {
    // acq_rel: the last owner sees every node's writes before deleting.
    if (refs_.fetch_sub(1, memory_order_acq_rel) == 1) delete this;
}

}  // namespace corio::detail
