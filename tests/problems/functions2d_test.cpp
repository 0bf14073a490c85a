// SPDX-License-Identifier: MIT
#include "optlab/problems/functions2d.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optlab/core/error.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab {
namespace {

TEST(Functions2d, TheNamesTheCommandLineUses) {
    std::vector<std::string> names;
    for (const auto& f : functions_2d()) names.emplace_back(f.name);
    EXPECT_EQ(names, (std::vector<std::string>{"ravine", "rosenbrock", "beale", "booth",
                                               "himmelblau", "saddle", "local-minima"}));
    EXPECT_THROW(function_2d("sphere"), InvalidArgument);
}

TEST(Functions2d, GradientsMatchCentralDifferences) {
    for (const auto& f : functions_2d()) {
        for (Point2 p : {Point2{0.3, -0.7}, Point2{-1.2, 1.9}, Point2{2.5, 0.4}}) {
            const double h = 1e-6;
            const Point2 g = f.gradient(p[0], p[1]);
            const double dx = (f.value(p[0] + h, p[1]) - f.value(p[0] - h, p[1])) / (2 * h);
            const double dy = (f.value(p[0], p[1] + h) - f.value(p[0], p[1] - h)) / (2 * h);
            EXPECT_NEAR(g[0], dx, 1e-5 * (1 + std::abs(dx))) << f.name;
            EXPECT_NEAR(g[1], dy, 1e-5 * (1 + std::abs(dy))) << f.name;
        }
    }
}

TEST(Functions2d, MinimaAreStationaryAndHaveTheStatedValue) {
    for (const auto& f : functions_2d()) {
        for (const Point2& m : f.minima) {
            const Point2 g = f.gradient(m[0], m[1]);
            EXPECT_NEAR(g[0], 0.0, 1e-9) << f.name;
            EXPECT_NEAR(g[1], 0.0, 1e-9) << f.name;
            EXPECT_NEAR(f.value(m[0], m[1]), f.minimum_value, 1e-12) << f.name;
        }
    }
}

// The local-minima function's point: from its start, SGD stops in the shallow well and
// Momentum 0.9 rolls on into the deeper one, over a range of learning rates.
TEST(Functions2d, LocalMinimaTrapsSgdButNotMomentum) {
    const Function2d& f = function_2d("local-minima");
    auto end_x = [&](const char* name, double lr) {
        ParamStore<double> store;
        store.add("xy", {2});
        store.params()[0] = f.start[0];
        store.params()[1] = f.start[1];
        auto opt = make_optimizer<double>(name, store, {{"lr", lr}});
        for (int i = 0; i < 500; ++i) {
            const Point2 g = f.gradient(store.params()[0], store.params()[1]);
            store.grads()[0] = g[0];
            store.grads()[1] = g[1];
            opt->step();
        }
        return store.params()[0];
    };
    for (double lr : {0.02, 0.03, 0.05}) {
        EXPECT_NEAR(end_x("sgd", lr), 1.8608, 1e-3) << "sgd lr " << lr;
        EXPECT_NEAR(end_x("momentum", lr), f.minima[0][0], 1e-3) << "momentum lr " << lr;
    }
}

}  // namespace
}  // namespace optlab
