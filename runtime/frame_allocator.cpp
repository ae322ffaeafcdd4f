#include "corio/detail/frame_allocator.hpp"

#if !CORIO_FRAME_ALLOCATOR_NEW
#include <tbb/scalable_allocator.h>

#include <mutex>

namespace corio::detail {
namespace {

// Per class, the chains of free frames no thread holds: up to 64 MiB each
// (a program that had 200,000 tasks alive once will again); beyond that,
// chains go back to tbbmalloc. A lock per class, taken once per chain.
constexpr std::size_t kMaxDepotBytesPerClass = std::size_t{64} << 20;

struct alignas(64) DepotClass {
    std::mutex mutex;
    FreeFrame* chains = nullptr;
    std::size_t bytes = 0;
};

// Never destroyed: threads may hand their frames back during static
// destruction (a detached thread, a thread_local's destructor), and the
// memory is the process's until it exits either way.
DepotClass* depot() {
    static DepotClass* classes = new DepotClass[kFrameClasses];
    return classes;
}

std::size_t class_bytes(std::size_t c) { return (c + 1) << kFrameGranuleShift; }

void free_chain(FreeFrame* chain) noexcept {
    while (chain) {
        FreeFrame* next = chain->next;
        scalable_free(chain);
        chain = next;
    }
}

void depot_push(std::size_t c, FreeFrame* chain, unsigned length) noexcept {
    if (!chain) return;
    DepotClass& d = depot()[c];
    const std::size_t bytes = std::size_t{length} * class_bytes(c);
    {
        std::lock_guard lock(d.mutex);
        if (d.bytes + bytes <= kMaxDepotBytesPerClass) {
            chain->length = length;
            chain->next_chain = d.chains;
            d.chains = chain;
            d.bytes += bytes;
            return;
        }
    }
    free_chain(chain);
}

FreeFrame* depot_pop(std::size_t c, unsigned& length) noexcept {
    DepotClass& d = depot()[c];
    std::lock_guard lock(d.mutex);
    FreeFrame* chain = d.chains;
    if (!chain) return nullptr;
    d.chains = chain->next_chain;
    length = chain->length;
    d.bytes -= std::size_t{length} * class_bytes(c);
    return chain;
}

// Gives a thread's cached frames to the depot when the thread ends.
struct FrameCacheReleaser {
    ~FrameCacheReleaser() {
        FrameCache& cache = frame_cache;
        for (std::size_t c = 0; c < kFrameClasses; ++c) {
            depot_push(c, cache.heads[c], cache.counts[c]);
            depot_push(c, cache.spares[c], frame_chain_length(c));
            cache.heads[c] = cache.spares[c] = nullptr;
            // Frames freed after this point (later thread_local destructors)
            // take the slow path, which passes them on one by one.
            cache.counts[c] = frame_chain_length(c);
        }
        cache.exited = true;
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
    if (c < kFrameClasses) {
        size = class_bytes(c);  // the whole class, so any frame of it fits
        if (!cache.exited) {
            // The local chain ran dry: the spare, else a chain from the depot.
            FreeFrame* chain = cache.spares[c];
            unsigned length = frame_chain_length(c);
            if (chain)
                cache.spares[c] = nullptr;
            else
                chain = depot_pop(c, length);
            if (chain) {
                cache.heads[c] = chain->next;
                cache.counts[c] = length - 1;
                return chain;
            }
        }
    }
    void* p = scalable_malloc(size);
    if (!p) throw std::bad_alloc();
    return p;
}

void free_frame_slow(void* frame, std::size_t size) noexcept {
    FrameCache& cache = frame_cache;
    std::size_t c = frame_class(size);
    if (c >= kFrameClasses) {
        scalable_free(frame);
        return;
    }
    auto* block = static_cast<FreeFrame*>(frame);
    if (cache.exited) {
        block->next = nullptr;
        depot_push(c, block, 1);
        return;
    }
    if (!cache.registered) {
        register_cache(cache);
        free_frame(frame, size);  // now cached
        return;
    }
    // The local chain is full: it becomes the spare, and the old spare (if
    // any) goes to the depot for other threads.
    if (cache.spares[c]) depot_push(c, cache.spares[c], frame_chain_length(c));
    cache.spares[c] = cache.heads[c];
    block->next = nullptr;
    cache.heads[c] = block;
    cache.counts[c] = 1;
}

}  // namespace corio::detail
#endif
