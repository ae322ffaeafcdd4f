// Queue, LifoQueue, PriorityQueue: asyncio's queues (Python 3.13 API,
// shutdown included). maxsize <= 0 means unbounded. put()/get() wait FIFO;
// put_nowait/get_nowait throw QueueFull/QueueEmpty; task_done()/join() count
// unfinished items; shutdown() makes puts throw QueueShutDown, and gets too
// once the queue is empty (immediate=true drops what is left). Safe from any
// thread; a cancelled get() never takes an item (see detail/item_queue.hpp).
#pragma once

#include <cstddef>
#include <functional>

#include "corio/detail/item_buffers.hpp"
#include "corio/detail/item_queue.hpp"

namespace corio {

namespace detail {
struct QueuePolicy {
    static constexpr bool get_optional = false;
    [[noreturn]] static void closed() { throw QueueShutDown(); }
    [[noreturn]] static void full() { throw QueueFull(); }
};
}  // namespace detail

template <class T, class Buffer>
class BasicQueue : public detail::ItemQueue<T, Buffer, detail::QueuePolicy> {
    using Base = detail::ItemQueue<T, Buffer, detail::QueuePolicy>;

public:
    explicit BasicQueue(std::ptrdiff_t maxsize = 0)
        : Base(maxsize <= 0 ? detail::kUnbounded : static_cast<std::size_t>(maxsize)), maxsize_(maxsize) {}

    std::ptrdiff_t maxsize() const noexcept { return maxsize_; }

    // get_nowait(): the next item, or QueueEmpty (QueueShutDown once shut down and empty).
    T get_nowait() {
        bool failed = false;
        std::optional<T> item = Base::try_get(failed);
        if (failed) throw QueueShutDown();
        if (!item) throw QueueEmpty();
        return std::move(*item);
    }

    void shutdown(bool immediate = false) noexcept { Base::close(immediate); }
    bool is_shutdown() const noexcept { return Base::closed(); }

private:
    using Base::capacity;
    using Base::closed;
    using Base::try_get;
    using Base::try_put_ref;
    std::ptrdiff_t maxsize_;
};

template <class T>
using Queue = BasicQueue<T, detail::FifoBuffer<T>>;
template <class T>
using LifoQueue = BasicQueue<T, detail::LifoBuffer<T>>;
// Smallest first by Compare (std::less: as heapq); put (priority, value) pairs as in asyncio.
template <class T, class Compare = std::less<T>>
using PriorityQueue = BasicQueue<T, detail::PriorityBuffer<T, Compare>>;

}  // namespace corio
