#include "corio/detail/frame_allocator.hpp"

#if !CORIO_FRAME_ALLOCATOR_NEW
#include <tbb/scalable_allocator.h>

namespace corio::detail {
namespace {

// Gives a thread's cached frames back when the thread ends.
struct FrameCacheReleaser {
    ~FrameCacheReleaser() {
        FrameCache& cache = frame_cache;
        for (std::size_t c = 0; c < kFrameClasses; ++c) {
            while (FreeFrame* block = cache.heads[c]) {
                cache.heads[c] = block->next;
                scalable_free(block);
            }
            cache.counts[c] = 0;
        }
        // Frames freed after this point (later thread_local destructors)
        // go straight back to scalable_free.
        for (std::size_t c = 0; c < kFrameClasses; ++c) cache.counts[c] = max_cached_frames(c);
    }
};

void register_cache(FrameCache& cache) {
    cache.registered = true;
    // Constructed when control first passes here on this thread, so its
    // destructor runs at this thread's exit.
    static thread_local FrameCacheReleaser releaser;
    (void)releaser;
}

}  // namespace

void* allocate_frame_slow(std::size_t size) {
    FrameCache& cache = frame_cache;
    if (!cache.registered) register_cache(cache);
    std::size_t c = frame_class(size);
    if (c < kFrameClasses) size = (c + 1) << kFrameGranuleShift;  // the whole class, so any frame of it fits
    void* p = scalable_malloc(size);
    if (!p) throw std::bad_alloc();
    return p;
}

void free_frame_slow(void* frame, std::size_t size) noexcept {
    FrameCache& cache = frame_cache;
    std::size_t c = frame_class(size);
    if (!cache.registered && c < kFrameClasses) {
        register_cache(cache);
        free_frame(frame, size);  // now cached
        return;
    }
    scalable_free(frame);
}

}  // namespace corio::detail
#endif
