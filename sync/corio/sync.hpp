// The sync/ part of corio: asyncio's synchronisation primitives and queues,
// plus channels. Every one serves waiters first come first served, never
// busy-waits, is safe across worker threads, and is cancellation-safe: a
// waiter cancelled while queued takes nothing and loses nothing.
#pragma once

#include "corio/barrier.hpp"
#include "corio/channel.hpp"
#include "corio/condition.hpp"
#include "corio/event.hpp"
#include "corio/lock.hpp"
#include "corio/oneshot.hpp"
#include "corio/queue.hpp"
#include "corio/semaphore.hpp"
#include "corio/sync_errors.hpp"
