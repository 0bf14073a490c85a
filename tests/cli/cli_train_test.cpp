// SPDX-License-Identifier: MIT
// `optlab train` and the figure commands through the binary: outputs, resume, signals, kill -9
// at random points, numerics, and the flags they refuse.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "../same_file.hpp"
#include "cli_support.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/io/safetensors.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab {
namespace {

TEST_F(CliTrain, JsonSummaryIsTheLastLineAndOutputsAreWritten) {
    const CliRun r = optlab_run(base("--epochs 3 --json --out '" + (dir / "out").string() + "'"));
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
    const auto j = nlohmann::json::parse(last);
    for (const char* key : {"test_accuracy", "test_loss", "train_loss", "epochs", "iterations",
                            "seconds", "samples_per_second"}) {
        EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_EQ(j["epochs"], 3);
    EXPECT_EQ(j["iterations"], 48);
    EXPECT_GT(j["test_accuracy"].get<double>(), 0.5);
    EXPECT_EQ(j["net"], "16-32-10");
    EXPECT_EQ(j["model"], "16-32-10 relu");
    for (const char* f : {"iterations.csv", "epochs.csv", "epochs.json", "summary.json"}) {
        EXPECT_TRUE(std::filesystem::exists(dir / "out" / f)) << f;
    }
}

TEST_F(CliTrain, LinesOffATerminalAndASummaryLine) {
    const CliRun r = optlab_run(std::string("train --data '") + (dir / "data").string() +
                                "' --net 16-32-10 --batch 32 --epochs 2 --optimizer sgd --momentum 0.9 "
                                "--schedule step:1,0.5 --clip global-norm:1");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("epoch 1/2: train loss"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("\r"), std::string::npos) << "no progress bar off a terminal";
    EXPECT_NE(r.out.find("optlab train: 2 epochs"), std::string::npos) << r.out;
}

TEST_F(CliTrain, ResumeRefusesAnotherArchitectureByName) {
    const std::string ck = (dir / "ck.safetensors").string();
    ASSERT_EQ(optlab_run(base("--epochs 1 --checkpoint '" + ck + "'")).code, 0);
    const CliRun other = optlab_run(base("--net 16-8-10 --epochs 2 --resume '" + ck + "'"));
    EXPECT_EQ(other.code, 2);
    EXPECT_NE(other.err.find("--net 16-8-10 differs from the checkpoint's 16-32-10"), std::string::npos) << other.err;
    const CliRun ok = optlab_run(base("--epochs 2 --resume '" + ck + "' --json"));
    EXPECT_EQ(ok.code, 0) << ok.err;
    EXPECT_NE(ok.out.find("\"epochs\":2"), std::string::npos) << ok.out;
}

// A run with a wrapper resumes with it unasked (it is part of the optimizer's state), and
// refuses another; a run stopped by --max-iterations leaves a checkpoint to go on from.
TEST_F(CliTrain, ResumeKeepsTheWrapperAndGoesOnAfterMaxIterations) {
    const std::string ck = (dir / "ema.safetensors").string();
    ASSERT_EQ(optlab_run(base("--epochs 2 --max-iterations 10 --ema 0.9 --checkpoint '" + ck + "'")).code, 0);
    ASSERT_TRUE(std::filesystem::exists(ck));
    const CliRun other = optlab_run(base("--epochs 2 --lookahead 5,0.5 --resume '" + ck + "'"));
    EXPECT_EQ(other.code, 2);
    EXPECT_NE(other.err.find("--lookahead 5,0.5 differs from the checkpoint's"), std::string::npos) << other.err;
    const CliRun more = optlab_run(base("--epochs 2 --max-iterations 20 --resume '" + ck + "' --json"));
    EXPECT_EQ(more.code, 0) << more.err;
    EXPECT_NE(more.out.find("\"iterations\":20"), std::string::npos) << more.out;
    EXPECT_NE(more.out.find("\"ema\":0.9"), std::string::npos) << more.out;
}

// SWA through the CLI: the summary and the checkpoint say so, the model saved is the average,
// the lr is the schedule's through step --swa-start and SWALR's after (swa_lr once annealed);
// a resume keeps SWA unasked and refuses other SWA flags, naming them.
TEST_F(CliTrain, SwaTrainsEvaluatesAtTheAverageAndResumesWithIt) {
    const std::string ck = (dir / "swa.safetensors").string(), out = (dir / "swa").string(), plain = (dir / "plain").string();
    const std::string common = "--optimizer sgd --lr 0.1 --schedule exponential:0.9 --schedule-unit iteration ";
    const std::string swa = "--swa-start 10 --swa-lr 0.02 --swa-anneal-epochs 4";
    const CliRun r = optlab_run(base(common + swa + " --epochs 2 --json --checkpoint '" + ck + "' --out '" + out + "'"));
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_EQ(optlab_run(base(common + "--epochs 2 --out '" + plain + "'")).code, 0);
    const auto summary = nlohmann::json::parse(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1));
    EXPECT_EQ(summary["swa"], nlohmann::json::parse(R"({"swa_start": 10, "swa_lr": 0.02, "anneal_epochs": 4, "anneal_strategy": "cos"})"));
    auto lrs = [](const std::string& folder) {
        std::ifstream in(std::filesystem::path(folder) / "iterations.csv");
        std::string line;
        std::getline(in, line);
        const std::size_t column = std::size_t(std::count(line.begin(), line.begin() + std::ptrdiff_t(line.find("lr")), ','));
        std::vector<std::string> out;
        while (std::getline(in, line)) {
            std::stringstream cells(line);
            std::string cell;
            for (std::size_t i = 0; i <= column; ++i) std::getline(cells, cell, ',');
            out.push_back(cell);
        }
        return out;
    };
    const std::vector<std::string> with_swa = lrs(out), without = lrs(plain);
    ASSERT_EQ(with_swa.size(), 32u);
    ASSERT_EQ(without.size(), with_swa.size());
    for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(with_swa[i], without[i]) << "iteration " << i + 1;
    for (std::size_t i = 10; i < with_swa.size(); ++i) EXPECT_NE(with_swa[i], without[i]) << "iteration " << i + 1;
    for (std::size_t i = 13; i < with_swa.size(); ++i) EXPECT_EQ(std::stod(with_swa[i]), 0.02) << "iteration " << i + 1;
    const SafetensorsFile f = read_safetensors(ck);
    EXPECT_EQ(f.metadata.at("optimizer/optimizer"), "sgd+swa");
    EXPECT_EQ(f.find("model/layer1.weight")->data, f.find("optimizer/layer1.weight/swa_model")->data);
    EXPECT_NE(f.find("model/layer1.weight")->data, f.find("optimizer/layer1.weight/train_point")->data);
    const CliRun other = optlab_run(base(common + "--swa-start 10 --swa-lr 0.03 --epochs 3 --resume '" + ck + "'"));
    EXPECT_EQ(other.code, 2);
    EXPECT_NE(other.err.find("--swa-lr 0.03 differs from the checkpoint's 0.02"), std::string::npos) << other.err;
    const CliRun none = optlab_run(base("--optimizer sgd --epochs 3 --swa-start 11 --swa-lr 0.02 --resume '" + ck + "'"));
    EXPECT_NE(none.err.find("--swa-start 11 differs from the checkpoint's 10"), std::string::npos) << none.err;
    const CliRun more = optlab_run(base("--optimizer sgd --epochs 3 --resume '" + ck + "' --json"));
    EXPECT_EQ(more.code, 0) << more.err;
    EXPECT_NE(more.out.find("\"swa\":{\"anneal_epochs\":4"), std::string::npos) << more.out;
}

// --optimizer muon trains the matrices with Muon and the biases with AdamW at --adamw-lr.
TEST_F(CliTrain, MuonTrainsWithAdamWForTheBiases) {
    const std::string ck = (dir / "muon.safetensors").string();
    const CliRun r = optlab_run(base("--optimizer muon --lr 0.02 --adamw-lr 0.003 --epochs 1 --json --checkpoint '" + ck + "'"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("\"optimizer\":\"muon\""), std::string::npos) << r.out;
    const SafetensorsFile f = read_safetensors(ck);
    EXPECT_EQ(f.metadata.at("optimizer/optimizer"), "muon+adamw");
    EXPECT_NE(f.metadata.at("optimizer/groups").find("\"lr\":0.003"), std::string::npos);
    const CliRun other = optlab_run(base("--optimizer muon --lr 0.02 --adamw-lr 0.01 --epochs 2 --resume '" + ck + "'"));
    EXPECT_EQ(other.code, 2);
    EXPECT_NE(other.err.find("--adamw-lr 0.01 differs from the checkpoint's 0.003"), std::string::npos) << other.err;
    EXPECT_EQ(optlab_run(base("--optimizer muon --lr 0.02 --epochs 2 --resume '" + ck + "'")).code, 0);
    const CliRun bad = optlab_run(base("--optimizer muon --ns-steps 100"));
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("ns_steps = 100"), std::string::npos) << bad.err;
    const CliRun fn = optlab_run(base("--optimizer muon --adjust-lr-fn sqrt"));
    EXPECT_EQ(fn.code, 2);
    EXPECT_NE(fn.err.find("adjust_lr_fn 'sqrt' (expected original or match_rms_adamw)"), std::string::npos) << fn.err;
}

// L-BFGS trains through the loop's closure: every iteration re-evaluates the same batch as often
// as the step asks, the log and the summary count those evaluations, --max-evaluations stops the
// run by them, and a checkpoint resumes it (its history included) to the uninterrupted run's bits.
TEST_F(CliTrain, LbfgsCountsItsEvaluationsAndResumes) {
    const std::string flags = "--optimizer lbfgs --lr 0.5 --max-iter 4 --history-size 5 --epochs 1 --max-iterations 6 ";
    const std::string out = (dir / "lbfgs").string(), ck = (dir / "lbfgs.safetensors").string();
    const CliRun r = optlab_run(base(flags + "--json --out '" + out + "'"));
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string last_line = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
    const auto summary = nlohmann::json::parse(last_line);
    const auto rows = csv(slurp(out + "/iterations.csv"));
    ASSERT_EQ(rows.size(), 7u);  // the header and 6 iterations
    EXPECT_EQ(rows[0].back(), "evaluations");
    std::int64_t evaluations = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const std::int64_t e = std::stoll(rows[i].back());
        EXPECT_GE(e, 1);
        EXPECT_LE(e, 5);  // max_eval: ⌊4·5/4⌋
        evaluations += e;
    }
    EXPECT_GT(evaluations, 6) << "L-BFGS re-evaluates within its steps";
    EXPECT_EQ(summary.at("iterations"), 6);
    EXPECT_EQ(summary.at("evaluations"), evaluations);

    // --max-evaluations stops after the iteration that reaches it.
    const CliRun capped = optlab_run(base("--optimizer lbfgs --lr 0.5 --max-iter 4 --epochs 1 --max-evaluations 7 --json"));
    ASSERT_EQ(capped.code, 0) << capped.err;
    EXPECT_NE(capped.out.find("\"iterations\":2,"), std::string::npos) << capped.out;

    // Three iterations, a checkpoint, three more: the uninterrupted run's losses.
    const std::string half = (dir / "lbfgs-half").string();
    ASSERT_EQ(optlab_run(base("--optimizer lbfgs --lr 0.5 --max-iter 4 --history-size 5 --epochs 1 --max-iterations 3 "
                              "--checkpoint '" + ck + "' --out '" + half + "'")).code, 0);
    const CliRun resumed = optlab_run(base(flags + "--resume '" + ck + "' --out '" + half + "'"));
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    EXPECT_EQ(slurp(half + "/iterations.csv"), slurp(out + "/iterations.csv"));

    const CliRun bad = optlab_run(base("--optimizer lbfgs --line-search-fn armijo"));
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("line_search_fn 'armijo' (expected fixed — torch's None — or strong_wolfe)"), std::string::npos) << bad.err;
}

// optlab trajectory with L-BFGS: its JSON rows count the evaluations each step made.
TEST(CliTrajectoryLbfgs, RowsCountTheEvaluations) {
    const CliRun r = optlab_run("trajectory --function rosenbrock --optimizer lbfgs --line-search-fn strong_wolfe "
                                "--steps 3 --format json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.at("path").size(), 4u);
    EXPECT_EQ(j.at("path")[0].at("evaluations"), 0);
    EXPECT_EQ(j.at("path")[1].at("evaluations"), 25);  // torch 1.13's first step here (tests/reference/torch_lbfgs.json)
    EXPECT_LT(j.at("path")[3].at("f").get<double>(), 1e-6);
}

TEST_F(CliTrain, SigtermSavesACheckpointAndExitsWith143) {
    const std::string ck = (dir / "sig.safetensors").string();
    const std::string cmd = std::string("'") + OPTLAB_CLI + "' " + base("--epochs 100000 --checkpoint '" + ck + "'") + " " +
                            ">/dev/null 2>'" + (dir / "err").string() + "' & pid=$!; " +
                            "for i in $(seq 200); do [ -f '" + ck + "' ] && break; sleep 0.05; done; " +
                            "kill -TERM $pid; wait $pid; exit $?";
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 143);
    EXPECT_NE(slurp((dir / "err").string()).find("interrupted by signal 15"), std::string::npos);
    const CliRun resumed = optlab_run(base("--epochs 1 --resume '" + ck + "' --json"));
    EXPECT_EQ(resumed.code, 0) << resumed.err;  // a whole, loadable checkpoint
}

struct BadTrain {
    const char* name;  // the test's name
    const char* args;
    const char* message;
};
void PrintTo(const BadTrain& c, std::ostream* os) { *os << "train " << c.args; }

class CliTrainBad : public CliTrain, public ::testing::WithParamInterface<BadTrain> {};

TEST_P(CliTrainBad, ExitTwoWithTheFlagNamed) {
    const CliRun r = optlab_run(base(GetParam().args));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CliTrainBad,
    ::testing::Values(BadTrain{"zero_batch", "--batch 0", "batch = 0"},
                      BadTrain{"batch_above_the_data", "--batch 100000", "at most the 512 training samples"},
                      BadTrain{"zero_epochs", "--epochs 0", "epochs = 0"},
                      BadTrain{"negative_epochs", "--epochs -3", "epochs = -3"},
                      BadTrain{"unknown_init", "--init glorot2", "init 'glorot2'"},
                      BadTrain{"unknown_activation", "--activation gelu", "activation: unknown name 'gelu'"},
                      BadTrain{"net_inputs_not_the_datas", "--net 784-10", "takes 784 inputs, the data has 16"},
                      BadTrain{"beta2_of_one", "--optimizer adam --betas 0.9,1", "invalid betas[1] = 1"},
                      BadTrain{"unknown_schedule", "--schedule warm:3", "schedule: unknown kind 'warm'"},
                      BadTrain{"unknown_clip", "--clip l1:3", "clip: unknown kind 'l1'"},
                      BadTrain{"missing_data_folder", "--data /nonexistent/dir", "/nonexistent/dir: not a directory"},
                      BadTrain{"unknown_nonfinite_policy", "--nonfinite ignore", "--nonfinite"},
                      BadTrain{"missing_checkpoint", "--resume /nonexistent.safetensors", "no such file"},
                      BadTrain{"lookahead_without_alpha", "--lookahead 5", "--lookahead: '5' is not K,ALPHA"},
                      BadTrain{"lookahead_k_zero", "--lookahead 0,0.5", "--lookahead K: '0' is not an integer >= 1"},
                      BadTrain{"lookahead_alpha_above_one", "--lookahead 5,1.5", "invalid ALPHA = 1.5"},
                      BadTrain{"ema_decay_of_one", "--ema 1", "--ema: invalid DECAY = 1"},
                      BadTrain{"lookahead_and_ema", "--lookahead 5,0.5 --ema 0.9", "--lookahead and --ema cannot be combined"},
                      BadTrain{"ema_around_schedule_free", "--optimizer schedule-free-adamw --ema 0.9",
                               "schedule-free-adamw evaluates at a point of its own"},
                      BadTrain{"swa_start_without_lr", "--swa-start 5", "--swa-start without --swa-lr"},
                      BadTrain{"swa_lr_without_start", "--swa-lr 0.01", "--swa-lr without --swa-start"},
                      BadTrain{"swa_anneal_without_swa", "--swa-anneal-strategy linear",
                               "--swa-anneal-strategy without --swa-start and --swa-lr"},
                      BadTrain{"swa_start_negative", "--swa-start -1 --swa-lr 0.01",
                               "--swa-start: invalid swa_start = -1 (expected an integer >= 0)"},
                      BadTrain{"swa_lr_zero", "--swa-start 5 --swa-lr 0", "--swa-lr: invalid swa_lr = 0 (expected a finite number > 0)"},
                      BadTrain{"swa_anneal_epochs_negative", "--swa-start 5 --swa-lr 0.01 --swa-anneal-epochs -2",
                               "--swa-anneal-epochs: invalid anneal_epochs = -2 (expected an integer >= 0)"},
                      BadTrain{"swa_anneal_strategy_unknown", "--swa-start 5 --swa-lr 0.01 --swa-anneal-strategy cosine",
                               "--swa-anneal-strategy: invalid anneal_strategy 'cosine' (expected cos or linear)"},
                      BadTrain{"swa_and_ema", "--swa-start 5 --swa-lr 0.01 --ema 0.9", "--ema and --swa-start cannot be combined"},
                      BadTrain{"swa_and_lookahead", "--swa-start 5 --swa-lr 0.01 --lookahead 5,0.5",
                               "--lookahead and --swa-start cannot be combined"},
                      BadTrain{"swa_around_schedule_free", "--optimizer schedule-free-sgd --swa-start 5 --swa-lr 0.01",
                               "schedule-free-sgd evaluates at a point of its own"}),
    case_name<BadTrain>);

TEST(CliTrainData, AnUnknownDatasetNameIsRefused) {
    const CliRun r = optlab_run("train --dataset cifar --progress none");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("dataset: unknown name 'cifar'"), std::string::npos) << r.err;
}


// ---- the figure commands ----------------------------------------------------------------------

TEST_F(CliTrain, FigureCommandsWriteTheirPicturesAndData) {
    const std::string out = (dir / "fig").string();
    const CliRun t = optlab_run("plot trajectories --function rosenbrock --optimizers adam:lr=0.05,momentum:lr=0.001 "
                                "--steps 100 --convention torch --out '" + out + "'");
    ASSERT_EQ(t.code, 0) << t.err;
    const CliRun c = optlab_run("compare --data '" + (dir / "data").string() + "' --net 16-32-10 --batch 32 "
                                "--iterations 60 --seeds 2 --optimizers sgd:lr=0.1,adam:lr=0.01 --threads 1 --out '" + out + "'");
    ASSERT_EQ(c.code, 0) << c.err;
    EXPECT_NE(c.out.find("SGD (lr 0.1)"), std::string::npos) << c.out;
    const CliRun s = optlab_run("compare --data '" + (dir / "data").string() + "' --net 16-32-10 --batch 32 "
                                "--iterations 30 --seeds 1 --optimizers sgd,adam --sweep lr=1e-3:1e-1:3 --threads 1 "
                                "--out '" + out + "'");
    ASSERT_EQ(s.code, 0) << s.err;
    const CliRun g = optlab_run("plot trajectories --grid lecture --out '" + out + "'");
    ASSERT_EQ(g.code, 0) << g.err;
    EXPECT_TRUE(std::filesystem::exists(dir / "fig" / "trajectories-lecture.png"));
    const CliRun h = optlab_run("init-histogram --samples 100 --out '" + out + "'");
    ASSERT_EQ(h.code, 0) << h.err;
    for (const char* f : {"trajectories-rosenbrock.png", "trajectories-rosenbrock.svg", "trajectories-rosenbrock.csv", "compare.png",
                          "compare.svg", "compare-curves.csv", "compare-table.csv", "compare-sweep.csv",
                          "init-histogram-relu.png", "init-histogram.csv"}) {
        EXPECT_TRUE(std::filesystem::exists(dir / "fig" / f)) << f;
    }
}

struct BadFigure {
    const char* name;  // the test's name
    const char* args;
    const char* message;
};
void PrintTo(const BadFigure& c, std::ostream* os) { *os << c.args; }

class CliFigureBad : public ::testing::TestWithParam<BadFigure> {};

TEST_P(CliFigureBad, ExitTwoWithTheProblemNamed) {
    const CliRun r = optlab_run(GetParam().args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CliFigureBad,
    ::testing::Values(BadFigure{"unknown_preset", "plot trajectories --preset figure9 --out /tmp", "unknown preset 'figure9'"},
                      BadFigure{"unknown_arm_optimizer", "plot trajectories --optimizers sgdd --out /tmp", "unknown name 'sgdd'"},
                      BadFigure{"arm_lr_not_a_number", "plot trajectories --optimizers sgd:lr=x --out /tmp", "'x' is not a finite number"},
                      BadFigure{"unknown_function", "plot trajectories --function nope --out /tmp", "function: unknown name 'nope'"},
                      BadFigure{"sweep_range_reversed", "compare --sweep lr=1:0.1:3", "0 < LO < HI"},
                      BadFigure{"sweep_of_another_parameter", "compare --sweep mu=1:2:3", "expected lr=LO:HI:N"},
                      BadFigure{"zero_seeds", "compare --seeds 0", "--seeds"},
                      BadFigure{"zero_layers", "init-histogram --layers 0", "--layers"},
                      BadFigure{"report_folder_not_creatable", "report --out /proc/optlab-report", "cannot create"}),
    case_name<BadFigure>);


// ---- kill -9 at random points, resume each time: the same final bytes -----------------------

TEST_F(CliTrain, KilledAtRandomPointsAndResumedEqualsAnUninterruptedRun) {
#ifdef __SANITIZE_ADDRESS__
    GTEST_SKIP() << "timing-based; it runs in the plain build";
#endif
    // About 5 s of training with a checkpoint every ~2 ms, so kills land in training and in writes.
    const std::string args = base("--net 16-64-64-10 --epochs 3000 --optimizer adam --dropout 0.1 "
                                  "--schedule cosine:3000,5");
    const std::string reference = (dir / "reference.st").string(), ck = (dir / "killed.st").string();
    ASSERT_EQ(optlab_run(args + " --checkpoint '" + reference + "'").code, 0);

    optlab::Rng rng(2026);
    int kills = 0, resumed = 0;
    for (int attempt = 0; attempt < 40 && kills < 12; ++attempt) {
        const bool resume = std::filesystem::exists(ck);
        const int delay_ms = 50 + int(rng.below(450));
        const std::string cmd = std::string("'") + OPTLAB_CLI + "' " + args + " --checkpoint '" + ck + "'" +
                                (resume ? " --resume '" + ck + "'" : std::string()) +
                                " >/dev/null 2>&1 & pid=$!; sleep " + std::to_string(delay_ms / 1000.0) +
                                "; kill -9 $pid 2>/dev/null && echo killed; wait $pid; exit 0";
        FILE* p = ::popen(cmd.c_str(), "r");
        char buf[64] = {0};
        const bool killed = std::fgets(buf, sizeof buf, p) != nullptr;
        ::pclose(p);
        kills += killed;
        resumed += resume;
        // Whatever the kill interrupted, the checkpoint on disk is whole (or absent).
        if (std::filesystem::exists(ck)) {
            EXPECT_NO_THROW(read_safetensors(ck)) << "attempt " << attempt;
        }
        if (!killed) break;  // the run finished before the kill
    }
    EXPECT_GE(kills, 10) << "too few kills landed inside the run";
    EXPECT_GE(resumed, 9);
    // Finish the run; a temporary file left by a kill during a write is swept at the start.
    const CliRun last = optlab_run(args + " --checkpoint '" + ck + "'" +
                                   (std::filesystem::exists(ck) ? " --resume '" + ck + "'" : std::string()));
    ASSERT_EQ(last.code, 0) << last.err;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
    }
    EXPECT_TRUE(test::same_file(reference, ck));
}

// A finite loss that explodes is divergence too: by default a warning (even with --progress
// none) and a "diverged" entry in the summary; under --divergence error, exit 4 and no
// checkpoint of the wrecked model.
TEST_F(CliTrain, AnExplodingFiniteLossIsReportedAsDivergence) {
    const CliRun warned = optlab_run(base("--optimizer sgd --lr 1000 --epochs 1 --json"));
    ASSERT_EQ(warned.code, 0) << warned.err;
    EXPECT_NE(warned.err.find("warning: diverged: the loss reached"), std::string::npos) << warned.err;
    EXPECT_NE(warned.err.find("times the first loss"), std::string::npos) << warned.err;
    auto last_line = [](const std::string& out) { return out.substr(out.rfind('\n', out.size() - 2) + 1); };
    const auto s = nlohmann::json::parse(last_line(warned.out));
    ASSERT_TRUE(s.contains("diverged")) << warned.out;
    EXPECT_GT(s["diverged"]["loss"].get<double>(), 1e6 * s["diverged"]["first_loss"].get<double>());
    const CliRun stopped = optlab_run(base("--optimizer sgd --lr 1000 --epochs 1 --divergence error --checkpoint '" +
                                           (dir / "diverged.st").string() + "'"));
    EXPECT_EQ(stopped.code, 4) << stopped.err;
    EXPECT_NE(stopped.err.find("(--divergence error)"), std::string::npos) << stopped.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "diverged.st")) << "a checkpoint of a diverged run";
    // A learning rate that learns is not flagged.
    const CliRun fine = optlab_run(base("--epochs 1 --json"));
    ASSERT_EQ(fine.code, 0) << fine.err;
    EXPECT_EQ(fine.err.find("diverged"), std::string::npos) << fine.err;
    EXPECT_FALSE(nlohmann::json::parse(last_line(fine.out)).contains("diverged"));
}

// Numerics through `optlab train`: a NaN loss under --nonfinite error and skip, a learning rate
// that diverges, and all-zero weights (whose gradients are zero but for the last bias).
TEST_F(CliTrain, NonFiniteLossesDivergenceAndZeroWeights) {
    // Weights of 3e38 overflow the first layer: every loss is NaN from the first step.
    const std::string overflow = "--init constant:3e38 --epochs 1 --json";
    const CliRun error = optlab_run(base(overflow + " --checkpoint '" + (dir / "nan.st").string() + "'"));
    EXPECT_EQ(error.code, 3) << error.err;
    EXPECT_NE(error.err.find("non-finite value at iteration 1 (epoch 1, batch 1): the loss (nan)"), std::string::npos)
        << error.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "nan.st")) << "a checkpoint of a failed run";
    const CliRun gave_up = optlab_run(base(overflow + " --nonfinite skip --max-consecutive 5"));
    EXPECT_EQ(gave_up.code, 3) << gave_up.err;
    EXPECT_NE(gave_up.err.find("gave up after 6 non-finite steps in a row (--max-consecutive 5)"), std::string::npos)
        << gave_up.err;
    const CliRun skipped = optlab_run(base(overflow + " --nonfinite skip --max-consecutive 100"));
    ASSERT_EQ(skipped.code, 0) << skipped.err;
    const auto s = nlohmann::json::parse(skipped.out.substr(skipped.out.rfind('\n', skipped.out.size() - 2) + 1));
    EXPECT_EQ(s["skipped_steps"], 16);  // 512 samples / 32, every one skipped
    // A learning rate that diverges: stopped with exit 3 and advice, not a NaN model.
    const CliRun diverged = optlab_run(base("--optimizer sgd --lr 1e12 --epochs 1"));
    EXPECT_EQ(diverged.code, 3) << diverged.err;
    EXPECT_NE(diverged.err.find("the loss (nan); lower --lr, clip gradients (--clip), or use --nonfinite skip"),
              std::string::npos)
        << diverged.err;
    // All-zero weights run; the hidden units stay symmetric (zero), so the loss stays near ln 10.
    const CliRun zeros = optlab_run(base("--init zeros --epochs 1 --json"));
    ASSERT_EQ(zeros.code, 0) << zeros.err;
    const auto z = nlohmann::json::parse(zeros.out.substr(zeros.out.rfind('\n', zeros.out.size() - 2) + 1));
    EXPECT_GT(z["train_loss"].get<double>(), 2.0);
}

TEST_F(CliTrain, SigintAlsoSavesACheckpointAndExitsWith130) {
    const std::string ck = (dir / "int.safetensors").string();
    const std::string cmd = std::string("'") + OPTLAB_CLI + "' " + base("--epochs 100000 --checkpoint '" + ck + "'") +
                            " >/dev/null 2>/dev/null & pid=$!; for i in $(seq 200); do [ -f '" + ck +
                            "' ] && break; sleep 0.05; done; kill -INT $pid; wait $pid; exit $?";
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130);
    EXPECT_NO_THROW(read_safetensors(ck));
}
}  // namespace
}  // namespace optlab
