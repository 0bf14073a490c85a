// SPDX-License-Identifier: MIT
// LAMB's per-tensor trust ratio, beyond the reference cases (whose tensors are small): its
// step is the fraction γ of each tensor's norm whatever the gradient's scale; a zero tensor
// takes the plain Adam direction (ratio 1); and the norms, summed in blocks, give the same
// bits on 1, 2 and 3 threads for tensors of many blocks.
#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace
}  // namespace optlab
