// TimerHeap: the reactor's pending timers, a binary min-heap on (deadline,
// arrival order), so timers fire in deadline order and equal deadlines in
// the order they were armed. Each op records its index, so a cancelled
// timer is taken out at once in O(log n): nothing is left behind. Used by
// one reactor thread only.
#pragma once

#include <cstddef>
#include <vector>

#include "corio/io/detail/io_op.hpp"

namespace corio::detail {

class TimerHeap {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    bool empty() const noexcept { return heap_.empty(); }
    std::size_t size() const noexcept { return heap_.size(); }
    IoOp* top() const noexcept { return heap_.front(); }

    void push(IoOp* op) {
        heap_.push_back(op);
        op->heap_index = heap_.size() - 1;
        up(heap_.size() - 1);
    }

    IoOp* pop() noexcept {
        IoOp* op = heap_.front();
        remove(op);
        return op;
    }

    void remove(IoOp* op) noexcept {
        std::size_t i = op->heap_index;
        op->heap_index = npos;
        IoOp* last = heap_.back();
        heap_.pop_back();
        if (last == op) return;
        place(i, last);
        if (!up(i)) down(i);
    }

    bool contains(const IoOp* op) const noexcept { return op->heap_index != npos; }

private:
    static bool before(const IoOp* a, const IoOp* b) noexcept {
        return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
    }
    void place(std::size_t i, IoOp* op) noexcept {
        heap_[i] = op;
        op->heap_index = i;
    }
    bool up(std::size_t i) noexcept {
        IoOp* op = heap_[i];
        std::size_t start = i;
        while (i > 0) {
            std::size_t parent = (i - 1) / 2;
            if (!before(op, heap_[parent])) break;
            place(i, heap_[parent]);
            i = parent;
        }
        place(i, op);
        return i != start;
    }
    void down(std::size_t i) noexcept {
        IoOp* op = heap_[i];
        const std::size_t n = heap_.size();
        while (true) {
            std::size_t child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
            if (!before(heap_[child], op)) break;
            place(i, heap_[child]);
            i = child;
        }
        place(i, op);
    }

    std::vector<IoOp*> heap_;
};

}  // namespace corio::detail
