// SPDX-License-Identifier: MIT
#include "optlab/bench/step_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "optlab/core/parallel.hpp"
#include "optlab/core/error.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab {

namespace {

using Clock = std::chrono::steady_clock;

struct Shape {
    int reads;   // arrays read (including the written ones)
    int writes;  // arrays written (each also read)
};

// The arrays each optimizer's default step reads and writes (float32: 4 bytes each).
Shape shape_of(const std::string& name) {
    if (name == "sgd") return {2, 1};                            // p, g → p
    if (name == "momentum" || name == "nag") return {3, 2};      // p, g, b → p, b
    if (name == "adagrad" || name == "rmsprop") return {3, 2};   // p, g, s → p, s
    if (name == "lion") return {3, 2};                           // p, g, m → p, m
    if (name == "amsgrad") return {5, 4};                        // p, g, m, v, v̂ → p, m, v, v̂
    return {4, 3};  // adadelta, adam, adamw, nadam, adamax, radam: p, g, a, b → p, a, b
}

template <class F>
double best_seconds(F&& f, int min_reps, double min_seconds) {
    f();  // warm-up: first touch, allocation of lazily created state
    double best = 1e300, total = 0;
    for (int rep = 0; rep < min_reps || total < min_seconds; ++rep) {
        const auto t0 = Clock::now();
        f();
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        best = std::min(best, s);
        total += s;
        if (rep > 200) break;
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

double shape_bandwidth(std::vector<std::vector<float>>& arrays, Shape shape, std::size_t n) {
    float* a[5];
    for (int j = 0; j < 5; ++j) a[j] = arrays[j].data();
    const int key = shape.reads * 10 + shape.writes;
    auto kernel = [&] {
        optlab::parallel_for(0, n, 16, [&](std::size_t b, std::size_t e) {
            switch (key) {
                case 21: rmw_2_1(b, e, a[0], a[1]); break;
                case 32: rmw_3_2(b, e, a[0], a[1], a[2]); break;
                case 43: rmw_4_3(b, e, a[0], a[1], a[2], a[3]); break;
                default: rmw_5_4(b, e, a[0], a[1], a[2], a[3], a[4]); break;
            }
        });
    };
    const double seconds = best_seconds(kernel, 5, 0.3);
    return double(n) * 4.0 * (shape.reads + shape.writes) / seconds / 1e9;
}

double triad_bandwidth(std::size_t n) {
    std::vector<float> a(n, 1.f), b(n, 2.f), c(n, 3.f);
    auto kernel = [&] {
        optlab::parallel_for(0, n, 16, [&](std::size_t lo, std::size_t hi) {
            for (std::size_t i = lo; i < hi; ++i) a[i] = b[i] + 0.5f * c[i];
        });
    };
    return double(n) * 12.0 / best_seconds(kernel, 5, 0.3) / 1e9;
}

}  // namespace

StepBenchResult bench_step(const std::string& optimizer, std::size_t n, int threads) {
    if (n < 1) throw InvalidArgument("bench step: params must be >= 1");
    set_num_threads(threads);
    StepBenchResult r;
    r.optimizer = optimizer;
    r.params = n;
    r.threads = threads;
    ParamStore<float> store;
    store.add("w", {n});
    std::fill(store.grads().begin(), store.grads().end(), 1e-3f);
    auto opt = make_optimizer<float>(optimizer, store);  // validates the name first
    const Shape shape = shape_of(optimizer);
    r.triad_gbps = triad_bandwidth(n);
    {
        std::vector<std::vector<float>> arrays(std::size_t(shape.reads), std::vector<float>(n, 1.f));
        arrays.resize(5);
        r.bandwidth_gbps = shape_bandwidth(arrays, shape, n);
    }
    const double seconds = best_seconds([&] { opt->step(); }, 5, 0.3);
    r.bytes_per_param = 4.0 * (shape.reads + shape.writes);
    r.ns_per_param = seconds / double(n) * 1e9;
    r.gbps = double(n) * r.bytes_per_param / seconds / 1e9;
    r.fraction_of_bandwidth = r.gbps / r.bandwidth_gbps;
    return r;
}

std::string to_json(const StepBenchResult& r) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"optimizer\":\"%s\",\"params\":%zu,\"threads\":%d,\"ns_per_param\":%.6g,"
                  "\"bytes_per_param\":%.0f,\"gbps\":%.6g,\"bandwidth_gbps\":%.6g,"
                  "\"fraction_of_bandwidth\":%.6g,\"triad_gbps\":%.6g}",
                  r.optimizer.c_str(), r.params, r.threads, r.ns_per_param, r.bytes_per_param, r.gbps,
                  r.bandwidth_gbps, r.fraction_of_bandwidth, r.triad_gbps);
    return buf;
}

}  // namespace optlab
