// SPDX-License-Identifier: MIT
// The suite's protocol, plan and summary (experiment/suite.hpp), on arms made up to have known
// answers: the grid, which arms each stage runs, ranks and ties, and performance profiles.
#include "optlab/experiment/suite.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "optlab/core/error.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab::experiment {
namespace {

SuiteProtocol small() {
    SuiteProtocol p = SuiteProtocol::defaults(true);
    p.problems = {"quadratic", "words-charlm"};
    p.optimizers = {"sgd", "adam", "lion"};
    p.grid = 3;
    p.seeds = 2;
    return p;
}

TEST(SuiteProtocol, TheGridIsLogSpacedOverItsEnds) {
    SuiteProtocol p = small();
    p.grid = 5;
    const std::vector<double> lrs = p.learning_rates();
    ASSERT_EQ(lrs.size(), 5u);
    EXPECT_DOUBLE_EQ(lrs.front(), 1e-4);
    EXPECT_DOUBLE_EQ(lrs.back(), 1.0);
    for (std::size_t i = 1; i < lrs.size(); ++i) EXPECT_NEAR(std::log10(lrs[i] / lrs[i - 1]), 1.0, 1e-2);
}

TEST(SuiteProtocol, RefusesWhatCannotRunNamingIt) {
    auto refused = [](SuiteProtocol p, const std::string& expected) {
        try {
            p.validate();
            ADD_FAILURE() << "accepted; expected a message with '" << expected << "'";
        } catch (const InvalidArgument& e) {
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
        }
    };
    SuiteProtocol p = small();
    p.problems = {"imagenet"};
    refused(p, "imagenet");
    p = small();
    p.optimizers = {"adam", "adma"};
    refused(p, "adma");
    p = small();
    p.optimizers = {"adam", "adam"};
    refused(p, "listed twice");
    p = small();
    p.grid = 0;
    refused(p, "--budget");
    p = small();
    p.seeds = 0;
    refused(p, "--seeds");
    p = small();
    p.problems.clear();
    refused(p, "--problems");
}

TEST(SuitePlan, DefaultsOncePerSeedTuningOnSeedOneThenTheBestAgainOnTheOtherSeeds) {
    const SuiteProtocol p = small();
    std::vector<SuiteArm> first = plan_first_stage(p);
    ASSERT_EQ(first.size(), 2u * 3u * (2u + 3u));
    int defaults = 0, tune = 0;
    for (const SuiteArm& a : first) {
        if (a.phase == "default") {
            ++defaults;
            EXPECT_FALSE(a.lr.has_value());
        } else {
            ++tune;
            EXPECT_EQ(a.phase, "tune");
            EXPECT_EQ(a.seed, 1u);
        }
    }
    EXPECT_EQ(defaults, 2 * 3 * 2);
    EXPECT_EQ(tune, 2 * 3 * 3);
    // Scores: on every (problem, optimizer) the middle learning rate is best; adam's every
    // learning rate diverges on the quadratic.
    for (SuiteArm& a : first) {
        if (a.phase != "tune") continue;
        const bool lower = a.problem == "quadratic" || a.problem == "words-charlm";
        a.validation_metric = *a.lr == 0.01 ? (lower ? 1.0 : 0.9) : (lower ? 2.0 : 0.5);
        if (a.problem == "quadratic" && a.optimizer == "adam") {
            a.diverged = true;
            a.validation_metric = std::numeric_limits<double>::quiet_NaN();
        }
    }
    const std::vector<SuiteArm> second = plan_second_stage(p, first);
    ASSERT_EQ(second.size(), (2u * 3u - 1u) * 1u) << "one more seed for each setting that trained";
    for (const SuiteArm& a : second) {
        EXPECT_EQ(a.phase, "seed");
        EXPECT_EQ(a.seed, 2u);
        EXPECT_EQ(*a.lr, 0.01);
        EXPECT_FALSE(a.problem == "quadratic" && a.optimizer == "adam");
    }
}

// Two problems, three optimizers, made-up results: A is fastest on both, B reaches the target
// in twice A's iterations on the first and never on the second, C diverges everywhere.
SuiteResult made_up() {
    SuiteProtocol p = small();
    p.optimizers = {"sgd", "adam", "lion"};  // A, B, C
    std::vector<SuiteArm> arms = plan_first_stage(p);
    for (SuiteArm& a : arms) {  // both problems: lower is better
        if (a.optimizer == "lion") {
            a.diverged = true;
            a.validation_metric = a.test_metric = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        const double lr = a.lr.value_or(0.001);
        a.validation_metric = a.test_metric = (a.optimizer == "sgd" ? 1.0 : 1.5) + std::abs(std::log10(lr) + 2);
        if (a.optimizer == "sgd") a.iterations_to_target = 100, a.seconds_to_target = 2.0;
        if (a.optimizer == "adam" && a.problem == "quadratic") a.iterations_to_target = 200, a.seconds_to_target = 1.0;
    }
    std::vector<SuiteArm> second = plan_second_stage(p, arms);
    for (SuiteArm& a : second) {
        a.validation_metric = a.test_metric = (a.optimizer == "sgd" ? 1.1 : 1.55);
        if (a.optimizer == "sgd") a.iterations_to_target = 100, a.seconds_to_target = 2.0;
        if (a.optimizer == "adam" && a.problem == "quadratic") a.iterations_to_target = 200, a.seconds_to_target = 1.0;
    }
    arms.insert(arms.end(), second.begin(), second.end());
    return summarise_suite(p, arms);
}

TEST(SuiteSummary, RanksWinnersAndTiesFollowTheSeeds) {
    const SuiteResult r = made_up();
    ASSERT_EQ(r.rows.size(), 6u);
    ASSERT_EQ(r.winners.size(), 2u);
    for (std::size_t p = 0; p < 2; ++p) {
        EXPECT_EQ(r.winners[p], "sgd");
        const SuiteRow &a = r.rows[p * 3], &b = r.rows[p * 3 + 1], &c = r.rows[p * 3 + 2];
        EXPECT_EQ(a.rank, 1);
        EXPECT_EQ(b.rank, 2);
        EXPECT_EQ(c.rank, 3) << "a setting that diverged everywhere ranks last";
        EXPECT_DOUBLE_EQ(a.best_lr, 0.01);
        EXPECT_DOUBLE_EQ(a.tuned_mean, (1.0 + 1.1) / 2);
        EXPECT_DOUBLE_EQ(a.tuned_min, 1.0);
        EXPECT_DOUBLE_EQ(a.tuned_max, 1.1);
        EXPECT_FALSE(b.tied) << "B's seeds (1.5, 1.55) do not overlap A's (1.0, 1.1)";
        EXPECT_TRUE(std::isnan(c.best_lr));
    }
}

TEST(SuiteSummary, PerformanceProfilesCountProblemsWithinTauOfTheFastest) {
    const SuiteResult r = made_up();
    ASSERT_EQ(r.taus.front(), 1.0);
    ASSERT_EQ(r.taus.back(), SuiteResult::kTauMax);
    for (std::size_t k = 0; k < r.taus.size(); ++k) {
        const double tau = r.taus[k];
        EXPECT_DOUBLE_EQ(r.profile_iterations[0][k], 1.0) << "A is the fastest on both problems";
        EXPECT_DOUBLE_EQ(r.profile_iterations[1][k], tau >= 2.0 ? 0.5 : 0.0) << "B: 2x A on one problem, tau " << tau;
        EXPECT_DOUBLE_EQ(r.profile_iterations[2][k], 0.0) << "C never reaches";
        // By seconds B is the faster on the quadratic (1 s against 2 s).
        EXPECT_DOUBLE_EQ(r.profile_seconds[0][k], tau >= 2.0 ? 1.0 : 0.5);
        EXPECT_DOUBLE_EQ(r.profile_seconds[1][k], 0.5);
    }
    EXPECT_DOUBLE_EQ(r.score_iterations[0], 1.0);
    EXPECT_NEAR(r.score_iterations[1], 0.5 * 2.0 / 3.0, 0.01) << "ρ = 0.5 over two thirds of [1, 4]";
    EXPECT_DOUBLE_EQ(r.score_iterations[2], 0.0);
}

TEST(SuiteArm, ItsFileRoundTrips) {
    SuiteArm a;
    a.problem = "quadratic";
    a.optimizer = "adam";
    a.phase = "tune";
    a.lr = 0.01;
    a.lr_used = 0.01;
    a.seed = 1;
    a.final_train_loss = 1.25;
    a.validation_metric = 0.1 + 0.2;
    a.test_metric = std::numeric_limits<double>::quiet_NaN();
    a.iterations = 40;
    a.iterations_to_target = 20;
    a.seconds_to_target = 0.125;
    a.seconds = 0.5;
    a.curve = {{10, 0.0625, 0.5}, {20, 0.125, 0.3}};
    const SuiteArm b = SuiteArm::from_json(a.to_json(), "test");
    EXPECT_EQ(b.to_json(), a.to_json());
    EXPECT_EQ(b.validation_metric, a.validation_metric) << "round-trip precision";
    EXPECT_EQ(a.file_name(), "quadratic/tune-adam-lr0.01-seed1.json");
    EXPECT_THROW(SuiteArm::from_json("{\"problem\": 1}", "broken.json"), IoError);
}

// Runs nothing: returns each arm with results made from its settings, and keeps what it was
// asked to run.
class MadeUpWorkers final : public SuiteWorkers {
  public:
    std::vector<std::string> asked;
    void run(const std::vector<SuiteArm>& pending, const std::function<void(const SuiteArm&)>& finished) override {
        for (SuiteArm a : pending) {
            asked.push_back(a.file_name());
            a.lr_used = a.lr ? *a.lr : std::get<double>(optimizer_defaults(a.optimizer, Convention::torch).at("lr"));
            a.validation_metric = a.test_metric = 1.0 + a.lr_used + 0.01 * double(a.seed);
            a.final_train_loss = 2.0 * a.validation_metric;
            a.iterations = 40;
            a.seconds = 0.25;
            a.curve = {{20, 0.125, 1.5 * a.validation_metric}, {40, 0.25, a.validation_metric}};
            finished(a);
        }
    }
};

TEST(SuiteRun, ATuningArmAtTheDefaultLearningRateIsTheDefaultSeedOneRunNotRunAgain) {
    SuiteProtocol p = small();
    p.problems = {"quadratic"};
    p.optimizers = {"lion", "adam"};  // lion's default lr, 1e-4, is on the grid; adam's, 1e-3, is not
    const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                      ("optlab_suite_same_run_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    MadeUpWorkers workers;
    const SuiteResult r = run_suite(p, dir, workers, SuiteObserver{});
    EXPECT_EQ(workers.asked.size(), 2u * (2u + 3u) - 1u + 2u * 1u) << "every arm once but the shared one";
    EXPECT_EQ(std::count(workers.asked.begin(), workers.asked.end(), "quadratic/tune-lion-lr1e-04-seed1.json"), 0);
    const SuiteArm* tune = nullptr;
    const SuiteArm* def = nullptr;
    for (const SuiteArm& a : r.arms) {
        if (a.file_name() == "quadratic/tune-lion-lr1e-04-seed1.json") tune = &a;
        if (a.file_name() == "quadratic/default-lion-seed1.json") def = &a;
    }
    ASSERT_TRUE(tune && def) << ::testing::PrintToString(workers.asked);
    EXPECT_EQ(tune->same_run_as, def->file_name());
    EXPECT_EQ(tune->validation_metric, def->validation_metric);
    EXPECT_EQ(tune->test_metric, def->test_metric);
    EXPECT_EQ(tune->curve.size(), def->curve.size());
    EXPECT_TRUE(std::filesystem::exists(dir / "arms" / tune->file_name())) << "kept like any arm";
    for (const SuiteArm& a : r.arms) {
        if (&a == tune) continue;
        EXPECT_TRUE(a.same_run_as.empty()) << a.file_name();
    }

    MadeUpWorkers again;  // a second run over the same folder finds every arm there
    const SuiteResult resumed = run_suite(p, dir, again, SuiteObserver{});
    EXPECT_TRUE(again.asked.empty());
    ASSERT_EQ(resumed.arms.size(), r.arms.size());
    for (std::size_t i = 0; i < r.arms.size(); ++i) EXPECT_EQ(resumed.arms[i].to_json(), r.arms[i].to_json());
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace optlab::experiment
