// Memory for coroutine frames. Frames come from per-thread free lists in
// 64-byte size classes over oneTBB's scalable_malloc: allocating and freeing a
// frame touches no atomic and no lock. A frame freed on another thread joins
// that thread's list (memory migrates; each list is capped). Sanitizer builds
// (CORIO_FRAME_ALLOCATOR_NEW) use plain new/delete so AddressSanitizer sees
// every frame's lifetime.
#pragma once

#include <cstddef>

namespace corio::detail {

void* allocate_frame(std::size_t size);
void free_frame(void* frame, std::size_t size) noexcept;

}  // namespace corio::detail
