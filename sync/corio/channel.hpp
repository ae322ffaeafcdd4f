// Channel<T>: a bounded multi-producer multi-consumer channel with close.
// send() waits while the channel is full and throws ChannelClosed once it is
// closed; recv() returns the next item, or std::nullopt at end of stream (the
// channel is closed and drained). Capacity 0 is a rendezvous: a send waits
// for a receiver. Waiters are served FIFO; safe from any thread; a cancelled
// recv() never takes an item (see detail/item_queue.hpp).
#pragma once

#include <cstddef>
#include <optional>

#include "corio/detail/item_buffers.hpp"
#include "corio/detail/item_queue.hpp"

namespace corio {

namespace detail {
struct ChannelPolicy {
    static constexpr bool get_optional = true;
    [[noreturn]] static void closed() { throw ChannelClosed(); }
    [[noreturn]] static void full() { throw ChannelClosed("channel is full"); }  // unused: try_send returns false
};
}  // namespace detail

template <class T>
class Channel {
    using Core = detail::ItemQueue<T, detail::FifoBuffer<T>, detail::ChannelPolicy>;

public:
    explicit Channel(std::size_t capacity) : core_(capacity) {}

    // co_await: sends; throws ChannelClosed if the channel is (or gets) closed.
    auto send(T item) { return core_.put(std::move(item)); }
    // co_await: the next item, or std::nullopt once closed and drained.
    auto recv() noexcept { return core_.get(); }

    // Sends without waiting: false (item untouched) if it would wait;
    // throws ChannelClosed when closed.
    bool try_send(T& item) { return core_.try_put_ref(item); }
    bool try_send(T&& item) { return core_.try_put_ref(item); }
    // Receives without waiting: nullopt if nothing is ready (or closed and drained).
    std::optional<T> try_recv() {
        bool closed = false;
        return core_.try_get(closed);
    }

    // Further sends throw ChannelClosed; waiting senders too; receivers drain
    // what is buffered, then get std::nullopt.
    void close() noexcept { core_.close(false); }
    bool is_closed() const noexcept { return core_.closed(); }
    std::size_t size() const noexcept { return core_.qsize(); }
    std::size_t capacity() const noexcept { return core_.capacity(); }
    // Tasks queued now in recv()/send() (diagnostics and tests).
    std::size_t waiting_receivers() const noexcept { return core_.waiting_getters(); }
    std::size_t waiting_senders() const noexcept { return core_.waiting_putters(); }

private:
    Core core_;
};

}  // namespace corio
