// The storage orders a queue can have: FIFO (Queue, Channel), LIFO
// (LifoQueue), smallest first (PriorityQueue). Each can also take back an
// item a cancelled getter had been handed, so that it is the next one out.
// Guarded by the owning queue's lock; they allocate only as they grow.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

namespace corio::detail {

template <class T>
class FifoBuffer {
public:
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    void push(T&& item) { items_.push_back(std::move(item)); }
    T pop() {
        T item = std::move(items_.front());
        items_.pop_front();
        return item;
    }
    void unget(T&& item) { items_.push_front(std::move(item)); }  // it was the oldest
    void clear() noexcept { items_.clear(); }

private:
    std::deque<T> items_;
};

template <class T>
class LifoBuffer {
public:
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    void push(T&& item) { items_.push_back(std::move(item)); }
    T pop() {
        T item = std::move(items_.back());
        items_.pop_back();
        return item;
    }
    void unget(T&& item) { items_.push_back(std::move(item)); }
    void clear() noexcept { items_.clear(); }

private:
    std::vector<T> items_;
};

// Compare orders as std::less does: the smallest item comes out first (heapq).
template <class T, class Compare = std::less<T>>
class PriorityBuffer {
public:
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    void push(T&& item) {
        items_.push_back(std::move(item));
        std::push_heap(items_.begin(), items_.end(), greater());
    }
    T pop() {
        std::pop_heap(items_.begin(), items_.end(), greater());
        T item = std::move(items_.back());
        items_.pop_back();
        return item;
    }
    void unget(T&& item) { push(std::move(item)); }
    void clear() noexcept { items_.clear(); }

private:
    auto greater() const {
        return [this](const T& a, const T& b) { return compare_(b, a); };
    }
    std::vector<T> items_;
    [[no_unique_address]] Compare compare_{};
};

}  // namespace corio::detail
