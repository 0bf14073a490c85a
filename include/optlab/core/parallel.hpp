// SPDX-License-Identifier: MIT
// One thread pool for the whole library (src/core/parallel.cpp: workers created once, reused
// by every call, sleeping when idle so they leave the cores to OpenBLAS), and the rule that
// splits a flat range of elements between its threads: on cache-line boundaries, so no two
// threads ever write the same line, and not at all below a size where waking the workers costs
// more than the work.
#pragma once

#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

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

/// How many consecutive items of `item_bytes` each make a whole number of 64-byte cache lines:
/// shares that start at multiples of it never put two threads' writes in one line (for arrays
/// that start on a line, as optlab's do).
constexpr std::size_t line_grain(std::size_t item_bytes) {
    std::size_t a = item_bytes % 64, b = 64;  // 64 / gcd(item_bytes, 64)
    while (a != 0) {
        const std::size_t t = b % a;
        b = a;
        a = t;
    }
    return 64 / b;
}

/// One thread's share of a parallel_run: part `index` of `count`.
struct Part {
    std::size_t index = 0;
    std::size_t count = 1;
    /// The granularity of share_rows(): set by whoever knows the rows' widths (nn::Network).
    std::size_t row_grain = 1;

    /// This part's contiguous share [first, second) of n items, its inner boundaries multiples
    /// of `grain` (line_grain: on cache-line boundaries). Every caller splits the same n the
    /// same way, so work split by rows in one place meets the same rows in the next.
    std::pair<std::size_t, std::size_t> share(std::size_t n, std::size_t grain = 1) const {
        auto edge = [&](std::size_t k) { return k >= count ? n : n * k / count / grain * grain; };
        return {edge(index), edge(index + 1)};
    }
    /// Set when the work walks this part's share of the rows a few at a time (nn::Network's
    /// forward, so a chunk's activations stay in the cache from one layer to the next):
    /// share_rows() then returns the chunk [chunk_begin, chunk_end).
    bool chunked = false;
    std::size_t chunk_begin = 0, chunk_end = 0;

    /// The share of a batch's rows: share(rows, row_grain), or the chunk of it being worked on.
    std::pair<std::size_t, std::size_t> share_rows(std::size_t rows) const {
        return chunked ? std::pair{chunk_begin, chunk_end} : share(rows, row_grain);
    }
};

/// Runs body(Part) once on each of optlab's threads, part 0 on the calling thread (just
/// body(Part{0, 1}) there when optlab has one thread), and returns when all have finished: a region whose parts split the work
/// themselves, for work that is not a flat range. body must not throw and must not call
/// parallel_for or parallel_run.
void parallel_run_raw(void (*body)(void* context, Part part), void* context);

template <class Body>
void parallel_run(Body&& body) {
    // Through a plain function pointer and context: no std::function is built around a
    // capturing lambda, so a region allocates nothing.
    parallel_run_raw([](void* context, Part part) { (*static_cast<std::remove_reference_t<Body>*>(context))(part); },
                     &body);
}

}  // namespace optlab
