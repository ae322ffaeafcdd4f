// Replays every file of the fuzzing corpus (tests/fuzz/corio_trace_corpus)
// through the fuzz target's entry point, built here with the project's
// compiler and sanitizers: whatever a fuzzing campaign once found must keep
// being read without a crash, a sanitizer report or an unexpected exception.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>

#include "trace_writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

TEST_CASE("every corpus file goes through the reader") {
    namespace fs = std::filesystem;
    std::size_t files = 0;
    for (const fs::directory_entry& entry : fs::directory_iterator(CORIO_TRACE_CORPUS)) {
        if (!entry.is_regular_file()) continue;
        const std::string bytes = corio::trace_test::slurp(entry.path().string());
        INFO(entry.path().string());
        CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) == 0);
        ++files;
    }
    CHECK(files >= 20);
}
