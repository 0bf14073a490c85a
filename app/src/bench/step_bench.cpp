// SPDX-License-Identifier: MIT
#include "optlab/bench/step_bench.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
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
#include "optlab/optim/wrappers.hpp"

namespace optlab {

namespace {

void blas_sgemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n),
                int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

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
// Prodigy's first pass: p, g, x, y, z and the start w read, x, y, z written (and summed).
void rmw_6_3(std::size_t b, std::size_t e, const float* __restrict p, const float* __restrict g,
             float* __restrict x, float* __restrict y, float* __restrict z, const float* __restrict w) {
    for (std::size_t i = b; i < e; ++i) {
        x[i] = x[i] * 0.5f + g[i];
        y[i] = y[i] * 0.5f + g[i] * g[i];
        z[i] = z[i] * 0.5f + g[i] * (w[i] - p[i]);
    }
}
// DoG's first pass: p, g and the start w read (the norms), nothing written.
float sink_3_0 = 0.f;
void rmw_3_0(std::size_t b, std::size_t e, const float* __restrict p, const float* __restrict g,
             const float* __restrict w) {
    float d = 0.f, s = 0.f;
    for (std::size_t i = b; i < e; ++i) {
        d += (p[i] - w[i]) * (p[i] - w[i]);
        s += g[i] * g[i];
    }
    sink_3_0 += d + s;
}
void rmw_3_1(std::size_t b, std::size_t e, float* __restrict p, const float* __restrict x,
             const float* __restrict y) {
    for (std::size_t i = b; i < e; ++i) p[i] = p[i] * 0.5f + x[i] * y[i];
}

// Adan's: p, g, m, v, n, g_prev → all but g.
void rmw_6_5(std::size_t b, std::size_t e, float* __restrict p, const float* __restrict g,
             float* __restrict x, float* __restrict y, float* __restrict z, float* __restrict w) {
    for (std::size_t i = b; i < e; ++i) {
        const float d = g[i] - w[i];
        x[i] = x[i] * 0.5f + g[i];
        y[i] = y[i] * 0.5f + d;
        z[i] = z[i] * 0.5f + d * d;
        p[i] = p[i] * 0.5f + x[i] * z[i] + y[i];
        w[i] = g[i];
    }
}
// A first pass that only reads, for per-tensor norms (LARS's ‖θ‖ and ‖u‖, NovoGrad's ‖g‖):
// sums of squares of one or two arrays, stored (kept_sum) so that the loop is not dropped.
void kept_sum(double x) {
    static std::atomic<double> kept{0.0};
    kept.store(x, std::memory_order_relaxed);
}
void read_1_0(std::size_t b, std::size_t e, const float* __restrict g) {
    double acc[8] = {};
    for (std::size_t i = b; i + 8 <= e; i += 8) {
        for (std::size_t k = 0; k < 8; ++k) acc[k] += double(g[i + k]) * double(g[i + k]);
    }
    kept_sum(((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])));
}
void read_2_0(std::size_t b, std::size_t e, const float* __restrict p, const float* __restrict g) {
    double acc_p[8] = {}, acc_g[8] = {};
    for (std::size_t i = b; i + 8 <= e; i += 8) {
        for (std::size_t k = 0; k < 8; ++k) {
            acc_p[k] += double(p[i + k]) * double(p[i + k]);
            acc_g[k] += double(g[i + k]) * double(g[i + k]);
        }
    }
    kept_sum(((acc_p[0] + acc_p[1]) + (acc_p[2] + acc_p[3])) + ((acc_p[4] + acc_p[5]) + (acc_p[6] + acc_p[7])) +
             ((acc_g[0] + acc_g[1]) + (acc_g[2] + acc_g[3])) + ((acc_g[4] + acc_g[5]) + (acc_g[6] + acc_g[7])));
}

// Lookahead's synchronisation: p, x → both (x ← x + α(p − x), p ← x).
void rmw_2_2(std::size_t b, std::size_t e, float* __restrict p, float* __restrict x) {
    for (std::size_t i = b; i < e; ++i) {
        x[i] = x[i] + 0.5f * (p[i] - x[i]);
        p[i] = x[i];
    }
}

// Which kernel reads `reads` arrays and writes `writes` of them (10·reads + writes).
constexpr int kShapes[] = {21, 32, 43, 54, 65, 42, 31, 22, 10, 20, 63, 30};

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
    float* a[6] = {};
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
                    case 22: rmw_2_2(b, e, a[0], a[1]); break;
                    case 65: rmw_6_5(b, e, a[0], a[1], a[2], a[3], a[4], a[5]); break;
                    case 10: read_1_0(b, e, a[1]); break;
                    case 20: read_2_0(b, e, a[0], a[1]); break;
                    case 63: rmw_6_3(b, e, a[0], a[1], a[2], a[3], a[4], a[5]); break;
                    case 30: rmw_3_0(b, e, a[0], a[1], a[2]); break;
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
    if (optimizer_info(optimizer).matrices_only) {
        throw InvalidArgument("bench step: " + optimizer + " is bound by its matrix products, not memory: bench_muon");
    }
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

StepBenchResult bench_wrapper(const std::string& kind, std::size_t n, int threads, double sample_seconds) {
    if (n < 1) throw InvalidArgument("bench wrapper: params must be >= 1");
    if (kind != "lookahead" && kind != "ema") {
        throw InvalidArgument("bench wrapper: '" + kind + "' (expected lookahead or ema)");
    }
    set_num_threads(threads);
    StepBenchResult r;
    r.optimizer = "sgd+" + kind;
    r.params = n;
    r.threads = threads;
    ParamStore<float> plain_store, wrapped_store;
    plain_store.add("w", {n});
    wrapped_store.add("w", {n});
    std::fill(plain_store.grads().begin(), plain_store.grads().end(), 1e-3f);
    std::fill(wrapped_store.grads().begin(), wrapped_store.grads().end(), 1e-3f);
    auto plain = make_optimizer<float>("sgd", plain_store);
    Wrapping w;
    if (kind == "lookahead") {
        w.lookahead = LookaheadOptions{1, 0.5};  // a synchronisation every step: the pass itself
    } else {
        w.ema = 0.999;
    }
    auto wrapped = wrap(make_optimizer<float>("sgd", wrapped_store), w);
    // The wrapper's pass: EMA reads p and e and writes e; Lookahead's sync reads and writes p and φ.
    const StepTraffic shape = kind == "ema" ? StepTraffic{2, 1} : StepTraffic{2, 2};
    std::vector<AlignedVector<float>> shape_arrays(2, AlignedVector<float>(n, 1.f));
    const std::array<std::function<void()>, 3> fns = {
        [&] { wrapped->step(); }, [&] { plain->step(); }, shape_kernel(shape_arrays, shape, n)};
    const std::array<double, 3> seconds = fastest_interleaved(fns, calls_per_sample(n), 7, 3 * sample_seconds);
    r.simd = std::string(to_string(simd_target()));
    const double pass = std::max(0.0, seconds[0] - seconds[1]);
    r.step_ns = pass * 1e9;
    r.bytes_per_param = shape.bytes_per_param(4);
    r.bandwidth_gbps = double(n) * r.bytes_per_param / seconds[2] / 1e9;
    r.ns_per_param = pass / double(n) * 1e9;
    r.gbps = pass > 0 ? double(n) * r.bytes_per_param / pass / 1e9 : 0;
    r.fraction_of_bandwidth = r.gbps / r.bandwidth_gbps;
    return r;
}

MuonBenchResult bench_muon(std::size_t rows, std::size_t cols, int threads, double sample_seconds) {
    if (rows < 1 || cols < 1) throw InvalidArgument("bench muon: the matrix needs rows and columns");
    set_num_threads(threads);
    MuonBenchResult r;
    r.rows = rows;
    r.cols = cols;
    r.threads = threads;
    ParamStore<float> store;
    store.add("w", {rows, cols});
    for (std::size_t i = 0; i < store.arena_size(); ++i) {
        store.params()[i] = float((i * 7919) % 1000) * 1e-3f - 0.5f;
        store.grads()[i] = float((i * 104729) % 1000) * 1e-3f - 0.5f;
    }
    auto opt = make_optimizer<float>("muon", store);
    const HyperParams h = opt->hyper(0);
    const int steps = int(std::get<double>(h.at("ns_steps")));
    // Newton–Schulz on X (m×k, m ≤ k), per iteration: as gemms X·Xᵀ (2m²k), S·S (2m³) and
    // S'·X (2m²k); Muon computes the symmetric two with syrk, half of each: m²k + m³ + 2m²k.
    const double m = double(std::min(rows, cols)), k = double(std::max(rows, cols));
    r.flops = double(steps) * (3.0 * m * m * k + m * m * m);
    r.gemm_formula_flops = double(steps) * (4.0 * m * m * k + 2.0 * m * m * m);
    // The machine's GEMM rate on the same products, timed by this binary with the same BLAS.
    const std::size_t mi = std::min(rows, cols), ki = std::max(rows, cols);
    std::vector<float> x(mi * ki, 0.01f), s(mi * mi, 0.f), s2(mi * mi, 0.f), y(mi * ki, 0.f);
    auto gemms = [&] {
        for (int i = 0; i < steps; ++i) {
            blas_sgemm(false, true, mi, mi, ki, 1.f, x.data(), ki, x.data(), ki, 0.f, s.data(), mi);
            blas_sgemm(false, false, mi, mi, mi, 1.f, s.data(), mi, s.data(), mi, 0.5f, s2.data(), mi);
            blas_sgemm(false, false, mi, ki, mi, 1.f, s2.data(), mi, x.data(), ki, 0.5f, y.data(), ki);
        }
    };
    const std::array<std::function<void()>, 2> fns = {[&] { opt->step(); }, [&] { gemms(); }};
    const std::array<double, 2> seconds = fastest_interleaved(fns, 1, 5, 2 * sample_seconds);
    r.step_ms = seconds[0] * 1e3;
    r.gflops = r.flops / seconds[0] / 1e9;
    r.gemm_gflops = r.gemm_formula_flops / seconds[1] / 1e9;
    r.effective_gflops = r.gemm_formula_flops / seconds[0] / 1e9;
    r.fraction_of_gemm = r.gflops / r.gemm_gflops;
    return r;
}

std::string to_json(const MuonBenchResult& r) {
    char buf[384];
    std::snprintf(buf, sizeof buf,
                  "{\"optimizer\":\"muon\",\"rows\":%zu,\"cols\":%zu,\"threads\":%d,\"step_ms\":%.6g,"
                  "\"flops\":%.6g,\"gflops\":%.6g,\"effective_gflops\":%.6g,\"gemm_gflops\":%.6g,"
                  "\"fraction_of_gemm\":%.6g}",
                  r.rows, r.cols, r.threads, r.step_ms, r.flops, r.gflops, r.effective_gflops, r.gemm_gflops,
                  r.fraction_of_gemm);
    return buf;
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
