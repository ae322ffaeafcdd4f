#include "corio/detail/frame_allocator.hpp"

#include <new>

#if !CORIO_FRAME_ALLOCATOR_NEW
#include <tbb/scalable_allocator.h>
#endif

namespace corio::detail {

#if CORIO_FRAME_ALLOCATOR_NEW

void* allocate_frame(std::size_t size) { return ::operator new(size); }
void free_frame(void* frame, std::size_t size) noexcept { ::operator delete(frame, size); }

#else

namespace {

constexpr std::size_t kGranule = 64;
constexpr std::size_t kClasses = 64;        // frames up to 4 KiB are pooled
constexpr unsigned kMaxCachedPerClass = 1024;  // beyond this, give memory back

struct FreeBlock {
    FreeBlock* next;
};

struct ThreadCache {
    FreeBlock* heads[kClasses] = {};
    unsigned counts[kClasses] = {};

    ~ThreadCache() {
        for (auto*& head : heads) {
            while (head) {
                FreeBlock* next = head->next;
                scalable_free(head);
                head = next;
            }
        }
    }
};

thread_local ThreadCache cache;

inline std::size_t class_of(std::size_t size) { return (size + kGranule - 1) / kGranule - 1; }

}  // namespace

void* allocate_frame(std::size_t size) {
    std::size_t c = class_of(size);
    if (c < kClasses) {
        if (FreeBlock* block = cache.heads[c]) {
            cache.heads[c] = block->next;
            --cache.counts[c];
            return block;
        }
        size = (c + 1) * kGranule;  // allocate the whole class so any frame of it fits
    }
    void* p = scalable_malloc(size);
    if (!p) throw std::bad_alloc();
    return p;
}

void free_frame(void* frame, std::size_t size) noexcept {
    std::size_t c = class_of(size);
    if (c < kClasses && cache.counts[c] < kMaxCachedPerClass) {
        auto* block = static_cast<FreeBlock*>(frame);
        block->next = cache.heads[c];
        cache.heads[c] = block;
        ++cache.counts[c];
        return;
    }
    scalable_free(frame);
}

#endif

}  // namespace corio::detail
