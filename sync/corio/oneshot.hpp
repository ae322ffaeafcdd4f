// oneshot: a channel for exactly one value, as Tokio's. channel<T>() gives a
// Sender and a Receiver; send(v) never waits; `co_await rx.recv()` returns the
// value, or throws ChannelClosed if the Sender went away without sending.
// Both ends are move-only and may live on different threads; a recv()
// cancelled while waiting leaves the value (if it comes) for a later recv().
#pragma once

#include <memory>
#include <utility>

#include "corio/channel.hpp"

namespace corio::oneshot {

template <class T>
class Sender {
public:
    Sender() = default;
    explicit Sender(std::shared_ptr<Channel<T>> ch) noexcept : ch_(std::move(ch)) {}
    Sender(Sender&&) noexcept = default;
    Sender& operator=(Sender&& other) noexcept {
        if (this != &other) {
            finish();
            ch_ = std::move(other.ch_);
        }
        return *this;
    }
    ~Sender() { finish(); }

    // Sends the value. Throws InvalidStateError on a second send or an empty Sender.
    void send(T value) {
        if (!ch_) throw InvalidStateError("oneshot::Sender: already sent (or moved from)");
        ch_->try_send(std::move(value));  // capacity 1, one send: never full
        finish();
    }

private:
    void finish() noexcept {
        if (ch_) std::exchange(ch_, nullptr)->close();  // receivers: the value, then end
    }
    std::shared_ptr<Channel<T>> ch_;
};

template <class T>
class Receiver {
public:
    Receiver() = default;
    explicit Receiver(std::shared_ptr<Channel<T>> ch) noexcept : ch_(std::move(ch)) {}

    Coro<T> recv() {
        if (!ch_) throw InvalidStateError("oneshot::Receiver: empty (moved from)");
        std::optional<T> v = co_await ch_->recv();
        if (!v) throw ChannelClosed("oneshot: the sender went away without sending");
        co_return std::move(*v);
    }

private:
    std::shared_ptr<Channel<T>> ch_;
};

template <class T>
std::pair<Sender<T>, Receiver<T>> channel() {
    auto ch = std::make_shared<Channel<T>>(1);
    return {Sender<T>(ch), Receiver<T>(ch)};
}

}  // namespace corio::oneshot
