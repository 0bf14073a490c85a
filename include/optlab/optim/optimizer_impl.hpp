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

}  // namespace optlab
