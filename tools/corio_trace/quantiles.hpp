// Percentiles of a stream of durations in fixed memory (58 KiB once used), so a trace
// of any length is summarised without keeping its samples: values below
// 256 ns are exact, larger ones are reported as the lower bound of a bucket
// less than 1/128 (0.8%) wide relative to the value.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

namespace corio::trace_tool {

class Quantiles {
public:
    void add(std::uint64_t v) {
        if (bins_.empty()) bins_.assign(kBins, 0);  // on first use: most reports need few of these
        ++bins_[index(v)];
        if (count_++ == 0) min_ = max_ = v;
        min_ = std::min(min_, v);
        max_ = std::max(max_, v);
    }
    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    // Nearest rank: the smallest value with at least p% of the samples at or
    // below it. 0 when there are no samples.
    std::uint64_t percentile(double p) const {
        if (count_ == 0) return 0;
        auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
        rank = std::clamp<std::uint64_t>(rank, 1, count_);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < bins_.size(); ++i) {
            seen += bins_[i];
            if (seen >= rank) return std::clamp(lower(i), min_, max_);
        }
        return max_;
    }

private:
    static constexpr std::size_t kExact = 256;
    static constexpr std::size_t kSub = 128;  // buckets per power of two above kExact
    static std::size_t index(std::uint64_t v) {
        if (v < kExact) return static_cast<std::size_t>(v);
        const int e = 63 - std::countl_zero(v);  // 8..63
        const auto sub = static_cast<std::size_t>(v >> (e - 7)) - kSub;
        return kExact + static_cast<std::size_t>(e - 8) * kSub + sub;
    }
    static std::uint64_t lower(std::size_t i) {
        if (i < kExact) return i;
        const std::size_t j = i - kExact;
        const int e = static_cast<int>(j / kSub) + 8;
        return (std::uint64_t{kSub} + j % kSub) << (e - 7);
    }

    static constexpr std::size_t kBins = kExact + 56 * kSub;
    std::vector<std::uint64_t> bins_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace corio::trace_tool
