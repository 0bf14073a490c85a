// SPDX-License-Identifier: MIT
// Which vector instruction set the kernels run with (see simd.hpp for how the copies are made).
#include "optlab/core/simd.hpp"

#include <atomic>
#include <cstdlib>
#include <string>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {

constexpr int kUnset = -1;
std::atomic<int> g_target{kUnset};

SimdTarget best_target(detail::SimdProbe runs) {
    if (runs(SimdTarget::avx512)) return SimdTarget::avx512;
    if (runs(SimdTarget::avx2)) return SimdTarget::avx2;
    return SimdTarget::baseline;
}

// `what`: who asked ("OPTLAB_SIMD", "simd target").
void require(SimdTarget t, detail::SimdProbe runs, std::string_view what) {
    if (!runs(t)) {
        throw InvalidArgument(std::string(what) + ": this CPU cannot run '" + std::string(to_string(t)) +
                              "' (best available: " + std::string(to_string(best_target(runs))) + ")");
    }
}

}  // namespace

namespace detail {

SimdTarget simd_target_from(std::string_view value, SimdProbe runs) {
    if (value.empty()) return best_target(runs);
    const std::optional<SimdTarget> t = parse_simd_target(value);
    if (!t) {
        throw InvalidArgument("OPTLAB_SIMD: invalid value '" + std::string(value) +
                              "' (expected baseline, avx2 or avx512)");
    }
    require(*t, runs, "OPTLAB_SIMD");
    return *t;
}

void require_simd_target(SimdTarget t, SimdProbe runs) { require(t, runs, "simd target"); }

}  // namespace detail

std::string_view to_string(SimdTarget t) {
    switch (t) {
        case SimdTarget::avx512: return "avx512";
        case SimdTarget::avx2: return "avx2";
        case SimdTarget::baseline: break;
    }
    return "baseline";
}

std::optional<SimdTarget> parse_simd_target(std::string_view name) {
    for (SimdTarget t : {SimdTarget::baseline, SimdTarget::avx2, SimdTarget::avx512}) {
        if (name == to_string(t)) return t;
    }
    return std::nullopt;
}

bool simd_supported(SimdTarget t) {
#ifdef OPTLAB_SIMD_DISPATCH
    // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
    switch (t) {
        case SimdTarget::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
        case SimdTarget::avx2: return __builtin_cpu_supports("avx2");
        case SimdTarget::baseline: return true;
    }
    return false;
#else
    return t == SimdTarget::baseline;
#endif
}

SimdTarget best_simd_target() { return best_target(simd_supported); }

SimdTarget simd_target() {
    int t = g_target.load(std::memory_order_relaxed);
    if (t == kUnset) {
        const char* env = std::getenv("OPTLAB_SIMD");
        t = int(detail::simd_target_from(env == nullptr ? "" : env, simd_supported));
        g_target.store(t, std::memory_order_relaxed);
    }
    return SimdTarget(t);
}

void set_simd_target(SimdTarget t) {
    detail::require_simd_target(t, simd_supported);
    g_target.store(int(t), std::memory_order_relaxed);
}

}  // namespace optlab
