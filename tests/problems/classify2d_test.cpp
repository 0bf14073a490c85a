// SPDX-License-Identifier: MIT
// The 2-D problems (problems/classify2d.hpp): TensorFlow Playground's four sets as dataset.ts
// defines them, the network's gradient against finite differences, bad settings refused by
// name, what a learner is told (a tanh network with Adam separates the circles; std 0.01 with
// sigmoid learns nothing under SGD), and Classify2dRun — the explorable's networks — against
// the run log of the training loop `optlab train` runs, bit for bit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"
#include "optlab/core/plain_math.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/problems/classify2d.hpp"
#include "optlab/train/trainer.hpp"

namespace optlab {
namespace {

Points2d draw(std::string_view dataset, double noise, std::uint64_t seed = 7, std::size_t count = 500) {
    Rng rng(seed);
    return draw_points_2d(dataset, count, noise, rng);
}

std::size_t positives(const Points2d& p) {
    std::size_t n = 0;
    for (double l : p.label) n += l > 0;
    return n;
}

// ---- the sets -------------------------------------------------------------------------------

TEST(Classify2dData, CirclesAreADiscInsideARing) {
    const Points2d p = draw("circle", 0.0);
    ASSERT_EQ(p.size(), 500u);
    EXPECT_EQ(positives(p), 250u);
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double r = std::hypot(p.x1[i], p.x2[i]);
        if (p.label[i] > 0) {
            EXPECT_LE(r, 2.5 + 1e-12) << i;
        } else {
            EXPECT_GE(r, 3.5 - 1e-12) << i;
            EXPECT_LE(r, 5 + 1e-12) << i;
        }
    }
}

TEST(Classify2dData, NoiseMovesTheLabelsNotThePoints) {
    // A label is the side of the circle the noisy point falls on, the point itself is not moved
    // (dataset.ts): at noise 0.5 some points inside are labelled outside and the other way round.
    const Points2d p = draw("circle", 0.5);
    std::size_t across = 0;
    for (std::size_t i = 0; i < p.size(); ++i) across += (std::hypot(p.x1[i], p.x2[i]) < 2.5) != (p.label[i] > 0);
    EXPECT_GT(across, 25u);
    EXPECT_LT(across, 250u);
}

TEST(Classify2dData, XorIsTheSignOfTheProductOffTheAxes) {
    const Points2d p = draw("xor", 0.0);
    ASSERT_EQ(p.size(), 500u);
    for (std::size_t i = 0; i < p.size(); ++i) {
        EXPECT_GE(std::fabs(p.x1[i]), 0.3);
        EXPECT_GE(std::fabs(p.x2[i]), 0.3);
        EXPECT_LE(std::fabs(p.x1[i]), 5.3);
        EXPECT_EQ(p.label[i], p.x1[i] * p.x2[i] >= 0 ? 1.0 : -1.0) << i;
    }
    EXPECT_GT(positives(p), 200u);
    EXPECT_LT(positives(p), 300u);
}

TEST(Classify2dData, GaussiansSitAtPlusAndMinusTwoWithPlaygroundsVariance) {
    for (const auto& [noise, variance] : {std::pair{0.0, 0.5}, std::pair{0.5, 4.0}}) {
        const Points2d p = draw("gauss", noise);
        ASSERT_EQ(p.size(), 500u);
        double sum[2] = {0, 0}, squares[2] = {0, 0};
        for (std::size_t i = 0; i < p.size(); ++i) {
            const int c = p.label[i] > 0 ? 0 : 1;
            const double centre = c == 0 ? 2 : -2;
            EXPECT_EQ(p.label[i], i < 250 ? 1.0 : -1.0);
            sum[c] += p.x1[i] + p.x2[i] - 2 * centre;
            squares[c] += (p.x1[i] - centre) * (p.x1[i] - centre) + (p.x2[i] - centre) * (p.x2[i] - centre);
        }
        for (int c = 0; c < 2; ++c) {
            // 500 coordinates per class: the mean's standard error is √(variance/500).
            EXPECT_LT(std::fabs(sum[c] / 500), 4 * std::sqrt(variance / 500)) << noise;
            EXPECT_NEAR(squares[c] / 500 / variance, 1.0, 0.2) << noise;
        }
    }
}

TEST(Classify2dData, SpiralsAreTwoArmsHalfATurnApart) {
    const Points2d p = draw("spiral", 0.0);
    ASSERT_EQ(p.size(), 500u);
    for (std::size_t i = 0; i < 250; ++i) {
        // Point i of each arm at radius i/250·5, the second arm the first turned by π.
        EXPECT_NEAR(std::hypot(p.x1[i], p.x2[i]), double(i) / 250 * 5, 1e-12);
        EXPECT_NEAR(p.x1[i + 250], -p.x1[i], 1e-12);
        EXPECT_NEAR(p.x2[i + 250], -p.x2[i], 1e-12);
        EXPECT_EQ(p.label[i], 1.0);
        EXPECT_EQ(p.label[i + 250], -1.0);
    }
}

TEST(Classify2dData, OneSeedOneSetOfPoints) {
    for (std::string_view d : datasets_2d()) {
        const Points2d a = draw(d, 0.2, 3), b = draw(d, 0.2, 3), c = draw(d, 0.2, 4);
        EXPECT_EQ(a.x1, b.x1) << d;
        EXPECT_EQ(a.label, b.label) << d;
        EXPECT_NE(a.x1, c.x1) << d;
    }
}

// ---- the problem ----------------------------------------------------------------------------

Classify2dSpec spec_of(std::string dataset, std::vector<std::size_t> hidden, std::string activation, std::string init) {
    Classify2dSpec s;
    s.dataset = std::move(dataset);
    s.hidden = std::move(hidden);
    s.activation = std::move(activation);
    s.init = std::move(init);
    return s;
}

TEST(Classify2d, SplitsThePointsByTheRatio) {
    Classify2dSpec s;
    s.train_ratio = 0.3;
    Classify2d p(s);
    EXPECT_EQ(p.train_points().size(), 150u);
    EXPECT_EQ(p.test_points().size(), 350u);
    EXPECT_EQ(p.train_examples(), 150u);
}

TEST(Classify2d, GradientMatchesFiniteDifferences) {
    for (const char* act : {"relu", "tanh", "sigmoid", "linear"}) {
        Classify2dSpec s = spec_of("spiral", {5, 3}, act, "xavier");
        s.features = {"x1", "x2", "x1sq", "sinx2", "x1x2"};
        s.l2 = 0.01;
        s.max_batch = 20;
        s.noise = 0.2;
        Classify2d p(s);
        std::vector<std::uint32_t> batch;
        for (std::uint32_t i = 0; i < 20; ++i) batch.push_back(i * 7);
        p.store().zero_grad();
        p.train_batch(batch, true);
        const std::vector<float> grad(p.store().grads().begin(), p.store().grads().end());
        std::span<float> w = p.store().params();
        for (std::size_t i = 0; i < w.size(); ++i) {
            const float original = w[i];
            const float up = original + 1e-3f, down = original - 1e-3f;
            auto penalised = [&](float value) {  // the data loss and the L2 penalty λ/2·Σw² of the weights
                w[i] = value;
                double penalty = 0;
                for (std::size_t t = 0; t < p.store().num_tensors(); ++t) {
                    if (p.store().info(t).name.ends_with(".weight")) {
                        for (float x : p.store().view(t).param) penalty += 0.5 * s.l2 * double(x) * double(x);
                    }
                }
                return p.train_batch(batch, false).loss + penalty;
            };
            const double numeric = (penalised(up) - penalised(down)) / (double(up) - double(down));
            w[i] = original;
            // relu's kink can fall between up and down; the rest are smooth to O(h²).
            const double tolerance = std::string(act) == "relu" ? 2e-2 : 2e-3;
            EXPECT_NEAR(grad[i], numeric, tolerance * std::max(1.0, std::fabs(numeric))) << act << " parameter " << i;
        }
    }
}

TEST(Classify2d, RefusesBadSettingsByName) {
    auto refuses = [](auto change, const char* words) {
        Classify2dSpec s;
        change(s);
        try {
            Classify2d p(s);
            ADD_FAILURE() << "accepted, expected an error with '" << words << "'";
        } catch (const InvalidArgument& e) {
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
        }
    };
    refuses([](Classify2dSpec& s) { s.dataset = "moons"; }, "expected one of circle, xor, gauss, spiral");
    refuses([](Classify2dSpec& s) { s.noise = 0.7; }, "--noise 0.7: expected a number from 0 to 0.5");
    refuses([](Classify2dSpec& s) { s.train_ratio = 0.95; }, "--train-ratio 0.95");
    refuses([](Classify2dSpec& s) { s.hidden = {4, 9}; }, "1 to 8 units");
    refuses([](Classify2dSpec& s) { s.hidden = {}; }, "1 to 6 layers");
    refuses([](Classify2dSpec& s) { s.activation = "gelu"; }, "relu, tanh, sigmoid or linear");
    refuses([](Classify2dSpec& s) { s.init = "truncated-normal:0,1"; }, "--init 'truncated-normal:0,1'");
    refuses([](Classify2dSpec& s) { s.max_batch = 251; }, "--batch 251: expected 1 to the 250 training points");
    refuses([](Classify2dSpec& s) { s.features = {"x3"}; }, "'x3' is not a feature");
    EXPECT_THROW(parse_hidden_2d("8,8,8,8,8,8,8"), InvalidArgument);
    EXPECT_THROW(parse_hidden_2d("0"), InvalidArgument);
    EXPECT_EQ(parse_hidden_2d("8,1,3"), (std::vector<std::size_t>{8, 1, 3}));
    EXPECT_THROW(parse_features_2d("x1,x1"), InvalidArgument);
}

// ---- what a learner is told -----------------------------------------------------------------

Evaluation trained(const Classify2dSpec& s, std::string_view optimizer, double lr, int steps) {
    Classify2dRun run(s, optimizer, {{"lr", lr}}, Convention::torch);
    Classify2dRun::Losses losses;
    for (int k = 0; k < steps; ++k) EXPECT_TRUE(run.step(losses)) << run.stop_reason();
    return run.problem().evaluate(Split::test);
}

TEST(Classify2dClaims, ATanhNetworkWithAdamSeparatesTheCircles) {
    for (std::uint64_t seed : {1, 2, 3}) {
        Classify2dSpec s = spec_of("circle", {4, 2}, "tanh", "xavier");
        s.seed = seed;
        const Evaluation before = Classify2d(s).evaluate(Split::test);
        const Evaluation after = trained(s, "adam", 0.03, 500);  // 20 epochs of 25 batches
        EXPECT_GE(after.metric, 0.97) << "seed " << seed;
        EXPECT_LT(after.loss, 0.25 * before.loss) << "seed " << seed;
    }
}

TEST(Classify2dClaims, StdPointZeroOneWithSigmoidDoesNotLearn) {
    // The lecture's point: with weights of std 0.01 every sigmoid unit answers about ½, the
    // signals vanish layer by layer, and SGD moves nothing but the output's bias.
    for (std::uint64_t seed : {1, 2, 3}) {
        Classify2dSpec s = spec_of("circle", {8, 8}, "sigmoid", "std=0.01");
        s.seed = seed;
        const Evaluation sigmoid = trained(s, "sgd", 0.03, 500);
        EXPECT_LE(sigmoid.metric, 0.65) << "seed " << seed;
        EXPECT_GT(sigmoid.loss, 0.45) << "seed " << seed;
        // The same network from Xavier's weights with tanh does learn, on the same budget.
        Classify2dSpec x = spec_of("circle", {8, 8}, "tanh", "xavier");
        x.seed = seed;
        const Evaluation xavier = trained(x, "sgd", 0.03, 500);
        EXPECT_GE(xavier.metric, sigmoid.metric + 0.25) << "seed " << seed;
    }
}

// ---- the page's networks are `optlab train`'s -----------------------------------------------

TEST(Classify2dRun, EqualsTheRunLogOfOptlabTrain) {
    const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                      ("optlab_classify2d_" + std::to_string(::getpid()));
    struct Case {
        const char* problem;
        const char* optimizer;
        Convention convention;
        const char* init;
        const char* activation;
    };
    for (const Case& c : {Case{"2d-spiral", "adam", Convention::torch, "xavier", "tanh"},
                          Case{"2d-xor", "momentum", Convention::keras, "he", "relu"},
                          Case{"2d-gauss", "schedule-free-adamw", Convention::torch, "std=1", "sigmoid"},
                          Case{"2d-circle", "muon", Convention::torch, "xavier", "tanh"}}) {
        TrainConfig config;
        config.problem = c.problem;
        config.optimizer = c.optimizer;
        config.convention = c.convention;
        config.hyper = {{"lr", 0.02}};
        config.init = c.init;
        config.activation = c.activation;
        config.hidden = "8,8";
        config.features = "x1,x2,sinx1";
        config.noise = 0.15;
        config.l2 = 0.001;
        config.batch = 16;
        config.epochs = 5;
        config.max_iterations = 60;  // across epoch ends: 250 points in 16 batches an epoch
        config.seed = 5;
        std::filesystem::remove_all(dir);
        train(config, TrainPaths{dir, {}, {}});
        std::ifstream in(dir / "iterations.json");
        const nlohmann::json log = nlohmann::json::parse(in);
        ASSERT_EQ(log.size(), 60u) << c.problem;

        Classify2dRun run(classify2d_spec(config), c.optimizer, config.hyper, c.convention);
        Classify2dRun::Losses losses;
        for (std::size_t k = 0; k < log.size(); ++k) {
            ASSERT_TRUE(run.step(losses)) << run.stop_reason();
            EXPECT_EQ(losses.train, log[k]["loss"].get<double>()) << c.problem << " step " << k + 1;
            EXPECT_EQ(losses.test, log[k]["test_loss"].get<double>()) << c.problem << " step " << k + 1;
        }
    }
    std::filesystem::remove_all(dir);
}

TEST(PlainMath, CloseToLibmAndExactWhereItMustBe) {
    EXPECT_EQ(plain::exp(0.0), 1.0);
    EXPECT_EQ(plain::log(1.0), 0.0);
    EXPECT_EQ(plain::sin(0.0), 0.0);
    EXPECT_EQ(plain::tanh(0.0), 0.0);
    EXPECT_EQ(plain::tanh(-30.0), -1.0);
    EXPECT_TRUE(std::isnan(plain::log(-1.0)));
    EXPECT_EQ(plain::exp(-1000.0), 0.0);
    EXPECT_TRUE(std::isinf(plain::exp(1000.0)));
    for (double x = -12; x <= 12; x += 0.0137) {
        EXPECT_NEAR(plain::exp(x), std::exp(x), 1e-15 * std::exp(x)) << x;
        EXPECT_NEAR(plain::sin(x), std::sin(x), 2e-15) << x;
        EXPECT_NEAR(plain::tanh(x), std::tanh(x), 1e-15) << x;
        EXPECT_NEAR(plain::sigmoid(x), 1 / (1 + std::exp(-x)), 1e-15) << x;
        const double y = std::exp(x);
        EXPECT_NEAR(plain::log(y), std::log(y), 1e-15 * std::max(1.0, std::fabs(std::log(y)))) << y;
    }
}

}  // namespace
}  // namespace optlab
