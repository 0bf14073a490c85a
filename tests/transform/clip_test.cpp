// SPDX-License-Identifier: MIT
#include "optlab/transform/clip.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../optim/taken_as.hpp"
#include "optlab/core/error.hpp"
#include "optlab/optim/registry.hpp"
#include "../stepping.hpp"

namespace optlab {
namespace {

ParamStore<double> two_tensors() {
    ParamStore<double> store;
    store.add("a", {2});
    store.add("b", {1});
    store.grad("a")[0] = 3.0;
    store.grad("a")[1] = 4.0;   // ‖a‖ = 5
    store.grad("b")[0] = -12.0; // ‖b‖ = 12; global norm 13
    return store;
}

TEST(Clip, ByValueClampsEachElement) {
    auto store = two_tensors();
    EXPECT_EQ((GradClip{GradClip::Kind::value, 3.5}.apply(store)), 12.0);
    EXPECT_EQ(store.grad("a")[0], 3.0);
    EXPECT_EQ(store.grad("a")[1], 3.5);
    EXPECT_EQ(store.grad("b")[0], -3.5);
}

TEST(Clip, ByNormScalesEachTensorAboveTheThreshold) {
    auto store = two_tensors();
    EXPECT_EQ((GradClip{GradClip::Kind::norm, 6.0}.apply(store)), 12.0);
    EXPECT_EQ(store.grad("a")[0], 3.0);  // ‖a‖ = 5 <= 6: untouched
    EXPECT_EQ(store.grad("a")[1], 4.0);
    EXPECT_DOUBLE_EQ(store.grad("b")[0], -6.0);  // 12 → 6
}

TEST(Clip, ByGlobalNormScalesEverythingAsTorchClipGradNorm) {
    auto store = two_tensors();
    EXPECT_DOUBLE_EQ((GradClip{GradClip::Kind::global_norm, 6.5}.apply(store)), 13.0);
    const double coef = 6.5 / (13.0 + 1e-6);  // torch: max_norm / (total + 1e-6)
    EXPECT_DOUBLE_EQ(store.grad("a")[0], 3.0 * coef);
    EXPECT_DOUBLE_EQ(store.grad("b")[0], -12.0 * coef);
    auto small = two_tensors();
    GradClip{GradClip::Kind::global_norm, 100.0}.apply(small);  // below: untouched
    EXPECT_EQ(small.grad("b")[0], -12.0);
}

TEST(Clip, NonFiniteNormIsReportedAndLeavesGradients) {
    auto store = two_tensors();
    store.grad("a")[0] = NAN;
    EXPECT_TRUE(std::isnan((GradClip{GradClip::Kind::global_norm, 1.0}.apply(store))));
    EXPECT_EQ(store.grad("b")[0], -12.0);
}

// SGD's step is −lr·g, so its parameters show the gradient the optimizer saw: the clipped one,
// computed here from each rule's formula (unclipped, the step would be 0.3, 0.4, −1.2).
TEST(Clip, SgdStepsOnTheClippedGradient) {
    const double lr = 0.1, coef = 6.5 / (13.0 + 1e-6);
    const struct {
        GradClip clip;
        double a0, a1, b;  // the clipped gradients
    } cases[] = {{{GradClip::Kind::value, 1.0}, 1.0, 1.0, -1.0},
                 {{GradClip::Kind::norm, 6.0}, 3.0, 4.0, -12.0 * 6.0 / 12.0},
                 {{GradClip::Kind::global_norm, 6.5}, 3.0 * coef, 4.0 * coef, -12.0 * coef}};
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(to_string(c.clip.kind)));
        auto store = two_tensors();
        auto sgd = make_optimizer<double>("sgd", store, HyperParams{{"lr", lr}});
        c.clip.apply(store);
        sgd->step();
        EXPECT_DOUBLE_EQ(store.param("a")[0], -lr * c.a0);
        EXPECT_DOUBLE_EQ(store.param("a")[1], -lr * c.a1);
        EXPECT_DOUBLE_EQ(store.param("b")[0], -lr * c.b);
    }
}

// Clipping then stepping equals stepping on gradients clipped by hand, for every registered
// optimizer. The three steps' gradients are above the threshold, below it and mixed, so the
// clipped sequence is no rescaling of the raw one: without the clipping, even the optimizers
// whose steps are scale-free per coordinate (Adam, AdaGrad, RMSprop ...) end elsewhere.
TEST(Clip, ComposesWithAnyOptimizer) {
    constexpr double kThreshold = 1.0;
    constexpr double kGrads[3][3] = {{3.0, 4.0, -12.0}, {0.25, -0.5, 0.125}, {-8.0, 0.5, 2.0}};
    for (const std::string& name : test::gradient_stepped_optimizers()) {  // (L-BFGS clips in the loop's closure)
        SCOPED_TRACE(name);
        auto run = [&](bool by_grad_clip) {
            ParamStore<double> store;
            store.add("a", test::taken_as(name, {2}));
            store.add("b", test::taken_as(name, {1}));
            for (std::size_t i = 0; i < 3; ++i) store.params()[i] = 0.5 - 0.25 * double(i);
            auto opt = make_optimizer<double>(name, store);
            for (const auto& g : kGrads) {
                for (std::size_t i = 0; i < 3; ++i) {
                    store.grads()[i] = by_grad_clip ? g[i] : std::clamp(g[i], -kThreshold, kThreshold);
                }
                if (by_grad_clip) GradClip{GradClip::Kind::value, kThreshold}.apply(store);
                opt->step();
            }
            return std::vector<double>(store.params().begin(), store.params().end());
        };
        EXPECT_EQ(run(true), run(false));
    }
}

TEST(Clip, RejectsBadThresholdsAndKinds) {
    auto store = two_tensors();
    EXPECT_THROW((GradClip{GradClip::Kind::norm, 0.0}.apply(store)), InvalidArgument);
    EXPECT_THROW((GradClip{GradClip::Kind::norm, -1.0}.apply(store)), InvalidArgument);
    EXPECT_THROW((GradClip{GradClip::Kind::norm, INFINITY}.apply(store)), InvalidArgument);
    EXPECT_EQ(parse_clip_kind("global-norm"), GradClip::Kind::global_norm);
    EXPECT_THROW(parse_clip_kind("l3"), InvalidArgument);
}

}  // namespace
}  // namespace optlab
