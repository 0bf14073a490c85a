// SPDX-License-Identifier: MIT
// Resume equals never stopping, for every schedule: N epochs straight and the same run stopped
// — at an epoch's end, or by a signal in the middle of one — then resumed from its checkpoint
// end in the same checkpoint file, byte for byte (single thread: the parameters, the optimizer's
// state and learning rates, the schedule's state, the sampler and the loop's counters). Each
// schedule is stepped per epoch and per iteration, and each case checks that its learning rate
// really moves after the stop, so the resumed part has something to get wrong.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include <nlohmann/json.hpp>

#include "optlab/io/safetensors.hpp"
#include "optlab/train/trainer.hpp"
#include "../same_file.hpp"
#include "synthetic.hpp"

namespace optlab {
namespace {

struct ScheduleCase {
    const char* name;
    const char* schedule;
    const char* unit;
};
void PrintTo(const ScheduleCase& c, std::ostream* os) { *os << c.schedule << " per " << c.unit; }

class EverySchedule : public ::testing::TestWithParam<ScheduleCase> {
  protected:
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                ("optlab_resume_" + std::to_string(::getpid()));
    TrainTest data = test::synthetic_split(640, 200);
    // Stopped after epoch 1: the first epoch after the resume is where a forgotten plateau
    // (best loss, bad-epoch count) would decide differently. The signal lands in epoch 2.
    static constexpr std::int64_t kEpochs = 4, kStopAfter = 1, kSignalEpoch = 2;

    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    TrainConfig config() const {
        TrainConfig c;
        c.net = "16-24-24-10";
        c.batch = 32;
        c.epochs = kEpochs;
        c.threads = 1;
        c.validation = 64;  // what a per-epoch plateau watches
        c.dropout = 0.1;    // the dropout generator must resume too
        c.optimizer = "sgd";
        c.hyper = {{"lr", 0.5}, {"momentum", 0.9}};
        c.schedule = GetParam().schedule;
        c.schedule_unit = GetParam().unit;
        return c;
    }
};

INSTANTIATE_TEST_SUITE_P(
    Resume, EverySchedule,
    ::testing::Values(ScheduleCase{"constant_per_epoch", "constant", "epoch"},
                      ScheduleCase{"constant_per_iteration", "constant", "iteration"},
                      ScheduleCase{"step_per_epoch", "step:1,0.5", "epoch"},
                      ScheduleCase{"step_per_iteration", "step:15,0.5", "iteration"},
                      ScheduleCase{"exponential_per_epoch", "exponential:0.7", "epoch"},
                      ScheduleCase{"exponential_per_iteration", "exponential:0.98", "iteration"},
                      ScheduleCase{"linear_warmup_per_epoch", "linear-warmup:3,0.1", "epoch"},
                      ScheduleCase{"linear_warmup_per_iteration", "linear-warmup:60,0.1", "iteration"},
                      ScheduleCase{"cosine_per_epoch", "cosine:4,1", "epoch"},
                      ScheduleCase{"cosine_per_iteration", "cosine:80,10", "iteration"},
                      ScheduleCase{"multistep_per_epoch", "multistep:2,3", "epoch"},
                      ScheduleCase{"multistep_per_iteration", "multistep:20,40,gamma=0.5", "iteration"},
                      ScheduleCase{"polynomial_per_epoch", "polynomial:4", "epoch"},
                      ScheduleCase{"polynomial_per_iteration", "polynomial:72,power=2", "iteration"},
                      ScheduleCase{"cosine_annealing_per_epoch", "cosine-annealing:3", "epoch"},
                      ScheduleCase{"cosine_annealing_per_iteration", "cosine-annealing:30,eta_min=0.01", "iteration"},
                      ScheduleCase{"cosine_restarts_per_epoch", "cosine-restarts:2", "epoch"},
                      ScheduleCase{"cosine_restarts_per_iteration", "cosine-restarts:10,T_mult=2", "iteration"},
                      ScheduleCase{"cyclic_per_epoch", "cyclic:0.05,0.5,step_size_up=1", "epoch"},
                      ScheduleCase{"cyclic_per_iteration", "cyclic:0.05,0.5,step_size_up=7,mode=triangular2", "iteration"},
                      ScheduleCase{"one_cycle_per_epoch", "one-cycle:0.5,4", "epoch"},
                      ScheduleCase{"one_cycle_per_iteration", "one-cycle:0.5,72", "iteration"},
                      ScheduleCase{"sequential_per_epoch", "sequential:linear-warmup:2,0.2@2|exponential:0.5", "epoch"},
                      ScheduleCase{"sequential_per_iteration", "sequential:linear-warmup:10,0.1@10|cosine-annealing:62", "iteration"},
                      ScheduleCase{"chained_per_iteration", "chained:exponential:0.99|multistep:30,gamma=0.5", "iteration"},
                      ScheduleCase{"plateau_per_epoch", "plateau:0.5,0", "epoch"},
                      ScheduleCase{"plateau_per_iteration", "plateau:0.5,3", "iteration"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_P(EverySchedule, StoppedAtAnEpochsEndAndResumedEqualsNeverStopping) {
    TrainConfig c = config();
    const TrainResult straight = train(c, {"", dir / "straight.st", ""}, {}, &data);
    c.epochs = kStopAfter;
    train(c, {"", dir / "split.st", ""}, {}, &data);
    c.epochs = kEpochs;
    train(c, {"", dir / "split.st", dir / "split.st"}, {}, &data);
    EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "split.st"));
    if (std::string(GetParam().schedule) != "constant") {
        EXPECT_NE(straight.epochs.at(kStopAfter - 1).lr, straight.epochs.back().lr)
            << "the learning rate does not move after the stop: the case tests nothing of the schedule";
    }
}

TEST_P(EverySchedule, StoppedBySignalMidEpochAndResumedEqualsNeverStopping) {
    TrainConfig c = config();
    train(c, {"", dir / "straight.st", ""}, {}, &data);
    TrainObserver stop;
    stop.iteration = [](std::int64_t epoch, std::int64_t batch, std::int64_t, double, double) {
        if (epoch == kSignalEpoch && batch == 7) request_stop(SIGTERM);
    };
    const TrainResult stopped = train(c, {"", dir / "split.st", ""}, stop, &data);
    ASSERT_TRUE(stopped.interrupted);
    train(c, {"", dir / "split.st", dir / "split.st"}, {}, &data);
    EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "split.st"));
}

// Schedule-Free trains at y and is evaluated at x: a checkpoint's model is x (what a user
// loads), its optimizer state keeps y and z, and a resumed run — at an epoch's end or after a
// signal mid-epoch — is the run that never stopped.
class ScheduleFreeRun : public ::testing::TestWithParam<const char*> {
  protected:
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                ("optlab_resume_sf_" + std::to_string(::getpid()));
    TrainTest data = test::synthetic_split(640, 200);
    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
};

INSTANTIATE_TEST_SUITE_P(Resume, ScheduleFreeRun, ::testing::Values("schedule-free-adamw", "schedule-free-sgd"),
                         [](const auto& info) { return std::string(info.param).substr(14); });

TEST_P(ScheduleFreeRun, SavesTheAverageAndResumesExactly) {
    TrainConfig c;
    c.net = "16-24-10";
    c.batch = 32;
    c.epochs = 3;
    c.threads = 1;
    c.optimizer = GetParam();
    c.hyper = {{"lr", std::string(GetParam()) == "schedule-free-sgd" ? 0.1 : 0.01}, {"warmup_steps", 5.0}};
    train(c, {"", dir / "straight.st", ""}, {}, &data);
    c.epochs = 1;
    train(c, {"", dir / "split.st", ""}, {}, &data);
    c.epochs = 3;
    train(c, {"", dir / "split.st", dir / "split.st"}, {}, &data);
    EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "split.st"));
    TrainObserver stop;
    stop.iteration = [](std::int64_t epoch, std::int64_t batch, std::int64_t, double, double) {
        if (epoch == 2 && batch == 5) request_stop(SIGTERM);
    };
    ASSERT_TRUE(train(c, {"", dir / "signal.st", ""}, stop, &data).interrupted);
    train(c, {"", dir / "signal.st", dir / "signal.st"}, {}, &data);
    EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "signal.st"));
    // The model saved is x = lerp(y, z, 1 − 1/β) of the training point y and the sequence z.
    const SafetensorsFile f = read_safetensors(dir / "straight.st");
    const float beta = 0.9f, w = float(1.0 - 1.0 / 0.9);
    auto floats = [&](const std::string& name) {
        const SafeTensor* t = f.find(name);
        EXPECT_NE(t, nullptr) << name;
        std::vector<float> v(t ? t->data.size() / 4 : 0);
        if (t) std::memcpy(v.data(), t->data.data(), t->data.size());
        return v;
    };
    const auto x = floats("model/layer1.weight"), y = floats("optimizer/layer1.weight/train_point"),
               z = floats("optimizer/layer1.weight/z");
    ASSERT_EQ(x.size(), y.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        differ += x[i] != y[i];
        EXPECT_EQ(x[i], y[i] + w * (z[i] - y[i])) << "element " << i;  // torch's lerp, |w| < 0.5
    }
    EXPECT_GT(differ, x.size() / 2) << "x and y should differ after training (β = " << beta << ")";
}

// With gradient accumulation a step spans several batches (3 here, and the 2 left at an
// epoch's end): a signal stops at a step's boundary, and resuming continues exactly.
class Accumulation : public EverySchedule {};
INSTANTIATE_TEST_SUITE_P(Resume, Accumulation,
                         ::testing::Values(ScheduleCase{"cosine_per_iteration", "cosine:80,10", "iteration"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(Accumulation, AccumulatingStepsResumeExactly) {
    TrainConfig c = config();
    c.accumulate = 3;
    train(c, {"", dir / "straight.st", ""}, {}, &data);
    TrainObserver stop;
    stop.iteration = [](std::int64_t epoch, std::int64_t batch, std::int64_t, double, double) {
        if (epoch == kSignalEpoch && batch == 9) request_stop(SIGTERM);  // after the third step
    };
    ASSERT_TRUE(train(c, {"", dir / "split.st", ""}, stop, &data).interrupted);
    train(c, {"", dir / "split.st", dir / "split.st"}, {}, &data);
    EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "split.st"));
}

// Lookahead and weight EMA, with accumulation (3 batches a step): the checkpoint's model is the
// slow weights / the average, the optimizer's state keeps the fast weights; the wrapper counts
// optimizer steps, not batches; stopped by a signal and resumed equals never stopping.
class WrappedRun : public EverySchedule {
  protected:
    void check(TrainConfig c, const std::string& kept) {
        c.accumulate = 3;
        train(c, {"", dir / "straight.st", ""}, {}, &data);
        TrainObserver stop;
        stop.iteration = [](std::int64_t epoch, std::int64_t batch, std::int64_t, double, double) {
            if (epoch == kSignalEpoch && batch == 12) request_stop(SIGTERM);  // after the fourth step
        };
        ASSERT_TRUE(train(c, {"", dir / "split.st", ""}, stop, &data).interrupted);
        train(c, {"", dir / "split.st", dir / "split.st"}, {}, &data);
        EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "split.st"));

        const SafetensorsFile f = read_safetensors(dir / "straight.st");
        const auto loop = nlohmann::json::parse(f.metadata.at("checkpoint/loop"));
        const auto groups = nlohmann::json::parse(f.metadata.at("optimizer/groups"));
        EXPECT_EQ(groups[0]["step"], loop["iteration"]);
        EXPECT_EQ(groups[0]["scalars"]["inner.step"].get<double>(), loop["iteration"].get<double>());
        const SafeTensor* model = f.find("model/layer1.weight");
        const SafeTensor* average = f.find("optimizer/layer1.weight/" + kept);
        const SafeTensor* fast = f.find("optimizer/layer1.weight/train_point");
        ASSERT_TRUE(model && average && fast);
        EXPECT_EQ(model->data, average->data) << "the model saved is the " << kept << " weights";
        EXPECT_NE(model->data, fast->data) << "the fast weights are kept beside it";
    }
};
INSTANTIATE_TEST_SUITE_P(Resume, WrappedRun,
                         ::testing::Values(ScheduleCase{"cosine_per_iteration", "cosine:80,10", "iteration"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(WrappedRun, LookaheadResumesExactly) {
    TrainConfig c = config();
    // 6 steps an epoch, 24 in all, none of them a synchronisation at the end (the fast weights
    // then differ from the slow ones); the signal comes after step 10, right after one (k = 5)
    // and between two (k = 7).
    c.lookahead = "5,0.5";
    check(c, "slow");
    c.lookahead = "7,0.5";
    check(c, "slow");
}

TEST_P(WrappedRun, WeightEmaResumesExactly) {
    TrainConfig c = config();
    c.ema = 0.9;
    check(c, "ema");
}

// SWA, with accumulation (3 batches a step, 6 steps an epoch, 24 in all): its average from step
// swa_start + 1 on, SWALR's lr in place of the schedule's from then. Stopped at an epoch's end
// (step 6) and by a signal (after step 10) — before averaging starts (swa_start 12), and in the
// middle of SWALR's anneal (swa_start 7, 5 steps of it) — then resumed: the run that never
// stopped, byte for byte; the checkpoint's model is the average, the last epochs' lr swa_lr.
class SwaRun : public WrappedRun {
  protected:
    void check_swa(const SwaOptions& swa) {
        TrainConfig c = config();
        c.swa = swa;
        check(c, "swa_model");  // the signal's stop
        c.accumulate = 3;
        const TrainResult straight = train(c, {"", dir / "straight.st", ""}, {}, &data);
        c.epochs = kStopAfter;
        train(c, {"", dir / "epoch.st", ""}, {}, &data);
        c.epochs = kEpochs;
        train(c, {"", dir / "epoch.st", dir / "epoch.st"}, {}, &data);
        EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "epoch.st"));
        EXPECT_EQ(straight.epochs.back().lr, swa.swa_lr) << "SWALR holds swa_lr after its anneal";
        EXPECT_NE(straight.epochs.at(kStopAfter - 1).lr, swa.swa_lr);
        const SafetensorsFile f = read_safetensors(dir / "straight.st");
        const auto groups = nlohmann::json::parse(f.metadata.at("optimizer/groups"));
        EXPECT_EQ(groups[0]["scalars"]["n_averaged"].get<double>(), double(24 - swa.swa_start));
    }
};
INSTANTIATE_TEST_SUITE_P(Resume, SwaRun,
                         ::testing::Values(ScheduleCase{"cosine_per_iteration", "cosine:80,10", "iteration"},
                                           ScheduleCase{"step_per_epoch", "step:1,0.5", "epoch"},
                                           ScheduleCase{"plateau_per_epoch", "plateau:0.5,0", "epoch"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(SwaRun, StoppedMidAnnealAndResumedEqualsNeverStopping) { check_swa({7, 0.05, 5, "cos"}); }

TEST_P(SwaRun, StoppedBeforeAveragingAndResumedEqualsNeverStopping) { check_swa({12, 0.02, 3, "linear"}); }

// --optimizer muon: Muon for the matrices, AdamW (--adamw-lr) for the biases, as one
// "muon+adamw" whose two groups the schedule scales alike; resumed after a signal, exact.
class MuonRun : public EverySchedule {};
INSTANTIATE_TEST_SUITE_P(Resume, MuonRun,
                         ::testing::Values(ScheduleCase{"cosine_per_iteration", "cosine:80,10", "iteration"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(MuonRun, MatricesAndBiasesResumeExactly) {
    TrainConfig c = config();
    c.optimizer = "muon";
    c.hyper = {{"lr", 0.02}};
    c.adamw_lr = 0.004;
    train(c, {"", dir / "straight.st", ""}, {}, &data);
    TrainObserver stop;
    stop.iteration = [](std::int64_t epoch, std::int64_t batch, std::int64_t, double, double) {
        if (epoch == kSignalEpoch && batch == 7) request_stop(SIGTERM);
    };
    ASSERT_TRUE(train(c, {"", dir / "split.st", ""}, stop, &data).interrupted);
    train(c, {"", dir / "split.st", dir / "split.st"}, {}, &data);
    EXPECT_TRUE(test::same_file(dir / "straight.st", dir / "split.st"));
    const SafetensorsFile f = read_safetensors(dir / "straight.st");
    EXPECT_EQ(f.metadata.at("optimizer/optimizer"), "muon+adamw");
    const auto groups = nlohmann::json::parse(f.metadata.at("optimizer/groups"));
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0]["params"][0], "layer1.weight");
    EXPECT_EQ(groups[1]["params"][0], "layer1.bias");
    // Both lrs scaled by the same cosine factor from their bases (0.02 and 0.004).
    EXPECT_DOUBLE_EQ(groups[0]["hyper"]["lr"].get<double>() / 0.02, groups[1]["hyper"]["lr"].get<double>() / 0.004);
    EXPECT_NE(f.find("optimizer/layer1.weight/momentum_buffer"), nullptr);
    EXPECT_NE(f.find("optimizer/layer1.bias/exp_avg"), nullptr);
}

}  // namespace
}  // namespace optlab
