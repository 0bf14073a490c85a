// SPDX-License-Identifier: MIT
#include "optlab/transform/clip.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optlab/core/error.hpp"
#include "optlab/optim/adam.hpp"

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

TEST(Clip, ComposesWithAnyOptimizer) {
    auto store = two_tensors();
    Adam<double> adam(store, {.lr = 0.1});
    GradClip{GradClip::Kind::value, 1.0}.apply(store);
    adam.step();
    // Adam's first step is lr·sign(g) for |g| >> eps, whatever the clipping did to |g|.
    EXPECT_NEAR(store.param("b")[0], 0.1, 1e-9);
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
