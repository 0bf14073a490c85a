// SPDX-License-Identifier: MIT
// Template bodies of optimizer.hpp that every optimizer's .cpp instantiates.
#pragma once

#include "optlab/core/parallel.hpp"
#include "optlab/core/simd.hpp"
#include "optlab/optim/optimizer.hpp"

namespace optlab {

/// Calls f.template operator()<b...>() with each runtime flag turned into a compile-time
/// constant, so an optimizer's loop is specialised once per step instead of branching per
/// element (a branch in the loop body stops GCC from vectorising it).
template <bool... Fixed, class F>
void with_flags(F&& f) {
    f.template operator()<Fixed...>();
}
template <bool... Fixed, class F, class... Rest>
void with_flags(F&& f, bool first, Rest... rest) {
    if (first) {
        with_flags<Fixed..., true>(f, rest...);
    } else {
        with_flags<Fixed..., false>(f, rest...);
    }
}

template <class T>
template <class Kernel>
void Optimizer<T>::for_each_range(std::size_t g, Kernel&& kernel) {
    // The kernel's loop is compiled once per instruction set (simd.hpp); this picks the copy.
    const SimdTarget target = simd_target();
    for (const Range& r : ranges_of(g)) {
        parallel_for(r.offset, r.offset + r.size, ParamStore<T>::kAlign,
                     [&](std::size_t begin, std::size_t end) {
                         run_kernel(target, kernel, begin, end);
                     });
    }
}

template <class T>
template <class Kernel>
void Optimizer<T>::for_each_row_seen(std::size_t g, Kernel&& kernel) {
    const SimdTarget target = simd_target();
    auto run = [&](std::size_t begin, std::size_t end) {
        if (begin >= end) return;
        parallel_for(begin, end, ParamStore<T>::kAlign,
                     [&](std::size_t b, std::size_t e) { run_kernel(target, kernel, b, e); });
    };
    // A group's range is its tensors back to back: the untracked ones are stepped whole, the
    // tracked ones (few: a model's embeddings) run by run of consecutive rows seen.
    for (const Range& r : ranges_of(g)) {
        const std::size_t end = r.offset + r.size;
        std::size_t next = r.offset;  // the first element not yet walked
        for (std::size_t index : store_.tracked_tensors()) {
            const TensorInfo& t = store_.info(index);
            if (t.offset < next || t.offset >= end) continue;
            run(next, t.offset);
            const std::span<const std::uint8_t> seen = store_.rows_seen(index);
            const std::size_t width = seen.empty() ? 0 : t.size / seen.size();  // elements per row
            for (std::size_t row = 0; row < seen.size();) {
                std::size_t last = row;
                while (last < seen.size() && seen[last] != 0) ++last;
                run(t.offset + row * width, t.offset + last * width);
                row = last + 1;
            }
            next = t.offset + t.size;
        }
        run(next, end);
    }
}

/// Σ term(j) for j in [0, n), in float64: term j in running sum j mod 8, the eight added in a
/// fixed tree (LAMB's norms), so the same bits on every instruction set, each running sum a
/// lane of a vector.
template <class Term>
inline double lane_sum(std::size_t n, Term&& term) {
    constexpr std::size_t kLanes = 8;
    double acc[kLanes] = {};
    std::size_t j = 0;
    for (; j + kLanes <= n; j += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) acc[k] += term(j + k);
    }
    for (std::size_t k = 0; j < n; ++j, ++k) acc[k] += term(j);
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

template <class T>
template <std::size_t K, class Kernel>
std::array<double, K> Optimizer<T>::sum_chunks(std::size_t g, Kernel&& kernel) {
    const std::vector<Range>& ranges = ranges_of(g);
    std::size_t count = 0;
    for (const Range& r : ranges) count += (r.size + kChunk - 1) / kChunk;
    if (chunk_sums_.size() < count * K) chunk_sums_.resize(count * K);  // the first step's only
    double* sums = chunk_sums_.data();
    // Chunks [first, last) of the group, numbered range by range.
    auto chunks = [&](std::size_t first, std::size_t last) {
        std::size_t index = 0;
        for (const Range& r : ranges) {
            const std::size_t n = (r.size + kChunk - 1) / kChunk;
            for (std::size_t c = index < first ? std::min(first - index, n) : 0; c < n && index + c < last; ++c) {
                const std::size_t begin = r.offset + c * kChunk;
                kernel(begin, std::min(begin + kChunk, r.offset + r.size), sums + (index + c) * K);
            }
            index += n;
        }
    };
    const SimdTarget target = simd_target();
    if (num_threads() <= 1 || count * kChunk < kSerialThreshold) {
        run_kernel(target, chunks, 0, count);
    } else {
        parallel_run([&](Part part) {
            const auto [first, last] = part.share(count);
            run_kernel(target, chunks, first, last);
        });
    }
    std::array<double, K> total{};
    for (std::size_t c = 0; c < count; ++c) {
        for (std::size_t k = 0; k < K; ++k) total[k] += sums[c * K + k];
    }
    return total;
}

}  // namespace optlab
