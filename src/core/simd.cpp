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

SimdTarget from_environment() {
    const char* env = std::getenv("OPTLAB_SIMD");
    if (env == nullptr || *env == '\0') return best_simd_target();
    const std::optional<SimdTarget> t = parse_simd_target(env);
    if (!t) {
        throw InvalidArgument(std::string("OPTLAB_SIMD: invalid value '") + env +
                              "' (expected baseline, avx2 or avx512)");
    }
    if (!simd_supported(*t)) {
        throw InvalidArgument(std::string("OPTLAB_SIMD: this CPU cannot run '") + env +
                              "' (best available: " + std::string(to_string(best_simd_target())) + ")");
    }
    return *t;
}

}  // namespace

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

SimdTarget best_simd_target() {
    if (simd_supported(SimdTarget::avx512)) return SimdTarget::avx512;
    if (simd_supported(SimdTarget::avx2)) return SimdTarget::avx2;
    return SimdTarget::baseline;
}

SimdTarget simd_target() {
    int t = g_target.load(std::memory_order_relaxed);
    if (t == kUnset) {
        t = int(from_environment());
        g_target.store(t, std::memory_order_relaxed);
    }
    return SimdTarget(t);
}

void set_simd_target(SimdTarget t) {
    if (!simd_supported(t)) {
        throw InvalidArgument("simd target: this CPU cannot run '" + std::string(to_string(t)) +
                              "' (best available: " + std::string(to_string(best_simd_target())) + ")");
    }
    g_target.store(int(t), std::memory_order_relaxed);
}

}  // namespace optlab
