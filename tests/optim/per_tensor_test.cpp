// SPDX-License-Identifier: MIT
// The Optax optimizers with a per-tensor norm (LARS's trust ratio, NovoGrad's ‖g‖), beyond the reference cases
// (whose tensors are small): what the norm does to the step, and the norms, summed in blocks,
// giving the same bits on 1, 2 and 3 threads for tensors of many blocks.
#include <gtest/gtest.h>

#include <cmath>

#include "optlab/core/parallel.hpp"
#include "optlab/optim/registry.hpp"
#include "splitmix.hpp"

namespace optlab {
namespace {

double norm(std::span<const double> x) {
    double s = 0;
    for (double v : x) s += v * v;
    return std::sqrt(s);
}

TEST(Lars, WithoutMomentumEachTensorMovesByTheFractionLrTimesEtaOfItsNorm) {
    for (double scale : {1e-4, 1.0, 1e3}) {  // the gradient's scale does not matter
        ParamStore<double> store;
        store.add("w", {50, 40});
        store.add("b", {40});
        test::SplitMix64 rng(11);
        for (double& v : store.params()) v = rng.symmetric();
        for (double& v : store.grads()) v = scale * rng.symmetric();
        const std::vector<double> before(store.params().begin(), store.params().end());
        auto lars = make_optimizer<double>("lars", store, {{"lr", 0.5}, {"momentum", 0.0}, {"trust_coefficient", 0.02}});
        lars->step();
        for (const char* name : {"w", "b"}) {
            const auto info = store.info(store.index_of(name));
            std::vector<double> delta(info.size);
            for (std::size_t i = 0; i < info.size; ++i) delta[i] = store.params()[info.offset + i] - before[info.offset + i];
            const double size = norm(std::span<const double>(before).subspan(info.offset, info.size));
            EXPECT_NEAR(norm(delta), 0.5 * 0.02 * size, 1e-12 * size) << name << " at gradient scale " << scale;
        }
    }
}

TEST(Lars, AZeroTensorTakesTheGradientStepAndTheMaskTurnsTheRatioOff) {
    ParamStore<double> store;
    store.add("zero", {2});  // ‖θ‖ = 0: ratio 1, a plain SGD step
    store.add("w", {2});
    store.params()[2] = 3.0;
    store.params()[3] = 4.0;  // ‖θ‖ = 5
    for (double& g : store.grads()) g = 2.0;  // ‖g‖ = 2√2 per tensor
    auto lars = make_optimizer<double>("lars", store, {{"lr", 0.1}, {"momentum", 0.0}});
    lars->step();
    EXPECT_EQ(store.params()[0], -0.2);
    EXPECT_DOUBLE_EQ(store.params()[2], 3.0 - 0.1 * 2.0 * (1e-3 * 5.0 / std::sqrt(8.0)));
    auto plain = make_optimizer<double>("lars", store, {{"lr", 0.1}, {"momentum", 0.0}, {"trust_ratio_mask", false}});
    plain->step();
    EXPECT_DOUBLE_EQ(store.params()[0], -0.4);
    EXPECT_DOUBLE_EQ(store.params()[3], 4.0 - 0.1 * 2.0 * (1e-3 * 5.0 / std::sqrt(8.0)) - 0.2);
}

TEST(Novograd, ItsFirstStepIsTheNormalisedGradientPerTensorAndItsStateOneNumberPerTensor) {
    ParamStore<double> store;
    store.add("w", {2});
    store.add("b", {1});
    store.grads()[0] = 3.0;
    store.grads()[1] = 4.0;  // ‖g‖ = 5
    store.grads()[2] = -2.0;
    auto opt = make_optimizer<double>("novograd", store, {{"lr", 0.1}, {"eps", 0.0}});
    opt->step();  // m = g/‖g‖: θ ← −γ·g/‖g‖
    EXPECT_DOUBLE_EQ(store.params()[0], -0.1 * 0.6);
    EXPECT_DOUBLE_EQ(store.params()[1], -0.1 * 0.8);
    EXPECT_DOUBLE_EQ(store.params()[2], 0.1);
    const auto state = opt->state_dict();
    for (const auto& b : state.buffers) {
        if (b.buffer != "exp_avg_sq") continue;
        EXPECT_TRUE(b.shape.empty()) << b.param;  // a 0-d tensor, as Optax's nu
        ASSERT_EQ(b.data.size(), 1u);
        EXPECT_DOUBLE_EQ(b.data[0], b.param == "w" ? 25.0 : 4.0);
    }
    auto wrong = state;
    for (auto& b : wrong.buffers) {
        if (b.buffer == "exp_avg_sq") b.data.push_back(0.0);
    }
    EXPECT_THROW(opt->load_state_dict(wrong), StateMismatch);
}

TEST(PerTensorNorms, ManyBlocksGiveTheSameBitsOnAnyNumberOfThreads) {
    for (const char* name : {"lars", "novograd"}) {
        std::vector<std::vector<float>> results;
        const int original = num_threads();
        for (int threads : {1, 2, 3}) {
            set_num_threads(threads);
            ParamStore<float> store;
            store.add("big", {300, 1000});  // 74 blocks of 4096
            store.add("small", {77});
            test::SplitMix64 rng(5);
            for (float& v : store.params()) v = float(rng.symmetric());
            auto opt = make_optimizer<float>(name, store, {{"weight_decay", 0.01}});
            for (int step = 0; step < 3; ++step) {
                for (float& g : store.grads()) g = float(rng.symmetric());
                opt->step();
            }
            results.emplace_back(store.params().begin(), store.params().end());
        }
        set_num_threads(original);
        EXPECT_EQ(results[0], results[1]) << name;
        EXPECT_EQ(results[0], results[2]) << name;
    }
}

}  // namespace
}  // namespace optlab
