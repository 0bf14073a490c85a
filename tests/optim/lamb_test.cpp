// SPDX-License-Identifier: MIT
// LAMB's per-tensor trust ratio, beyond the reference cases (whose tensors are small): its
// step is the fraction γ of each tensor's norm whatever the gradient's scale; a zero tensor
// takes the plain Adam direction (ratio 1); and the norms, summed in blocks, give the same
// bits on 1, 2 and 3 threads for tensors of many blocks.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "optlab/core/parallel.hpp"
#include "optlab/optim/lamb.hpp"
#include "splitmix.hpp"

namespace optlab {
namespace {

double norm(std::span<const double> x) {
    double s = 0;
    for (double v : x) s += v * v;
    return std::sqrt(s);
}

TEST(Lamb, EachTensorMovesByTheFractionLrOfItsNorm) {
    for (double scale : {1e-4, 1.0, 1e3}) {  // the gradient's scale does not matter
        ParamStore<double> store;
        store.add("w", {50, 40});
        store.add("b", {40});
        test::SplitMix64 rng(11);
        for (double& v : store.params()) v = rng.symmetric();
        for (double& v : store.grads()) v = scale * rng.symmetric();
        const std::vector<double> before(store.params().begin(), store.params().end());
        Lamb<double> lamb(store, {.lr = 0.01});
        lamb.step();
        for (const char* name : {"w", "b"}) {
            const auto info = store.info(store.index_of(name));
            std::vector<double> delta(info.size);
            for (std::size_t i = 0; i < info.size; ++i) delta[i] = store.params()[info.offset + i] - before[info.offset + i];
            const double moved = norm(delta);
            const double size = norm(std::span<const double>(before).subspan(info.offset, info.size));
            EXPECT_NEAR(moved, 0.01 * size, 1e-12 * size) << name << " at gradient scale " << scale;
        }
    }
}

TEST(Lamb, AZeroTensorTakesTheAdamDirection) {
    ParamStore<double> store;
    store.add("w", {3});
    store.grads()[0] = 2.0;
    store.grads()[1] = -0.5;
    store.grads()[2] = 0.0;
    Lamb<double> lamb(store, {.lr = 0.1, .eps = 0.0});
    lamb.step();  // ‖θ‖ = 0: ratio 1, and the first Adam step is lr·sign(g)
    EXPECT_DOUBLE_EQ(store.params()[0], -0.1);
    EXPECT_DOUBLE_EQ(store.params()[1], 0.1);
    EXPECT_TRUE(std::isnan(store.params()[2])) << "0/0 with eps 0, as Optax's formula gives";
}

TEST(Lamb, ManyBlocksGiveTheSameBitsOnAnyNumberOfThreads) {
    std::vector<std::vector<float>> results;
    const int original = num_threads();
    for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        ParamStore<float> store;
        store.add("big", {300, 1000});  // 74 blocks of 4096
        store.add("small", {77});
        test::SplitMix64 rng(5);
        for (float& v : store.params()) v = float(rng.symmetric());
        Lamb<float> lamb(store, {.lr = 1e-3, .weight_decay = 0.01});
        for (int step = 0; step < 3; ++step) {
            for (float& g : store.grads()) g = float(rng.symmetric());
            lamb.step();
        }
        results.emplace_back(store.params().begin(), store.params().end());
    }
    set_num_threads(original);
    EXPECT_EQ(results[0], results[1]);
    EXPECT_EQ(results[0], results[2]);
}

// lamb.cpp's float32 quotient x/d: float(double(x)·r), r = 1/d in float64.
float by_reciprocal(float x, double r) { return float(double(x) * r); }

bool same_bits(float a, float b) {
    return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b) || (std::isnan(a) && std::isnan(b));
}

// The float32 bias corrections 1 − β^t (computed in float64 and cast, as lamb.cpp does) of
// every step t until they round to 1 (where the division is exact), at the default and
// tested betas.
std::vector<float> bias_corrections() {
    std::vector<float> out;
    for (double beta : {0.9, 0.999, 0.8, 0.99}) {
        for (double t = 1;; ++t) {
            const float d = float(1.0 - std::pow(beta, t));
            out.push_back(d);
            if (d == 1.0f) break;
        }
    }
    return out;
}

TEST(Lamb, Float32QuotientByReciprocalIsTheDivisionForEveryBiasCorrection) {
    // Numerators: the edges (zeros, subnormals, the normal range's ends, infinities, NaN) and
    // a spread of bit patterns over every exponent, either sign.
    std::vector<float> numerators = {0.0f, -0.0f, std::numeric_limits<float>::denorm_min(),
                                     std::numeric_limits<float>::min(), std::nextafter(std::numeric_limits<float>::min(), 0.0f),
                                     std::numeric_limits<float>::max(), std::numeric_limits<float>::infinity(),
                                     -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
    for (std::uint64_t i = 0; i < 2000; ++i) numerators.push_back(std::bit_cast<float>(std::uint32_t(std::uint64_t(i * 2147483.0 + i * i)))  /* mod 2³²: defined */);
    test::SplitMix64 rng(29);
    for (int i = 0; i < 2000; ++i) numerators.push_back(std::bit_cast<float>(std::uint32_t(rng.next())));
    const std::vector<float> divisors = bias_corrections();
    ASSERT_GT(divisors.size(), 19000u);  // 0.999 alone: ~17 300 steps before 1 − β^t rounds to 1
    std::size_t checked = 0;
    for (float d : divisors) {
        const double r = 1.0 / double(d);
        for (float x : numerators) {
            ASSERT_TRUE(same_bits(by_reciprocal(x, r), x / d)) << x << " / " << d;
            ++checked;
        }
    }
    EXPECT_GT(checked, 70000000u);
}

// Every float32 numerator (2^32) for the first steps' and some later bias corrections.
TEST(Lamb, DISABLED_Float32QuotientByReciprocalIsTheDivisionForEveryNumerator) {
    for (double beta : {0.9, 0.999, 0.8, 0.99}) {
        for (double t : {1.0, 2.0, 3.0, 10.0, 100.0, 1000.0}) {
            const float d = float(1.0 - std::pow(beta, t));
            const double r = 1.0 / double(d);
            std::uint64_t differ = 0;
            for (std::uint64_t i = 0; i < (std::uint64_t{1} << 32); ++i) {
                const float x = std::bit_cast<float>(std::uint32_t(i));
                differ += !same_bits(by_reciprocal(x, r), x / d);
            }
            EXPECT_EQ(differ, 0u) << "beta " << beta << ", t " << t;
        }
    }
}

}  // namespace
}  // namespace optlab
