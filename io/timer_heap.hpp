// TimerHeap: the reactor's pending timers, a binary min-heap on (deadline,
// arrival order), so timers fire in deadline order and equal deadlines in
// the order they were armed. Entries carry their keys and the heap never
// writes to the ops: with 100,000 timers, every op a sift touched would be
// a cache miss. Deletion is lazy (the reactor compacts with remove_if once
// most entries are stale), so removal costs O(1) and stale entries never
// outnumber live ones. Used by one reactor thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "corio/io/detail/io_op.hpp"

namespace corio::detail {

class TimerHeap {
public:
    bool empty() const noexcept { return heap_.empty(); }
    std::size_t size() const noexcept { return heap_.size(); }
    IoOp* top() const noexcept { return heap_.front().op; }
    IoClock::time_point top_deadline() const noexcept { return IoClock::time_point(IoClock::duration(heap_.front().when)); }

    // `seq`: the op's arrival order, which breaks ties between deadlines.
    void push(IoOp* op, std::uint64_t seq) {
        heap_.push_back(Entry{op->deadline.time_since_epoch().count(), seq, op});
        up(heap_.size() - 1);
    }

    IoOp* pop() noexcept {
        IoOp* op = heap_.front().op;
        heap_.front() = heap_.back();
        heap_.pop_back();
        if (!heap_.empty()) down(0);
        return op;
    }

    // Takes out every timer `pred` selects, in O(n) (one rebuild), and
    // appends them to `out`.
    template <class Pred>
    void remove_if(Pred pred, std::vector<IoOp*>& out) {
        std::size_t kept = 0;
        for (const Entry& e : heap_) {
            if (pred(static_cast<const IoOp*>(e.op)))
                out.push_back(e.op);
            else
                heap_[kept++] = e;
        }
        heap_.resize(kept);
        for (std::size_t i = kept / 2; i-- > 0;) down(i);
    }

private:
    struct Entry {
        IoClock::rep when;  // the op's deadline
        std::uint64_t seq;  // the op's arrival order
        IoOp* op;
    };

    static bool before(const Entry& a, const Entry& b) noexcept {
        return a.when < b.when || (a.when == b.when && a.seq < b.seq);
    }
    void up(std::size_t i) noexcept {
        const Entry e = heap_[i];
        while (i > 0) {
            std::size_t parent = (i - 1) / 2;
            if (!before(e, heap_[parent])) break;
            heap_[i] = heap_[parent];
            i = parent;
        }
        heap_[i] = e;
    }
    void down(std::size_t i) noexcept {
        const Entry e = heap_[i];
        const std::size_t n = heap_.size();
        while (true) {
            std::size_t child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
            if (!before(heap_[child], e)) break;
            heap_[i] = heap_[child];
            i = child;
        }
        heap_[i] = e;
    }

    std::vector<Entry> heap_;
};

}  // namespace corio::detail
