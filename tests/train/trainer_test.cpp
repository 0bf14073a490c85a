// SPDX-License-Identifier: MIT
// The trainer on small synthetic data: it learns; checkpoints resume to the same file, byte for
// byte (at an epoch boundary and mid-epoch after a signal); non-finite steps stop with the
// tensor named, or are skipped leaving everything untouched; bad settings are refused.
#include "optlab/train/trainer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>

#include "optlab/core/error.hpp"
#include "optlab/io/safetensors.hpp"
#include "optlab/nn/network.hpp"
#include "../same_file.hpp"
#include "synthetic.hpp"

namespace optlab {
namespace {

class Trainer : public ::testing::Test {
  protected:
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                ("optlab_train_" + std::to_string(::getpid()));
    TrainTest data = test::synthetic_split(640, 200);
    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    TrainConfig small() const {
        TrainConfig c;
        c.net = "16-24-24-10";
        c.batch = 32;
        c.epochs = 2;
        c.threads = 1;
        c.hyper = {{"lr", 1e-2}};
        return c;
    }
};

TEST_F(Trainer, LearnsAndReportsPerEpoch) {
    TrainConfig c = small();
    c.epochs = 4;
    c.validation = 64;
    const TrainResult r = train(c, {dir / "out", "", ""}, {}, &data);
    ASSERT_EQ(r.epochs.size(), 4u);
    EXPECT_GT(r.epochs.back().test_accuracy, 0.9);
    EXPECT_LT(r.epochs.back().train_loss, r.epochs.front().train_loss);
    ASSERT_TRUE(r.epochs.back().validation_accuracy.has_value());
    EXPECT_EQ(r.iterations, 4 * 18);  // 576 training samples / 32
    for (const char* f : {"iterations.csv", "iterations.json", "epochs.csv", "epochs.json", "summary.json"}) {
        EXPECT_TRUE(std::filesystem::exists(dir / "out" / f)) << f;
    }
    std::ifstream ij(dir / "out" / "iterations.json");
    std::string json_text((std::istreambuf_iterator<char>(ij)), std::istreambuf_iterator<char>());
    EXPECT_NE(json_text.find("{\"epoch\":4,\"evaluations\":1,\"iteration\":72,"), std::string::npos) << json_text.substr(0, 200);
    std::ifstream csv(dir / "out" / "iterations.csv");
    std::string line;
    int lines = 0;
    while (std::getline(csv, line)) ++lines;
    EXPECT_EQ(lines, 1 + 4 * 18);
}

TEST_F(Trainer, ResumingAtAnEpochBoundaryEqualsNeverStopping) {
    TrainConfig c = small();
    c.batchnorm = true;
    c.dropout = 0.1;  // the dropout generator and BatchNorm statistics must resume too
    train(c, {"", dir / "straight.st", ""}, {}, &data);
    c.epochs = 1;
    train(c, {"", dir / "split.st", ""}, {}, &data);
    c.epochs = 2;
    const TrainResult r = train(c, {"", dir / "split.st", dir / "split.st"}, {}, &data);
    EXPECT_EQ(r.epochs.size(), 1u);
    EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "split.st"));
}

TEST_F(Trainer, ASignalMidEpochSavesACheckpointThatResumesExactly) {
    TrainConfig c = small();
    c.dropout = 0.2;
    c.schedule = "cosine:40,5";
    c.schedule_unit = "iteration";
    train(c, {"", dir / "straight.st", ""}, {}, &data);
    TrainObserver stop_at_7;
    stop_at_7.iteration = [](std::int64_t, std::int64_t batch, std::int64_t, double, double) {
        if (batch == 7) request_stop(SIGTERM);
    };
    const TrainResult stopped = train(c, {"", dir / "stopped.st", ""}, stop_at_7, &data);
    EXPECT_TRUE(stopped.interrupted);
    EXPECT_EQ(stopped.signal, SIGTERM);
    EXPECT_EQ(stopped.iterations, 7);
    const TrainResult resumed = train(c, {"", dir / "stopped.st", dir / "stopped.st"}, {}, &data);
    EXPECT_FALSE(resumed.interrupted);
    EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "stopped.st"));
}

// Weights of 3e38 (near float's maximum) overflow the first layer's sums to infinity, so from
// the first step on the loss is NaN, with or without BatchNorm (the inputs themselves are bytes
// and cannot be NaN).
constexpr const char* kOverflowingInit = "constant:3e38";

TEST_F(Trainer, NonFiniteErrorNamesTheIterationAndTheValue) {
    TrainConfig c = small();
    c.init = kOverflowingInit;
    try {
        train(c, {"", "", ""}, {}, &data);
        FAIL() << "a NaN loss trained silently";
    } catch (const NonFiniteError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("non-finite value at iteration"), std::string::npos) << m;
        EXPECT_NE(m.find("the loss (nan)"), std::string::npos) << m;
        EXPECT_NE(m.find("(nan)"), std::string::npos) << m;
    }
}

TEST_F(Trainer, SkippedStepsLeaveParametersStateAndCounterUntouched) {
    TrainConfig c = small();
    c.init = kOverflowingInit;
    c.epochs = 1;
    c.batchnorm = true;
    c.nonfinite = "skip";
    c.max_consecutive = 100;
    const TrainResult r = train(c, {"", dir / "skip.st", ""}, {}, &data);
    EXPECT_EQ(r.skipped_steps, 20);  // 640 / 32
    // The checkpoint holds the initial weights, untouched BatchNorm statistics, no step.
    nn::NetSpec spec;
    spec.sizes = nn::parse_net_sizes(c.net);
    spec.batchnorm = true;
    nn::Network<float> fresh(spec, c.batch, c.seed + 2);
    Rng rng(c.seed);
    fresh.init(parse_init(kOverflowingInit), rng);
    const SafetensorsFile f = read_safetensors(dir / "skip.st");
    for (std::size_t i = 0; i < fresh.store().num_tensors(); ++i) {
        const SafeTensor* t = f.find("model/" + fresh.store().info(i).name);
        ASSERT_NE(t, nullptr);
        auto expected = fresh.store().view(i).param;
        EXPECT_EQ(0, std::memcmp(t->data.data(), expected.data(), t->data.size())) << t->name;
    }
    const SafeTensor* mean = f.find("model_buffers/bn1.running_mean");
    ASSERT_NE(mean, nullptr);
    for (std::size_t k = 0; k < mean->data.size() / 4; ++k) {
        float v;
        std::memcpy(&v, mean->data.data() + 4 * k, 4);
        EXPECT_EQ(v, 0.0f);
    }
    EXPECT_NE(f.metadata.at("optimizer/groups").find("\"step\":0"), std::string::npos);

    c.max_consecutive = 3;
    try {
        train(c, {"", "", ""}, {}, &data);
        FAIL();
    } catch (const NonFiniteError& e) {
        EXPECT_NE(std::string(e.what()).find("gave up after 4 non-finite steps in a row"), std::string::npos)
            << e.what();
    }
}

TEST_F(Trainer, ACorruptOrForeignCheckpointIsRefused) {
    TrainConfig c = small();
    c.epochs = 1;
    train(c, {"", dir / "a.st", ""}, {}, &data);
    {
        std::fstream f(dir / "a.st", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-3, std::ios::end);
        f.put('\x55');
    }
    c.epochs = 2;
    EXPECT_THROW(train(c, {"", dir / "b.st", dir / "a.st"}, {}, &data), IoError);
    SafetensorsFile other;
    other.metadata["hello"] = "world";
    write_safetensors(dir / "other.st", other);
    EXPECT_THROW(train(c, {"", "", dir / "other.st"}, {}, &data), IoError);
}

TEST_F(Trainer, StaleTemporaryCheckpointsAreRemovedAtStart) {
    std::ofstream(dir / "c.st.tmp.99999") << "torn";
    TrainConfig c = small();
    c.epochs = 1;
    train(c, {"", dir / "c.st", ""}, {}, &data);
    EXPECT_FALSE(std::filesystem::exists(dir / "c.st.tmp.99999"));
    EXPECT_TRUE(std::filesystem::exists(dir / "c.st"));
}

// Gradient accumulation: 4 batches of 32 per step are one step of a batch of 128 on the same
// samples (the shuffled order does not depend on the batch size), up to float32's summation
// order; iterations, the optimizer's step counter and a per-iteration schedule count steps.
TEST_F(Trainer, AccumulatingFourBatchesOf32IsOneBatchOf128) {
    auto run = [&](std::size_t batch, std::int64_t accumulate, const std::string& name) {
        TrainConfig c = small();
        c.epochs = 2;
        c.batch = batch;
        c.accumulate = accumulate;
        c.optimizer = "sgd";
        c.hyper = {{"lr", 0.1}, {"momentum", 0.9}};
        c.schedule = "cosine:10,2";
        c.schedule_unit = "iteration";
        const TrainResult r = train(c, {"", dir / name, ""}, {}, &data);
        return std::pair{r, read_safetensors(dir / name)};
    };
    const auto [big, big_file] = run(128, 1, "big.st");
    const auto [small_batches, small_file] = run(32, 4, "small.st");
    EXPECT_EQ(small_batches.iterations, big.iterations);  // 640/128 = 5 steps an epoch
    EXPECT_EQ(small_batches.iterations, 10);
    EXPECT_EQ(small_batches.epochs.back().lr, big.epochs.back().lr);
    EXPECT_NEAR(small_batches.epochs.back().train_loss, big.epochs.back().train_loss, 1e-6);
    ASSERT_EQ(small_file.tensors.size(), big_file.tensors.size());
    for (std::size_t i = 0; i < big_file.tensors.size(); ++i) {
        const auto& a = big_file.tensors[i];
        const auto& b = small_file.tensors[i];
        ASSERT_EQ(a.name, b.name);
        std::vector<float> x(a.data.size() / 4), y(b.data.size() / 4);
        std::memcpy(x.data(), a.data.data(), a.data.size());
        std::memcpy(y.data(), b.data.data(), b.data.size());
        for (std::size_t k = 0; k < x.size(); ++k) {
            EXPECT_NEAR(x[k], y[k], 1e-5f * (1 + std::abs(x[k]))) << a.name << " element " << k;
        }
    }
    EXPECT_NE(big_file.metadata.at("optimizer/groups").find("\"step\":10"), std::string::npos);
    EXPECT_NE(small_file.metadata.at("optimizer/groups").find("\"step\":10"), std::string::npos);
}

TEST_F(Trainer, RefusesBadSettings) {
    auto error = [&](auto change) {
        TrainConfig c = small();
        change(c);
        try {
            train(c, {"", "", ""}, {}, &data);
        } catch (const InvalidArgument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(error([](TrainConfig& c) { c.batch = 0; }).find("batch = 0"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.epochs = 0; }).find("epochs = 0"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.batch = 1000; }).find("at most the 640 training samples"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.net = "784-10"; }).find("takes 784 inputs, the data has 16"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.net = "16-5"; }).find("has 5 outputs"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.init = "glorious"; }).find("init 'glorious'"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.hyper["lr"] = -1.0; }).find("invalid lr = -1"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.clip = "norm:-1"; }).find("threshold"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.schedule = "cosine:0"; }).find("total"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.dropout = 1.0; }).find("dropout"), std::string::npos);
    EXPECT_NE(error([](TrainConfig& c) { c.accumulate = 0; }).find("accumulate = 0"), std::string::npos);
}

}  // namespace
}  // namespace optlab
