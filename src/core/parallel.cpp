// SPDX-License-Identifier: MIT
#include "optlab/core/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <string>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {
int g_threads = 0;  // 0: not set, use omp_get_max_threads()
}

int num_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }

void set_num_threads(int n) {
    if (n < 1) {
        throw InvalidArgument("threads: invalid value " + std::to_string(n) +
                              " (expected an integer >= 1)");
    }
    g_threads = n;
}

void parallel_for(std::size_t begin, std::size_t end, std::size_t align,
                  const std::function<void(std::size_t, std::size_t)>& body) {
    if (begin >= end) return;
    const std::size_t n = end - begin;
    const int threads = num_threads();
    if (threads <= 1 || n < kSerialThreshold) {
        body(begin, end);
        return;
    }
    // Equal pieces, each boundary rounded up to the next whole cache line.
    const std::size_t per = (n + threads - 1) / threads;
    auto boundary = [&](std::size_t t) {
        if (t == 0) return begin;
        const std::size_t b = (begin + t * per + align - 1) / align * align;
        return std::min(end, b);
    };
#pragma omp parallel num_threads(threads)
    {
        const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
        const std::size_t b = boundary(t), e = boundary(t + 1);
        if (b < e) body(b, e);
    }
}

}  // namespace optlab
