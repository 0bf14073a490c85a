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
    for (const Range& r : groups_[g].ranges) {
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
    for (const Range& r : groups_[g].ranges) {
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

}  // namespace optlab
