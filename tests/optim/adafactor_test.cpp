// SPDX-License-Identifier: MIT
// Adafactor beyond the reference cases (whose tensors are a few elements): on tensors cut into
// many tiles — column blocks, row blocks, whole small matrices per tile, vectors of many
// blocks — the step is the formula (against a plain loop written here, summing in long double)
// and gives the same bits on 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "optlab/core/parallel.hpp"
#include "optlab/optim/adafactor.hpp"
#include "splitmix.hpp"

namespace optlab {
namespace {

// Shapes that exercise every way adafactor.cpp cuts a tensor: 1100 columns (two column
// blocks) × 300 rows (two row blocks) in a batch of 3; 5000 rows of 70 (two row blocks, rows
// summed in lanes); 2000 matrices of 30×12 (rows summed in order, hundreds of matrices per
// tile); a vector of 13 blocks and a short one.
const std::vector<std::vector<std::size_t>> kShapes = {{3, 300, 1100}, {5000, 70}, {2000, 30, 12}, {50001}, {9}};

// One tensor's step as docs/optimizers.md#adafactor writes it, sums in long double.
struct Plain {
    std::vector<std::size_t> shape;
    std::vector<double> p, row_var, col_var, variance;

    void step(const std::vector<double>& g, double t, double lr, double wd) {
        const double eps1 = 2.220446049250313e-16, eps2 = 1e-3, w = std::pow(t, -0.8);
        const double rho = std::min(lr, 1.0 / std::sqrt(t));
        auto lerp = [](double a, double b, double x) { return a + x * (b - a); };
        long double sum_p = 0;
        for (double x : p) sum_p += (long double)x * x;
        const double alpha = std::max(eps2, double(std::sqrt(sum_p)) / std::sqrt(double(p.size()))) * rho;
        std::vector<double> v_hat(p.size());
        if (shape.size() > 1) {
            const std::size_t C = shape.back(), R = shape[shape.size() - 2], count = p.size() / (R * C);
            row_var.resize(count * R, 0.0);
            col_var.resize(count * C, 0.0);
            for (std::size_t m = 0; m < count; ++m) {
                for (std::size_t r = 0; r < R; ++r) {
                    long double s = 0;
                    for (std::size_t c = 0; c < C; ++c) s += (long double)g[(m * R + r) * C + c] * g[(m * R + r) * C + c];
                    row_var[m * R + r] = lerp(row_var[m * R + r], double(s) / double(C), w);
                }
                for (std::size_t c = 0; c < C; ++c) {
                    long double s = 0;
                    for (std::size_t r = 0; r < R; ++r) s += (long double)g[(m * R + r) * C + c] * g[(m * R + r) * C + c];
                    col_var[m * C + c] = lerp(col_var[m * C + c], double(s) / double(R), w);
                }
                long double mean = 0;
                for (std::size_t r = 0; r < R; ++r) mean += row_var[m * R + r];
                const double mean_row = std::max(double(mean / R), eps1);
                for (std::size_t r = 0; r < R; ++r) {
                    for (std::size_t c = 0; c < C; ++c) v_hat[(m * R + r) * C + c] = row_var[m * R + r] * col_var[m * C + c] / mean_row;
                }
            }
        } else {
            variance.resize(p.size(), 0.0);
            for (std::size_t i = 0; i < p.size(); ++i) v_hat[i] = variance[i] = lerp(variance[i], g[i] * g[i], w);
        }
        std::vector<double> u(p.size());
        long double sum_u = 0;
        for (std::size_t i = 0; i < p.size(); ++i) {
            u[i] = g[i] / std::sqrt(std::max(v_hat[i], eps1 * eps1));
            sum_u += (long double)u[i] * u[i];
        }
        const double denom = std::max(1.0, double(std::sqrt(sum_u)) / std::sqrt(double(p.size())));
        for (std::size_t i = 0; i < p.size(); ++i) p[i] = p[i] * (1 - lr * wd) - alpha / denom * u[i];
    }
};

template <class T>
std::vector<T> run(int threads, std::vector<Plain>* plain) {
    set_num_threads(threads);
    ParamStore<T> store;
    for (std::size_t i = 0; i < kShapes.size(); ++i) store.add("t" + std::to_string(i), kShapes[i]);
    test::SplitMix64 rng(23);
    for (T& v : store.params()) v = T(rng.symmetric());
    if (plain != nullptr) {
        for (std::size_t i = 0; i < kShapes.size(); ++i) {
            const auto view = store.view(i).param;
            plain->push_back({kShapes[i], std::vector<double>(view.begin(), view.end()), {}, {}, {}});
        }
    }
    Adafactor<T> adafactor(store, {.lr = 0.01, .weight_decay = 0.1});
    for (int step = 1; step <= 3; ++step) {
        for (T& g : store.grads()) g = T(rng.symmetric() * (step == 2 ? 1e-3 : 1.0));
        adafactor.step();
        if (plain != nullptr) {
            for (std::size_t i = 0; i < kShapes.size(); ++i) {
                const auto view = store.view(i).grad;
                (*plain)[i].step(std::vector<double>(view.begin(), view.end()), step, 0.01, 0.1);
            }
        }
    }
    return std::vector<T>(store.params().begin(), store.params().end());
}

TEST(Adafactor, ManyTilesComputeTheFormula) {
    const int original = num_threads();
    std::vector<Plain> plain;
    const std::vector<double> got = run<double>(2, &plain);
    set_num_threads(original);
    std::size_t at = 0;
    for (std::size_t i = 0; i < plain.size(); ++i) {
        double worst = 0;
        for (double expected : plain[i].p) {
            worst = std::max(worst, std::abs(got[at] - expected) / std::max(std::abs(expected), 1e-3));
            ++at;
        }
        EXPECT_LT(worst, 1e-12) << "tensor " << i;
    }
}

TEST(Adafactor, ManyTilesGiveTheSameBitsOnAnyNumberOfThreads) {
    const int original = num_threads();
    const std::vector<float> one = run<float>(1, nullptr);
    const std::vector<float> two = run<float>(2, nullptr);
    const std::vector<float> three = run<float>(3, nullptr);
    const std::vector<double> one64 = run<double>(1, nullptr);
    const std::vector<double> two64 = run<double>(2, nullptr);
    set_num_threads(original);
    EXPECT_TRUE(one == two);
    EXPECT_TRUE(one == three);
    EXPECT_TRUE(one64 == two64);
}

}  // namespace
}  // namespace optlab
