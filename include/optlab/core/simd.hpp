// SPDX-License-Identifier: MIT
// Run-time choice of the vector instruction set the update kernels run with.
//
// The library is built for the x86-64 baseline (SSE2), so the binary runs on any x86-64.
// run_kernel() calls a kernel through one of three copies of a tiny trampoline: the baseline
// one, one compiled for AVX2 and one for AVX-512. Each trampoline is `flatten`ed, so the
// kernel's loop is inlined into it and vectorised for that trampoline's instruction set; the
// copy used is the best one the CPU has (or the one OPTLAB_SIMD / set_simd_target() asks for).
//
// The kernels are compiled with -ffp-contract=off: every lane does the same IEEE add, multiply,
// divide and square root as the scalar loop, in the same order, so the three copies give
// bit-identical results (tests/core/simd_test.cpp checks every optimizer).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace optlab {

enum class SimdTarget { baseline, avx2, avx512 };

/// "baseline", "avx2" or "avx512".
std::string_view to_string(SimdTarget t);
std::optional<SimdTarget> parse_simd_target(std::string_view name);

/// Whether this CPU (and OS) can run code compiled for `t`.
bool simd_supported(SimdTarget t);
/// The best target this CPU supports.
SimdTarget best_simd_target();
/// The target the kernels use now: OPTLAB_SIMD if set (an unknown or unsupported value is an
/// error at first use), else the best the CPU supports.
SimdTarget simd_target();
/// Makes the kernels use `t`; throws InvalidArgument if this CPU cannot run it.
void set_simd_target(SimdTarget t);

namespace detail {
/// Which targets a CPU runs: simd_supported for this one; a test passes another CPU's.
using SimdProbe = bool (*)(SimdTarget);
/// The target OPTLAB_SIMD=`value` selects on the CPU `runs` describes (the best it runs when
/// `value` is empty); throws InvalidArgument naming the value when it is unknown or the CPU
/// cannot run it. simd_target() reads the environment through it.
SimdTarget simd_target_from(std::string_view value, SimdProbe runs);
/// Throws InvalidArgument naming `t` and the best target the CPU `runs` describes has, unless
/// that CPU runs `t`. set_simd_target() refuses through it.
void require_simd_target(SimdTarget t, SimdProbe runs);
template <class Kernel>
[[gnu::flatten]] void run_baseline(Kernel& kernel, std::size_t begin, std::size_t end) {
    kernel(begin, end);
}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define OPTLAB_SIMD_DISPATCH 1
template <class Kernel>
[[gnu::target("avx2"), gnu::flatten]] void run_avx2(Kernel& kernel, std::size_t begin,
                                                    std::size_t end) {
    kernel(begin, end);
}
// 512-bit vectors: GCC prefers 256-bit ones even with AVX-512 unless told otherwise.
template <class Kernel>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"
#if !defined(__clang__)
              ",prefer-vector-width=512"
#endif
              ),
  gnu::flatten]] void
run_avx512(Kernel& kernel, std::size_t begin, std::size_t end) {
    kernel(begin, end);
}
#endif
}  // namespace detail

/// kernel(begin, end), compiled for `t`.
template <class Kernel>
void run_kernel(SimdTarget t, Kernel& kernel, std::size_t begin, std::size_t end) {
#ifdef OPTLAB_SIMD_DISPATCH
    switch (t) {
        case SimdTarget::avx512: return detail::run_avx512(kernel, begin, end);
        case SimdTarget::avx2: return detail::run_avx2(kernel, begin, end);
        case SimdTarget::baseline: break;
    }
#endif
    (void)t;
    detail::run_baseline(kernel, begin, end);
}

}  // namespace optlab
