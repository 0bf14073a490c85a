// SPDX-License-Identifier: MIT
#include "optlab/bench/step_bench.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "optlab/core/aligned.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/core/simd.hpp"
#include "optlab/core/error.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab {

namespace {

using Clock = std::chrono::steady_clock;

// Calls per timed sample: enough that one sample lasts ~0.5 ms, so the clock's resolution and
// its own cost vanish even for a 10k-parameter step (about a microsecond).
std::size_t calls_per_sample(std::size_t n) {
    return std::max<std::size_t>(1, (std::size_t{1} << 20) / n);
}

// Times each of `fns` in interleaved rounds — one sample of each per round, in turn — until
// there have been at least `min_rounds` rounds and `min_seconds` in all, and returns the
// fastest sample of each, per call. Interleaving matters on shared machines whose bandwidth
// drifts by tens of percent within a minute: a slow spell then slows all three, not one.
template <std::size_t N>
std::array<double, N> fastest_interleaved(const std::array<std::function<void()>, N>& fns, std::size_t calls,
                                          int min_rounds, double min_seconds) {
    for (const auto& f : fns) f();  // warm-up: first touch, lazily created optimizer state
    std::array<double, N> best;
    best.fill(1e300);
    double total = 0;
    for (int round = 0; round < min_rounds || total < min_seconds; ++round) {
        for (std::size_t k = 0; k < N; ++k) {
            const auto t0 = Clock::now();
            for (std::size_t c = 0; c < calls; ++c) fns[k]();
            const double s = std::chrono::duration<double>(Clock::now() - t0).count();
            best[k] = std::min(best[k], s / double(calls));
            total += s;
        }
    }
    return best;
}

// Kernels of the optimizers' shapes: each reads every array once and writes the first W of
// them back, with restrict pointers so they vectorise like the optimizers' own loops.
void rmw_2_1(std::size_t b, std::size_t e, float* __restrict p, const float* __restrict g) {
    for (std::size_t i = b; i < e; ++i) p[i] = p[i] * 0.5f + g[i];
}
void rmw_3_2(std::size_t b, std::size_t e, float* __restrict p, const float* __restrict g,
             float* __restrict x) {
    for (std::size_t i = b; i < e; ++i) {
        x[i] = x[i] * 0.5f + g[i];
        p[i] = p[i] * 0.5f + x[i];
    }
}
void rmw_4_3(std::size_t b, std::size_t e, float* __restrict p, const float* __restrict g,
             float* __restrict x, float* __restrict y) {
    for (std::size_t i = b; i < e; ++i) {
        x[i] = x[i] * 0.5f + g[i];
        y[i] = y[i] * 0.5f + g[i];
        p[i] = p[i] * 0.5f + x[i] * y[i];
    }
}
void rmw_5_4(std::size_t b, std::size_t e, float* __restrict p, const float* __restrict g,
             float* __restrict x, float* __restrict y, float* __restrict z) {
    for (std::size_t i = b; i < e; ++i) {
        x[i] = x[i] * 0.5f + g[i];
        y[i] = y[i] * 0.5f + g[i];
        z[i] = z[i] * 0.5f + y[i];
        p[i] = p[i] * 0.5f + x[i] * z[i];
    }
}
// The two passes of a step that updates its state first and the parameters after (LAMB):
// p, g, x, y → x, y, then p, x, y → p.
void rmw_4_2(std::size_t b, std::size_t e, const float* __restrict p, const float* __restrict g,
             float* __restrict x, float* __restrict y) {
    for (std::size_t i = b; i < e; ++i) {
        x[i] = x[i] * 0.5f + g[i];
        y[i] = y[i] * 0.5f + g[i] * p[i];
    }
}
void rmw_3_1(std::size_t b, std::size_t e, float* __restrict p, const float* __restrict x,
             const float* __restrict y) {
    for (std::size_t i = b; i < e; ++i) p[i] = p[i] * 0.5f + x[i] * y[i];
}

// Which kernel reads `reads` arrays and writes `writes` of them (10·reads + writes).
constexpr int kShapes[] = {21, 32, 43, 54, 42, 31};

bool has_pass_kernel(StepPass pass) {
    return std::find(std::begin(kShapes), std::end(kShapes), pass.reads * 10 + pass.writes) != std::end(kShapes);
}

// The kernel of an optimizer's shape over `arrays` (n floats each; as many as its widest pass
// reads), compiled for the same instruction set as the optimizers' kernels: one pass, or two.
std::function<void()> shape_kernel(std::vector<AlignedVector<float>>& arrays, StepTraffic shape, std::size_t n) {
    for (StepPass pass : {shape.first, shape.second}) {
        if (pass.reads > 0 && !has_pass_kernel(pass)) {
            throw InvalidArgument("bench step: no comparison kernel reads " + std::to_string(pass.reads) +
                                  " arrays and writes " + std::to_string(pass.writes) +
                                  " (add one beside rmw_2_1 ... rmw_3_1)");
        }
    }
    float* a[5] = {};
    for (std::size_t j = 0; j < arrays.size(); ++j) a[j] = arrays[j].data();
    const int first = shape.first.reads * 10 + shape.first.writes;
    const int second = shape.second.reads * 10 + shape.second.writes;
    const SimdTarget target = simd_target();
    return [=] {
        for (const int key : {first, second}) {
            auto piece = [&](std::size_t b, std::size_t e) {
                switch (key) {
                    case 21: rmw_2_1(b, e, a[0], a[1]); break;
                    case 32: rmw_3_2(b, e, a[0], a[1], a[2]); break;
                    case 43: rmw_4_3(b, e, a[0], a[1], a[2], a[3]); break;
                    case 54: rmw_5_4(b, e, a[0], a[1], a[2], a[3], a[4]); break;
                    case 42: rmw_4_2(b, e, a[0], a[1], a[2], a[3]); break;
                    case 31: rmw_3_1(b, e, a[0], a[2], a[3]); break;  // p and the state
                }
            };
            if (key != 0) {
                optlab::parallel_for(0, n, 16, [&](std::size_t b, std::size_t e) { run_kernel(target, piece, b, e); });
            }
        }
    };
}

// STREAM triad a = b + s·c.
std::function<void()> triad_kernel(std::vector<AlignedVector<float>>& arrays, std::size_t n) {
    float* __restrict pa = arrays[0].data();
    const float* __restrict pb = arrays[1].data();
    const float* __restrict pc = arrays[2].data();
    const SimdTarget target = simd_target();
    return [=] {
        auto piece = [&](std::size_t lo, std::size_t hi) {
            for (std::size_t i = lo; i < hi; ++i) pa[i] = pb[i] + 0.5f * pc[i];
        };
        optlab::parallel_for(0, n, 16, [&](std::size_t lo, std::size_t hi) { run_kernel(target, piece, lo, hi); });
    };
}

}  // namespace

bool has_shape_kernel(StepTraffic shape) {
    return has_pass_kernel(shape.first) && (shape.passes() == 1 || has_pass_kernel(shape.second));
}

StepBenchResult bench_step(const std::string& optimizer, std::size_t n, int threads, double sample_seconds) {
    if (n < 1) throw InvalidArgument("bench step: params must be >= 1");
    if (!(sample_seconds > 0 && sample_seconds <= 3600)) throw_invalid("bench step", "seconds", sample_seconds, "0 < seconds <= 3600");
    set_num_threads(threads);
    StepBenchResult r;
    r.optimizer = optimizer;
    r.params = n;
    r.threads = threads;
    ParamStore<float> store;
    store.add("w", {n});
    std::fill(store.grads().begin(), store.grads().end(), 1e-3f);
    auto opt = make_optimizer<float>(optimizer, store);  // validates the name first
    const StepTraffic shape = optimizer_info(optimizer).traffic;
    std::vector<AlignedVector<float>> shape_arrays(std::size_t(std::max(shape.first.reads, shape.second.reads + 1)),
                                                   AlignedVector<float>(n, 1.f));
    std::vector<AlignedVector<float>> triad_arrays(3, AlignedVector<float>(n, 1.f));
    const std::array<std::function<void()>, 3> fns = {
        [&] { opt->step(); }, shape_kernel(shape_arrays, shape, n), triad_kernel(triad_arrays, n)};
    const std::array<double, 3> seconds = fastest_interleaved(fns, calls_per_sample(n), 7, 3 * sample_seconds);
    r.simd = std::string(to_string(simd_target()));
    r.step_ns = seconds[0] * 1e9;
    r.bandwidth_gbps = double(n) * shape.bytes_per_param(4) / seconds[1] / 1e9;
    r.triad_gbps = double(n) * 12.0 / seconds[2] / 1e9;
    r.bytes_per_param = shape.bytes_per_param(4);
    r.ns_per_param = seconds[0] / double(n) * 1e9;
    r.gbps = double(n) * r.bytes_per_param / seconds[0] / 1e9;
    r.fraction_of_bandwidth = r.gbps / r.bandwidth_gbps;
    return r;
}

std::string to_json(const StepBenchResult& r) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"optimizer\":\"%s\",\"params\":%zu,\"threads\":%d,\"ns_per_param\":%.6g,"
                  "\"bytes_per_param\":%.0f,\"gbps\":%.6g,\"bandwidth_gbps\":%.6g,"
                  "\"fraction_of_bandwidth\":%.6g,\"triad_gbps\":%.6g,\"step_ns\":%.6g,\"simd\":\"%s\"}",
                  r.optimizer.c_str(), r.params, r.threads, r.ns_per_param, r.bytes_per_param, r.gbps,
                  r.bandwidth_gbps, r.fraction_of_bandwidth, r.triad_gbps, r.step_ns, r.simd.c_str());
    return buf;
}

}  // namespace optlab
