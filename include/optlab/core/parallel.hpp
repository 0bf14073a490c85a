// SPDX-License-Identifier: MIT
// One thread pool for the whole library (src/core/parallel.cpp: workers created once, reused
// by every call, sleeping when idle so they leave the cores to OpenBLAS), and the rule that
// splits a flat range of elements between its threads: on cache-line boundaries, so no two
// threads ever write the same line, and not at all below a size where waking the workers costs
// more than the work.
#pragma once

#include <cstddef>
#include <functional>

namespace optlab {

/// Number of threads optlab's kernels use (default: OPTLAB_NUM_THREADS, else all cores).
int num_threads();
/// Sets the number of threads for optlab's kernels; n >= 1.
void set_num_threads(int n);

/// Below this many elements a kernel runs on the calling thread alone.
inline constexpr std::size_t kSerialThreshold = std::size_t{1} << 15;

/// Calls body(b, e) on disjoint pieces covering [begin, end). Every inner piece boundary is a
/// multiple of `align` (one cache line of elements, counted from the arena's aligned start), so
/// no two threads write the same line.
void parallel_for(std::size_t begin, std::size_t end, std::size_t align,
                  const std::function<void(std::size_t, std::size_t)>& body);

}  // namespace optlab
