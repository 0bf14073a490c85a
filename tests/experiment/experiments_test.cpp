// SPDX-License-Identifier: MIT
// The lecture's claims, checked on the experiments' numbers (not on the pictures), and the
// figure files they write.
#include "optlab/experiment/experiments.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <numbers>

#include "optlab/core/error.hpp"
#include "optlab/plot/gnuplot.hpp"

namespace optlab::experiment {
namespace {

const Path& path_of(const std::vector<Path>& paths, const std::string& optimizer) {
    for (const auto& p : paths) {
        if (p.arm.optimizer == optimizer) return p;
    }
    throw std::runtime_error("no path for " + optimizer);
}

double step_length(const Path& p, std::size_t k) {
    return std::hypot(p.points[k + 1][0] - p.points[k][0], p.points[k + 1][1] - p.points[k][1]);
}

int y_sign_changes(const Path& p) {
    int n = 0;
    for (std::size_t k = 1; k < p.points.size(); ++k) n += (p.points[k][1] > 0) != (p.points[k - 1][1] > 0);
    return n;
}

TEST(Trajectories, TheBookPresetShowsTheLecturesPoints) {
    const auto paths = run_trajectories(trajectory_preset("book"));
    ASSERT_EQ(paths.size(), 4u);
    for (const auto& p : paths) EXPECT_EQ(p.points.size(), 31u);  // start + 30 updates
    // AdaGrad's steps shrink as its squared gradients accumulate.
    const Path& adagrad = path_of(paths, "adagrad");
    for (std::size_t k = 0; k + 2 < adagrad.points.size(); ++k) {
        EXPECT_LT(step_length(adagrad, k + 1), step_length(adagrad, k)) << "step " << k + 1;
    }
    // SGD zig-zags across the ravine on every step; Momentum and Adam roll along it.
    EXPECT_EQ(y_sign_changes(path_of(paths, "sgd")), 30);
    EXPECT_LE(y_sign_changes(path_of(paths, "momentum")), 5);
    EXPECT_LE(y_sign_changes(path_of(paths, "adam")), 3);
    // ... and they reach the floor's far side: Momentum overshoots x = 0, SGD is still short.
    EXPECT_GT(path_of(paths, "momentum").points.back()[0], 0.5);
    EXPECT_LT(path_of(paths, "sgd").points.back()[0], -0.3);
}

TEST(Trajectories, AtTheSameLearningRateMomentumAndAdamEndCloserThanSgd) {
    // The fair form of "Momentum and Adam end closer to the minimum than SGD": the same lr.
    for (double lr : {0.05, 0.1, 0.2}) {
        TrajectorySpec s = trajectory_preset("book");
        s.arms = parse_arms("sgd:lr=" + std::to_string(lr) + ",momentum:lr=" + std::to_string(lr) +
                            ",adam:lr=" + std::to_string(lr));
        const auto paths = run_trajectories(s);
        const double sgd = std::hypot(paths[0].points.back()[0], paths[0].points.back()[1]);
        EXPECT_LT(std::hypot(paths[1].points.back()[0], paths[1].points.back()[1]), sgd) << "momentum, lr " << lr;
        EXPECT_LT(std::hypot(paths[2].points.back()[0], paths[2].points.back()[1]), sgd) << "adam, lr " << lr;
    }
}

TEST(Trajectories, LocalMinimaPresetTrapsSgdNotMomentum) {
    const auto paths = run_trajectories(trajectory_preset("local-minima"));
    EXPECT_GT(path_of(paths, "sgd").points.back()[0], 1.0);       // the shallow right-hand well
    EXPECT_LT(path_of(paths, "momentum").points.back()[0], -1.5);  // the deeper left-hand one
    EXPECT_LT(path_of(paths, "momentum").f.back(), path_of(paths, "sgd").f.back() - 3.0);
}

TEST(Trajectories, ArmsParseAndRefuseNonsense) {
    const auto arms = parse_arms("sgd:lr=0.5,adam:lr=0.1;betas=0.8/0.9;amsgrad=true");
    ASSERT_EQ(arms.size(), 2u);
    EXPECT_EQ(std::get<double>(arms[0].hyper.at("lr")), 0.5);
    EXPECT_EQ(std::get<Betas>(arms[1].hyper.at("betas"))[1], 0.9);
    EXPECT_TRUE(std::get<bool>(arms[1].hyper.at("amsgrad")));
    EXPECT_THROW(parse_arms("sgdd"), InvalidArgument);
    EXPECT_THROW(parse_arms("sgd:lr"), InvalidArgument);
    EXPECT_THROW(parse_arms("sgd:lr=abc"), InvalidArgument);
    EXPECT_THROW(trajectory_preset("figure9"), InvalidArgument);
    // Values read as the optimizer's defaults are: Adafactor's eps with an unset ε1, Muon's
    // coefficients and its name-valued adjust_lr_fn.
    const auto newer = parse_arms("adafactor:eps=none/0.01,muon:ns_coefficients=2/-1.5/0.5;adjust_lr_fn=match_rms_adamw");
    ASSERT_EQ(newer.size(), 2u);
    const Betas eps = std::get<Betas>(newer[0].hyper.at("eps"));
    EXPECT_TRUE(std::isnan(eps[0]));
    EXPECT_EQ(eps[1], 0.01);
    EXPECT_EQ(std::get<Triple>(newer[1].hyper.at("ns_coefficients"))[1], -1.5);
    EXPECT_EQ(std::get<std::string>(newer[1].hyper.at("adjust_lr_fn")), "match_rms_adamw");
}

TEST(Figures, LegendTextIsShownAsItselfNotAsMarkup) {
    EXPECT_EQ(gnuplot_text("Muon (adjust_lr_fn match_rms_adamw)"), "'Muon (adjust\\_lr\\_fn match\\_rms\\_adamw)'");
    EXPECT_EQ(gnuplot_text("x^2 {a}"), "'x\\^2 \\{a\\}'");
    EXPECT_EQ(gnuplot_string("it's"), "'it''s'");
}

TEST(SmoothCurve, KeepsLengthConstantsAndLines) {
    std::vector<double> c(100, 3.0), line(100);
    for (int i = 0; i < 100; ++i) line[std::size_t(i)] = 0.5 * i;
    const auto sc = smooth_curve(c), sl = smooth_curve(line);
    ASSERT_EQ(sc.size(), 100u);
    for (double v : sc) EXPECT_NEAR(v, 3.0, 1e-12);
    for (int i = 10; i < 90; ++i) EXPECT_NEAR(sl[std::size_t(i)], 0.5 * i, 1e-9);  // a symmetric window
}

// E3 over several seeds: the book's statements about the histograms, as numbers.
TEST(InitHistogram, TheBooksObservationsHoldAcrossSeeds) {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        HistogramSpec spec;
        spec.seed = seed;
        const auto h = run_init_histogram(spec);
        auto get = [&](const std::string& act, const std::string& init, int layer) {
            for (const auto& x : h) {
                if (x.activation == act && x.init == init && x.layer == layer) return x;
            }
            throw std::runtime_error("missing");
        };
        for (int l = 1; l <= 5; ++l) {
            // sigmoid, std 1: piled at 0 and 1
            const auto s1 = get("sigmoid", "std=1", l);
            EXPECT_GT(double(s1.counts.front() + s1.counts.back()), 0.5 * 100000) << "layer " << l;
            // sigmoid, std 0.01: a narrow band around 0.5
            const auto s001 = get("sigmoid", "std=0.01", l);
            EXPECT_NEAR(s001.mean, 0.5, 0.01);
            EXPECT_LT(s001.std, 0.03);
            // sigmoid, Xavier: spread wider than std 0.01's spike
            EXPECT_GT(get("sigmoid", "xavier", l).std, 3 * s001.std);
        }
        // ReLU, He: every layer's spread within a factor of 2 of every other's
        double lo = INFINITY, hi = 0;
        for (int l = 1; l <= 5; ++l) {
            lo = std::min(lo, get("relu", "he", l).std);
            hi = std::max(hi, get("relu", "he", l).std);
        }
        EXPECT_LT(hi / lo, 2.0) << "seed " << seed;
        // ReLU, std 0.01: the signal collapses layer by layer (about ×0.07 each)
        for (int l = 2; l <= 5; ++l) {
            EXPECT_LT(get("relu", "std=0.01", l).mean, 0.2 * get("relu", "std=0.01", l - 1).mean);
        }
        // ReLU, He: a quarter of the values lie beyond the (0, 1) range shown. He keeps every
        // pre-activation a ~ N(0, s²) with s² = 2 (Var a = n·E[h²]·2/n, and E[h²] = Var(a)/2 for
        // h = max(0, a)), so P(h > 1) = P(a > 1) = ½·erfc(1/(s√2)) = 0.2398 at s = √2.
        // Layer 1 is exactly that per unit (its inputs are i.i.d. N(0, 1)); its 100 units' scales
        // s_j² = Σ w² spread by √(2/n) = 14%, which moves the mixture's P(a > 1) by about 0.003
        // (½·Var(s)·f''(s)) and the mean scale by about 0.01 (0.003 in P): within 0.01 of 0.2398.
        // Deeper, s is read off the layer itself (E[h] = s/√(2π)); the units' spread compounds
        // (about 14%·√l at layer l), so the mixture term grows to about 0.016 at layer 5: 0.03.
        const auto he1 = get("relu", "he", 1);
        EXPECT_NEAR(he1.outside, 0.5 * std::erfc(0.5), 0.01) << "seed " << seed;
        for (int l = 1; l <= 5; ++l) {
            const auto he = get("relu", "he", l);
            const double s_l = he.mean * std::sqrt(2 * std::numbers::pi);
            EXPECT_NEAR(he.outside, 0.5 * std::erfc(1 / (s_l * std::sqrt(2.0))), l == 1 ? 0.01 : 0.03)
                << "seed " << seed << ", layer " << l;
        }
    }
}

TEST(Figures, AreWrittenAsPngSvgAndCsv) {
    if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
    const auto dir = std::filesystem::path(::testing::TempDir()) / ("optlab_fig_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const TrajectorySpec spec = trajectory_preset("lecture");
    write_trajectories(dir / "t", spec, run_trajectories(spec));
    HistogramSpec hs;
    hs.samples = 200;
    write_init_histogram(dir / "h", hs, run_init_histogram(hs));
    for (const char* f : {"t.png", "t.svg", "t.csv", "h.csv", "h-relu.png", "h-tanh.svg", "h-sigmoid.png"}) {
        EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
        if (std::filesystem::exists(dir / f)) {
            EXPECT_GT(std::filesystem::file_size(dir / f), 1000u) << f;
        }
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace optlab::experiment
