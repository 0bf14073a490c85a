// SPDX-License-Identifier: MIT
// Optimizer step speed beside the memory bandwidth the same binary measures.
//
// An optimizer step is memory-bound: Adam reads p, g, m, v and writes p, m, v — 28 bytes per
// float32 parameter — and does a handful of flops on them. So each optimizer is timed next to
// a kernel of its own shape (it reads the same arrays and writes the same ones, every written
// array also read, so no write-allocate traffic), and the ratio between the two is the figure
// that matters. STREAM triad (a = b + s·c, counted as 24 bytes) is printed too, for reference.
//
//   optlab_bench_step [--params N[,N...]] [--threads T] [--optimizers a,b,...] [--json]
//
// Times are the fastest of several repetitions, for the step and the kernels alike.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "optlab/core/parallel.hpp"
#include "optlab/optim/registry.hpp"

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

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const auto comma = s.find(',', start);
        out.push_back(s.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes = {std::size_t{1} << 20, std::size_t{1} << 24};
    std::vector<std::string> names(optlab::optimizer_names().begin(),
                                   optlab::optimizer_names().end());
    int threads = 2;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "optlab_bench_step: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--params") {
            sizes.clear();
            for (const auto& s : split(value())) sizes.push_back(std::stoull(s));
        } else if (arg == "--threads") {
            threads = std::stoi(value());
        } else if (arg == "--optimizers") {
            names = split(value());
        } else if (arg == "--json") {
            json = true;
        } else {
            std::fprintf(stderr,
                         "usage: optlab_bench_step [--params N,...] [--threads T] "
                         "[--optimizers a,b] [--json]\n");
            return arg == "--help" ? 0 : 2;
        }
    }
    optlab::set_num_threads(threads);
    if (!json) {
        std::printf("optimizer step vs memory bandwidth, float32, %d threads (best of reps)\n",
                    threads);
        std::printf("%-9s %10s %8s %9s %8s %11s %8s %9s %8s\n", "optimizer", "params",
                    "bytes/p", "ns/param", "GB/s", "shape GB/s", "of shape", "triad GB/s",
                    "of triad");
    }
    for (std::size_t n : sizes) {
        const double triad = triad_bandwidth(n);
        std::vector<std::vector<float>> arrays(5, std::vector<float>(n, 1.f));
        for (const auto& name : names) {
            const Shape shape = shape_of(name);
            const double bandwidth = shape_bandwidth(arrays, shape, n);
            optlab::ParamStore<float> store;
            store.add("w", {n});
            std::fill(store.grads().begin(), store.grads().end(), 1e-3f);
            auto opt = optlab::make_optimizer<float>(name, store);
            const double seconds = best_seconds([&] { opt->step(); }, 5, 0.3);
            const double bytes = 4.0 * (shape.reads + shape.writes);
            const double gbps = double(n) * bytes / seconds / 1e9;
            if (json) {
                std::printf(
                    "{\"optimizer\":\"%s\",\"params\":%zu,\"threads\":%d,\"ns_per_param\":%.4f,"
                    "\"bytes_per_param\":%.0f,\"gbps\":%.3f,\"bandwidth_gbps\":%.3f,"
                    "\"fraction_of_bandwidth\":%.4f,\"triad_gbps\":%.3f}\n",
                    name.c_str(), n, threads, seconds / double(n) * 1e9, bytes, gbps, bandwidth,
                    gbps / bandwidth, triad);
            } else {
                std::printf("%-9s %10zu %8.0f %9.3f %8.2f %11.2f %7.0f%% %10.2f %7.0f%%\n",
                            name.c_str(), n, bytes, seconds / double(n) * 1e9, gbps, bandwidth,
                            100.0 * gbps / bandwidth, triad, 100.0 * gbps / triad);
            }
            std::fflush(stdout);
        }
    }
    return 0;
}
