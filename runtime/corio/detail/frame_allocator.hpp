// Memory for coroutine frames. Frames come from per-thread free lists in
// 64-byte size classes over oneTBB's scalable_malloc: allocating and freeing a
// frame touches no atomic and no lock, and the fast path is inline. A frame
// freed on another thread joins that thread's list (memory migrates; each
// list is capped). Sanitizer builds (CORIO_FRAME_ALLOCATOR_NEW) use plain
// new/delete so AddressSanitizer sees every frame's lifetime.
#pragma once

#include <cstddef>
#include <new>

namespace corio::detail {

#if CORIO_FRAME_ALLOCATOR_NEW

inline void* allocate_frame(std::size_t size) { return ::operator new(size); }
inline void free_frame(void* frame, std::size_t size) noexcept { ::operator delete(frame, size); }

#else

inline constexpr std::size_t kFrameGranuleShift = 6;  // 64-byte classes
inline constexpr std::size_t kFrameClasses = 64;      // frames up to 4 KiB are pooled
// A thread's free frames of one class go to and come from a process-wide
// depot in chains of about 128 KiB, so memory freed on one thread (a task
// that ended there) feeds another that allocates (a spawning loop), and
// outlives its thread (a runtime's workers end, the next runtime's start):
// memory handed back to tbbmalloc gets unmapped, and the next burst faults
// it in page by page, which on this class of VM costs more than the burst.
inline constexpr std::size_t kFrameChainBytes = std::size_t{128} << 10;
inline constexpr unsigned frame_chain_length(std::size_t c) noexcept {
    return static_cast<unsigned>(kFrameChainBytes / ((c + 1) << kFrameGranuleShift));
}

struct FreeFrame {
    FreeFrame* next;
    // In the first frame of a chain in the depot:
    FreeFrame* next_chain;
    unsigned length;
};

// Trivially destructible on purpose: thread_local access then needs no
// guard. The frames are handed to the depot at thread exit by a separate
// object (frame_allocator.cpp), registered on the slow path.
struct FrameCache {
    FreeFrame* heads[kFrameClasses];   // the chain frames come from and go to
    unsigned counts[kFrameClasses];    // its length
    FreeFrame* spares[kFrameClasses];  // a full chain kept back from the depot
    bool registered;
    bool exited;  // the thread's cache was handed back: frames go to the depot one by one
};
inline constinit thread_local FrameCache frame_cache{};

void* allocate_frame_slow(std::size_t size);
void free_frame_slow(void* frame, std::size_t size) noexcept;

inline std::size_t frame_class(std::size_t size) noexcept { return (size - 1) >> kFrameGranuleShift; }

inline void* allocate_frame(std::size_t size) {
    std::size_t c = frame_class(size);
    if (c < kFrameClasses) {
        FrameCache& cache = frame_cache;
        if (FreeFrame* block = cache.heads[c]) {
            FreeFrame* next = block->next;
            cache.heads[c] = next;
            --cache.counts[c];
            // The next allocation reads its block's link and its user writes
            // the block: a frame freed long ago is a run of cache misses,
            // which this hides behind the current use (up to 4 lines).
            if (next) {
                const std::size_t lines = c < 4 ? c + 1 : 4;
                for (std::size_t i = 0; i < lines; ++i)
                    __builtin_prefetch(reinterpret_cast<char*>(next) + (i << kFrameGranuleShift), 1);
            }
            return block;
        }
    }
    return allocate_frame_slow(size);
}

inline void free_frame(void* frame, std::size_t size) noexcept {
    std::size_t c = frame_class(size);
    FrameCache& cache = frame_cache;
    // `registered` first: a thread that only frees must still hand its
    // cache back when it ends (the slow path registers it).
    if (c < kFrameClasses && cache.registered && cache.counts[c] < frame_chain_length(c)) {
        auto* block = static_cast<FreeFrame*>(frame);
        block->next = cache.heads[c];
        cache.heads[c] = block;
        ++cache.counts[c];
        return;
    }
    free_frame_slow(frame, size);
}

#endif

}  // namespace corio::detail
