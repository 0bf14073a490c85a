// SPDX-License-Identifier: MIT
// Every named problem on its real data (Fashion-MNIST, wamerican's words, the quadratic's
// points): within a small budget its metric beats a trivial baseline by a clear margin on each
// of three seeds — the class prior, the mean image, the character unigram distribution, the
// quadratic's starting point —, and a run stopped halfway and resumed from its checkpoint ends
// in the same checkpoint, byte for byte, as the run that never stopped (single thread).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "../real_data.hpp"
#include "optlab/data/dataset.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/problems/char_lm.hpp"
#include "optlab/problems/noisy_quadratic.hpp"
#include "optlab/train/trainer.hpp"

namespace optlab {
namespace {

const TrainTest& fashion() {
    static const TrainTest data = load_named_dataset("fashion-mnist");
    return data;
}

// What a model that learned nothing scores, and the margin a learned one must beat it by.
struct Baseline {
    double metric;
    double margin;  // learned ≤ metric − margin (lower is better) or ≥ metric + margin
};

Baseline class_prior() {  // always the most frequent training class
    std::map<int, double> counts;
    for (std::uint8_t l : fashion().train.labels) counts[l] += 1;
    double top = 0;
    for (const auto& [label, n] : counts) top = std::max(top, n);
    std::size_t correct = 0;
    int mode = 0;
    for (const auto& [label, n] : counts) {
        if (n == top) mode = label;
    }
    for (std::uint8_t l : fashion().test.labels) correct += l == mode;
    return {double(correct) / double(fashion().test.count), 0.5};
}

Baseline mean_image() {  // every test image reconstructed as the mean training image
    const Dataset& train = fashion().train;
    const Dataset& test = fashion().test;
    std::vector<double> mean(train.features, 0.0);
    for (std::size_t i = 0; i < train.count; ++i) {
        for (std::size_t j = 0; j < train.features; ++j) mean[j] += train.pixels[i * train.features + j] / 255.0;
    }
    for (double& m : mean) m /= double(train.count);
    double error = 0;
    for (std::size_t i = 0; i < test.count; ++i) {
        for (std::size_t j = 0; j < test.features; ++j) {
            const double d = test.pixels[i * test.features + j] / 255.0 - mean[j];
            error += d * d;
        }
    }
    const double mse = error / double(test.count * test.features);
    return {mse, 0.5 * mse};  // at least halved
}

Baseline unigram() {  // each test character drawn from the training characters' frequencies
    const WordSplits words = load_word_splits(kWordListPath);
    std::vector<double> counts(CharLanguageModel::kTokens, 0.0);
    std::uint8_t context[WordSplits::kContext], target = 0;
    for (std::size_t i = 0; i < words.train.examples(); ++i) {
        words.example(words.train, i, context, target);
        counts[target] += 1;
    }
    double nats = 0;
    for (std::size_t i = 0; i < words.test.examples(); ++i) {
        words.example(words.test, i, context, target);
        nats -= std::log(counts[target] / double(words.train.examples()));
    }
    nats /= double(words.test.examples());
    return {std::exp(nats), std::exp(nats) - std::exp(nats - 0.3)};  // 0.3 nats per character better
}

Baseline quadratic_start() {  // θ = 1, where training starts
    NoisyQuadratic q;
    const double start = q.evaluate(Split::test).loss;
    return {start, 0.5 * start};
}

struct Case {
    const char* problem;
    const char* optimizer;
    double lr;
    std::int64_t iterations;  // the small budget
    Baseline (*baseline)();
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.problem; }

const Case kCases[] = {
    {"quadratic", "sgd", 0.01, 200, quadratic_start},
    {"fmnist-logreg", "adam", 1e-3, 200, class_prior},
    {"fmnist-mlp", "adam", 1e-3, 200, class_prior},
    {"fmnist-cnn", "adam", 1e-3, 150, class_prior},
    {"fmnist-autoencoder", "adam", 1e-3, 200, mean_image},
    {"words-charlm", "adam", 3e-3, 1500, unigram},
};

TrainConfig config_of(const Case& c, std::uint64_t seed) {
    TrainConfig config;
    config.problem = c.problem;
    config.optimizer = c.optimizer;
    config.hyper = {{"lr", c.lr}};
    config.seed = seed;
    config.epochs = 100;
    config.max_iterations = c.iterations;
    config.threads = 2;
    return config;
}

const TrainTest* data_of(const Case& c) { return problem_info(c.problem).images ? &fashion() : nullptr; }

class EveryProblem : public ::testing::TestWithParam<Case> {
  protected:
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                ("optlab_problems_" + std::to_string(::getpid()));
    void SetUp() override { std::filesystem::create_directories(dir); }
    void TearDown() override { std::filesystem::remove_all(dir); }
    static std::string bytes(const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
};

TEST_P(EveryProblem, BeatsItsTrivialBaselineOnEverySeed) {
    const Case& c = GetParam();
    OPTLAB_SKIP_WITHOUT(test::data_of_problem(c.problem));
    const ProblemInfo& info = problem_info(c.problem);
    const Baseline base = c.baseline();
    for (std::uint64_t seed : {1, 2, 3}) {
        const TrainResult r = train(config_of(c, seed), {}, {}, data_of(c));
        ASSERT_FALSE(r.epochs.empty()) << c.problem;
        const double metric = r.epochs.back().test_accuracy;  // the problem's metric
        if (info.lower_is_better) {
            EXPECT_LE(metric, base.metric - base.margin)
                << c.problem << ", seed " << seed << ": " << r.metric << " " << metric << " against the baseline's "
                << base.metric;
        } else {
            EXPECT_GE(metric, base.metric + base.margin)
                << c.problem << ", seed " << seed << ": " << r.metric << " " << metric << " against the baseline's "
                << base.metric;
        }
    }
}

TEST_P(EveryProblem, StoppedAndResumedEqualsNeverStopping) {
    const Case& c = GetParam();
    OPTLAB_SKIP_WITHOUT(test::data_of_problem(c.problem));
    TrainConfig config = config_of(c, 7);
    config.threads = 1;
    config.max_iterations = 40;
    train(config, {"", dir / "straight.st", ""}, {}, data_of(c));
    config.max_iterations = 17;
    train(config, {"", dir / "split.st", ""}, {}, data_of(c));
    config.max_iterations = 40;
    train(config, {"", dir / "split.st", dir / "split.st"}, {}, data_of(c));
    EXPECT_EQ(bytes(dir / "straight.st"), bytes(dir / "split.st")) << c.problem;
}

INSTANTIATE_TEST_SUITE_P(Problems, EveryProblem, ::testing::ValuesIn(kCases), [](const auto& info) {
    std::string name = info.param.problem;
    for (char& ch : name) ch = ch == '-' ? '_' : ch;
    return name;
});

// The quadratic's loss is computed as ½θᵀQθ − θᵀQx̄ + mean ½xᵀQx (two products with Q per
// split); it must equal the definition, a sum over the points of ½(θ − x)ᵀQ(θ − x).
TEST(Problems, TheQuadraticsLossIsItsDefinition) {
    NoisyQuadratic q;
    Rng rng(5);
    for (float& t : q.store().params()) t = float(rng.normal(0.0, 1.0));
    const std::size_t D = NoisyQuadratic::kDim;
    const auto& Q = q.hessian();
    const auto& x = q.test_points();
    const float* theta = q.store().params().data();
    double direct = 0;
    for (std::size_t b = 0; b < NoisyQuadratic::kPoints; ++b) {
        for (std::size_t i = 0; i < D; ++i) {
            for (std::size_t j = 0; j < D; ++j) {
                direct += 0.5 * (theta[i] - x[b * D + i]) * Q[i * D + j] * (theta[j] - x[b * D + j]);
            }
        }
    }
    direct /= double(NoisyQuadratic::kPoints);
    EXPECT_NEAR(q.evaluate(Split::test).loss, direct, 1e-10 * direct);
    EXPECT_NEAR(q.loss_at(theta, x), direct, 1e-10 * direct);
}

TEST(Problems, MissingDataIsNamedWithItsPackage) {
    try {
        load_word_splits("/nonexistent/words");
        ADD_FAILURE() << "a missing word list was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/words"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("wamerican"), std::string::npos) << e.what();
    }
    TrainConfig c;
    c.problem = "fmnist-cnn";
    c.data_dir = "/nonexistent/images";
    try {
        train(c, {});
        ADD_FAILURE() << "a missing image folder was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/images"), std::string::npos) << e.what();
    }
    c.problem = "mnist-resnet";
    EXPECT_THROW(train(c, {}), InvalidArgument);
}

}  // namespace
}  // namespace optlab
