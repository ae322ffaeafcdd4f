// The errors the sync/ primitives throw, as asyncio names them. All derive
// from corio::Error (so `catch (const corio::Error&)` sees them); none is a
// CancelledError. Misuse that asyncio reports with RuntimeError (releasing an
// unlocked Lock, notifying without the lock) throws corio::InvalidStateError.
#pragma once

#include "corio/errors.hpp"

namespace corio {

// Queue.put_nowait on a full queue.
class QueueFull : public Error {
public:
    QueueFull() : Error("queue is full") {}
};

// Queue.get_nowait on an empty queue.
class QueueEmpty : public Error {
public:
    QueueEmpty() : Error("queue is empty") {}
};

// put/get on a queue after shutdown() (get: once the queue is empty), as Python 3.13.
class QueueShutDown : public Error {
public:
    QueueShutDown() : Error("queue is shut down") {}
};

// Barrier.wait on a broken (aborted) barrier, or a wait interrupted by reset()/abort().
class BrokenBarrierError : public Error {
public:
    BrokenBarrierError() : Error("barrier is broken") {}
};

// send on a closed Channel; a oneshot receiver whose sender went without sending.
class ChannelClosed : public Error {
public:
    ChannelClosed() : Error("channel is closed") {}
    using Error::Error;
};

// A bad argument: a negative semaphore value, a BoundedSemaphore released
// too many times, a Barrier of 0 parties (asyncio's ValueError).
class ValueError : public Error {
public:
    using Error::Error;
};

}  // namespace corio
