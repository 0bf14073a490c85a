// SPDX-License-Identifier: MIT
// Optimizers side by side (optim/combined.hpp): Muon for a model's matrices and AdamW for the
// rest, stepped as one, equal to the two stepped apart; its state saved and loaded whole.
#include <gtest/gtest.h>

#include "optlab/optim/combined.hpp"
#include "optlab/optim/muon.hpp"
#include "optlab/optim/registry.hpp"
#include "splitmix.hpp"

namespace optlab {
namespace {

ParamStore<double> mlp() {
    ParamStore<double> store;
    store.add("layer1.weight", {6, 5});
    store.add("layer1.bias", {5});
    store.add("layer2.weight", {5, 3});
    store.add("layer2.bias", {3});
    test::SplitMix64 rng(5);
    for (double& p : store.params()) p = rng.symmetric();
    return store;
}

void gradients(ParamStore<double>& store, int step) {
    test::SplitMix64 rng(100 + step);
    for (double& g : store.grads()) g = rng.symmetric();
}

TEST(ModelOptimizer, MuonTakesTheMatricesAndAdamWTheRestSteppedAsOne) {
    ParamStore<double> store = mlp(), apart = mlp();
    auto both = make_model_optimizer<double>("muon", store, {{"lr", 0.02}}, Convention::torch, 0.005);
    EXPECT_EQ(both->name(), "muon+adamw");
    ASSERT_EQ(both->num_groups(), 2u);
    EXPECT_EQ(both->lr(0), 0.02);
    EXPECT_EQ(both->lr(1), 0.005);
    // The same as Muon and AdamW made and stepped separately.
    auto muon = make_optimizer<double>("muon", apart, std::vector<GroupSpec>{{{"layer1.weight", "layer2.weight"}, {{"lr", 0.02}}}});
    auto adamw = make_optimizer<double>("adamw", apart, std::vector<GroupSpec>{{{"layer1.bias", "layer2.bias"}, {{"lr", 0.005}}}});
    for (int step = 1; step <= 5; ++step) {
        gradients(store, step);
        gradients(apart, step);
        both->step();
        muon->step();
        adamw->step();
    }
    EXPECT_EQ(std::vector<double>(store.params().begin(), store.params().end()),
              std::vector<double>(apart.params().begin(), apart.params().end()));
    EXPECT_EQ(both->step_count(0), 5);
    // Its state: Muon's momentum of the matrices, AdamW's moments of the biases.
    const OptimizerState<double> s = both->state_dict();
    EXPECT_EQ(s.optimizer, "muon+adamw");
    ASSERT_EQ(s.groups.size(), 2u);
    EXPECT_EQ(std::get<std::string>(s.groups[0].hyper.at("adjust_lr_fn")), "original");
    EXPECT_EQ(std::get<double>(s.groups[1].hyper.at("weight_decay")), 0.01);  // AdamW's default
    int momentum = 0, moments = 0;
    for (const auto& b : s.buffers) {
        momentum += b.buffer == "momentum_buffer" && b.param.ends_with("weight");
        moments += b.buffer == "exp_avg" && b.param.ends_with("bias");
    }
    EXPECT_EQ(momentum, 2);
    EXPECT_EQ(moments, 2);
}

TEST(ModelOptimizer, SaveLoadContinueEqualsNeverStoppingAndAForeignStateIsRefused) {
    ParamStore<double> straight = mlp(), resumed = mlp();
    auto a = make_model_optimizer<double>("muon", straight, {}, Convention::torch);
    for (int step = 1; step <= 3; ++step) {
        gradients(straight, step);
        a->step();
    }
    const OptimizerState<double> saved = a->state_dict();
    std::copy(straight.params().begin(), straight.params().end(), resumed.params().begin());
    auto b = make_model_optimizer<double>("muon", resumed, {}, Convention::torch);
    b->load_state_dict(saved);
    for (int step = 4; step <= 6; ++step) {
        gradients(straight, step);
        gradients(resumed, step);
        a->step();
        b->step();
    }
    EXPECT_EQ(std::vector<double>(straight.params().begin(), straight.params().end()),
              std::vector<double>(resumed.params().begin(), resumed.params().end()));
    auto adam = make_optimizer<double>("adam", resumed);
    EXPECT_THROW(b->load_state_dict(adam->state_dict()), StateMismatch);
    EXPECT_THROW(adam->load_state_dict(saved), StateMismatch);
}

TEST(ModelOptimizer, OtherOptimizersTakeEveryTensorAndMuonAloneRefusesAVectorByName) {
    ParamStore<double> store = mlp();
    EXPECT_EQ(make_model_optimizer<double>("adam", store, {}, Convention::torch)->name(), "adam");
    try {
        make_optimizer<double>("muon", store);
        FAIL() << "accepted a bias";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("tensor 'layer1.bias' has shape [5]"), std::string::npos) << e.what();
    }
    ParamStore<double> vectors;
    vectors.add("b", {4});
    EXPECT_THROW(make_model_optimizer<double>("muon", vectors, {}, Convention::torch), InvalidArgument);
}

}  // namespace
}  // namespace optlab
