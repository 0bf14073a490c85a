// SPDX-License-Identifier: MIT
// The optlab binary as a user runs it: output format, round-trip precision, help, and clear
// errors with non-zero exit codes for bad flags.
#include <gtest/gtest.h>

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

#include "optlab/optim/registry.hpp"
#include "optlab/problems/functions2d.hpp"
#include "../train/synthetic.hpp"
#include "optlab/io/safetensors.hpp"

namespace optlab {
namespace {

struct CliRun {
    int code;
    std::string out, err;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs `optlab ARGS` (ARGS already shell-quoted) and captures everything; `prefix` runs it
// through another command (setpriv, prlimit).
CliRun optlab_run(const std::string& args, const std::string& prefix = "") {
    // Per process: ctest runs tests in parallel, each in its own process.
    const std::string dir = ::testing::TempDir();
    const std::string tag = std::to_string(::getpid());
    const std::string out = dir + "/cli_out." + tag, err = dir + "/cli_err." + tag;
    const std::string cmd = prefix + "'" + OPTLAB_CLI + "' " + args + " >'" + out + "' 2>'" +
                            err + "' </dev/null";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

std::vector<std::vector<std::string>> csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::stringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> cells;
        std::stringstream cs(line);
        std::string cell;
        while (std::getline(cs, cell, ',')) cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

TEST(Cli, TrajectoryPrintsStepXYFRoundTrippable) {
    const CliRun r = optlab_run("trajectory --function ravine --optimizer sgd --lr 0.95 --steps 30 "
                             "--start=-7,2");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto rows = csv(r.out);
    ASSERT_EQ(rows.size(), 32u);  // header + start + 30 updates
    EXPECT_EQ(rows[0], (std::vector<std::string>{"step", "x", "y", "f"}));
    EXPECT_EQ(rows[1], (std::vector<std::string>{"0", "-7", "2", "6.45"}));
    // Every printed double reads back to exactly the library's value.
    ParamStore<double> store;
    store.add("xy", {2});
    store.params()[0] = -7;
    store.params()[1] = 2;
    auto opt = make_optimizer<double>("sgd", store, {{"lr", 0.95}});
    const Function2d& f = function_2d("ravine");
    for (int k = 1; k <= 30; ++k) {
        const Point2 g = f.gradient(store.params()[0], store.params()[1]);
        store.grads()[0] = g[0];
        store.grads()[1] = g[1];
        opt->step();
        EXPECT_EQ(rows[k + 1][0], std::to_string(k));
        EXPECT_EQ(std::strtod(rows[k + 1][1].c_str(), nullptr), store.params()[0]) << k;
        EXPECT_EQ(std::strtod(rows[k + 1][2].c_str(), nullptr), store.params()[1]) << k;
        EXPECT_EQ(std::strtod(rows[k + 1][3].c_str(), nullptr),
                  f.value(store.params()[0], store.params()[1]));
    }
}

TEST(Cli, BookConventionReproducesTheLecturesAdamPath) {
    const CliRun r = optlab_run("trajectory --optimizer adam --lr 0.3 --convention book --steps 5");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto rows = csv(r.out);
    ASSERT_EQ(rows.size(), 7u);
    EXPECT_NEAR(std::stod(rows[3][1]), -6.4, 5e-4);
    EXPECT_NEAR(std::stod(rows[3][2]), 1.402, 5e-4);
    EXPECT_NEAR(std::stod(rows[6][1]), -5.507, 5e-4);
    EXPECT_NEAR(std::stod(rows[6][2]), 0.548, 5e-4);
}

TEST(Cli, JsonFormatCarriesThePathAndTheHyperParameters) {
    const CliRun r = optlab_run("trajectory --function rosenbrock --optimizer nag --steps 4 "
                             "--format json --weight-decay 0.1");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["function"], "rosenbrock");
    EXPECT_EQ(j["optimizer"], "nag");
    EXPECT_EQ(j["hyper"]["momentum"], 0.9);
    EXPECT_EQ(j["hyper"]["nesterov"], true);
    EXPECT_EQ(j["hyper"]["weight_decay"], 0.1);
    EXPECT_EQ(j["hyper"]["lr"], 1e-3);  // torch's SGD default
    ASSERT_EQ(j["path"].size(), 5u);
    EXPECT_EQ(j["path"][0]["x"], -1.5);
}

TEST(Cli, UnsetFlagsTakeTheConventionsDefaults) {
    const CliRun torch = optlab_run("trajectory --optimizer adagrad --steps 1 --format json");
    const CliRun keras = optlab_run("trajectory --optimizer adagrad --steps 1 --format json "
                                 "--convention keras");
    ASSERT_EQ(torch.code, 0);
    ASSERT_EQ(keras.code, 0);
    const auto t = nlohmann::json::parse(torch.out), k = nlohmann::json::parse(keras.out);
    EXPECT_EQ(t["hyper"]["eps"], 1e-10);
    EXPECT_EQ(t["hyper"]["initial_accumulator_value"], 0.0);
    EXPECT_EQ(k["hyper"]["eps"], 1e-7);
    EXPECT_EQ(k["hyper"]["initial_accumulator_value"], 0.1);
    EXPECT_EQ(k["hyper"]["lr"], 1e-3);
}

TEST(Cli, HelpListsOptimizersFunctionsAndFlags) {
    const CliRun top = optlab_run("--help");
    EXPECT_EQ(top.code, 0);
    for (const char* word : {"trajectory", "optimizers", "functions", "lion", "book"}) {
        EXPECT_NE(top.out.find(word), std::string::npos) << word;
    }
    const CliRun sub = optlab_run("trajectory --help");
    EXPECT_EQ(sub.code, 0);
    for (auto name : optimizer_names()) {
        EXPECT_NE(sub.out.find(std::string(name)), std::string::npos) << name;
    }
    for (const auto& f : functions_2d()) {
        EXPECT_NE(sub.out.find(std::string(f.name)), std::string::npos) << f.name;
    }
    for (const char* flag : {"--function", "--optimizer", "--start", "--steps", "--format",
                             "--lr", "--momentum", "--dampening", "--nesterov", "--weight-decay",
                             "--betas", "--eps", "--rho", "--alpha", "--centered", "--amsgrad",
                             "--lr-decay", "--initial-accumulator-value", "--momentum-decay",
                             "--maximize", "--convention"}) {
        EXPECT_NE(sub.out.find(flag), std::string::npos) << flag;
    }
}

TEST(Cli, BenchStepPrintsOneJsonObjectLast) {
    const CliRun r = optlab_run("bench step --optimizer adam --params 200000 --threads 1 --json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out.substr(r.out.rfind('{')));
    for (const char* key : {"optimizer", "params", "threads", "ns_per_param", "bytes_per_param", "gbps",
                            "bandwidth_gbps", "fraction_of_bandwidth", "triad_gbps"}) {
        EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_EQ(j["bytes_per_param"], 28);
    EXPECT_GT(j["gbps"].get<double>(), 0.0);
    EXPECT_EQ(optlab_run("bench step --optimizer adamm").code, 2);
}

// --seconds is how long each of the three kernels is sampled at least (a lower bound on the
// run's length, not a speed): comparisons need equal sampling on both sides.
TEST(Cli, BenchStepSamplesForTheTimeAsked) {
    const auto started = std::chrono::steady_clock::now();
    const CliRun r = optlab_run("bench step --optimizer sgd --params 100000 --threads 1 --seconds 0.4 --json");
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_GE(took, 3 * 0.4);
    const CliRun bad = optlab_run("bench step --seconds 0");
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("--seconds"), std::string::npos) << bad.err;
    const CliRun nan = optlab_run("bench step --params 1000 --seconds nan");
    EXPECT_EQ(nan.code, 2);
    EXPECT_NE(nan.err.find("seconds"), std::string::npos) << nan.err;
}

TEST(Cli, ListsOptimizersWithDefaultsPerConvention) {
    const CliRun r = optlab_run("optimizers --convention keras");
    ASSERT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("adadelta"), std::string::npos);
    EXPECT_NE(r.out.find("rho=0.95"), std::string::npos);
    const CliRun f = optlab_run("functions");
    ASSERT_EQ(f.code, 0);
    EXPECT_NE(f.out.find("x^2/20 + y^2"), std::string::npos);
}

struct BadFlag {
    const char* args;
    const char* message;
};

class CliBadFlags : public ::testing::TestWithParam<BadFlag> {};

TEST_P(CliBadFlags, ExitTwoWithAMessageNamingFlagAndValue) {
    const CliRun r = optlab_run(std::string("trajectory ") + GetParam().args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << "no partial output on error: " << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CliBadFlags,
    ::testing::Values(
        BadFlag{"--lr=-0.1", "invalid lr = -0.1 (expected a finite number >= 0)"},
        BadFlag{"--lr 1e", "--lr: '1e' is not a finite number"},
        BadFlag{"--lr nan", "--lr: 'nan' is not a finite number"},
        BadFlag{"--lr inf", "--lr: 'inf' is not a finite number"},
        BadFlag{"--lr ''", "--lr: '' is not a finite number"},
        BadFlag{"--optimizer adam --betas 1,0.999", "adam: invalid betas[0] = 1"},
        BadFlag{"--optimizer adam --betas 0.9", "--betas: '0.9' is not two finite numbers"},
        BadFlag{"--optimizer adadelta --rho 1.5", "adadelta: invalid rho = 1.5"},
        BadFlag{"--optimizer adam --eps=-1", "adam: invalid eps = -1"},
        BadFlag{"--optimizer momentum --momentum=-0.9", "sgd: invalid momentum = -0.9"},
        BadFlag{"--optimizer sgd --nesterov", "nesterov requires momentum > 0"},
        BadFlag{"--optimizer adam --rho 0.9", "adam has no hyper-parameter 'rho'"},
        BadFlag{"--optimizer adamm", "--optimizer: adamm not in"},
        BadFlag{"--function sphere", "function: unknown name 'sphere'"},
        BadFlag{"--convention pytorch", "--convention: pytorch not in"},
        BadFlag{"--frobnicate", "--frobnicate"},
        BadFlag{"--lr 0.1 --lr 0.2", "--lr"},
        BadFlag{"--steps=-1", "--steps"},
        BadFlag{"--start 1", "--start: '1' is not two finite numbers"},
        BadFlag{"--start 1,nan", "--start: '1,nan' is not two finite numbers"}));

TEST(Cli, DivergenceStopsWithAMessageAndExitThree) {
    const CliRun r = optlab_run("trajectory --function rosenbrock --optimizer sgd --lr 10 --steps 50");
    EXPECT_EQ(r.code, 3);
    EXPECT_NE(r.err.find("diverged"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--lr"), std::string::npos) << r.err;
    EXPECT_LT(csv(r.out).size(), 52u);  // the finite rows, then the first non-finite one
}


// ---- optlab train -------------------------------------------------------------------------

class CliTrain : public ::testing::Test {
  protected:
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                ("optlab_cli_train_" + std::to_string(::getpid()));
    void SetUp() override {
        std::filesystem::remove_all(dir);
        test::write_synthetic_folder(dir / "data", 512, 128);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    // `optlab train` on the synthetic folder; flags in `extra` replace the defaults here.
    std::string base(const std::string& extra = "") const {
        std::string args = "train --threads 1 --progress none";
        if (extra.find("--lr ") == std::string::npos) args += " --lr 0.01";
        if (extra.find("--data ") == std::string::npos) args += " --data '" + (dir / "data").string() + "'";
        if (extra.find("--net ") == std::string::npos) args += " --net 16-32-10";
        if (extra.find("--batch ") == std::string::npos) args += " --batch 32";
        return args + " " + extra;
    }
};

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
    const char* args;
    const char* message;
};

class CliTrainBad : public CliTrain, public ::testing::WithParamInterface<BadTrain> {};

TEST_P(CliTrainBad, ExitTwoWithTheFlagNamed) {
    const CliRun r = optlab_run(base(GetParam().args));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CliTrainBad,
    ::testing::Values(BadTrain{"--batch 0", "batch = 0"},
                      BadTrain{"--batch 100000", "at most the 512 training samples"},
                      BadTrain{"--epochs 0", "epochs = 0"},
                      BadTrain{"--epochs -3", "epochs = -3"},
                      BadTrain{"--init glorot2", "init 'glorot2'"},
                      BadTrain{"--activation gelu", "activation: unknown name 'gelu'"},
                      BadTrain{"--net 784-10", "takes 784 inputs, the data has 16"},
                      BadTrain{"--optimizer adam --betas 0.9,1", "invalid betas[1] = 1"},
                      BadTrain{"--schedule warm:3", "schedule: unknown kind 'warm'"},
                      BadTrain{"--clip l1:3", "clip: unknown kind 'l1'"},
                      BadTrain{"--data /nonexistent/dir", "/nonexistent/dir: not a directory"},
                      BadTrain{"--nonfinite ignore", "--nonfinite"},
                      BadTrain{"--resume /nonexistent.safetensors", "no such file"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

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
    const char* args;
    const char* message;
};

class CliFigureBad : public ::testing::TestWithParam<BadFigure> {};

TEST_P(CliFigureBad, ExitTwoWithTheProblemNamed) {
    const CliRun r = optlab_run(GetParam().args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CliFigureBad,
    ::testing::Values(BadFigure{"plot trajectories --preset figure9 --out /tmp", "unknown preset 'figure9'"},
                      BadFigure{"plot trajectories --optimizers sgdd --out /tmp", "unknown name 'sgdd'"},
                      BadFigure{"plot trajectories --optimizers sgd:lr=x --out /tmp", "'x' is not a finite number"},
                      BadFigure{"plot trajectories --function nope --out /tmp", "function: unknown name 'nope'"},
                      BadFigure{"compare --sweep lr=1:0.1:3", "0 < LO < HI"},
                      BadFigure{"compare --sweep mu=1:2:3", "expected lr=LO:HI:N"},
                      BadFigure{"compare --seeds 0", "--seeds"},
                      BadFigure{"init-histogram --layers 0", "--layers"},
                      BadFigure{"report --out /proc/optlab-report", "cannot create"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });


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
    const auto a = read_safetensors(reference), b = read_safetensors(ck);
    ASSERT_EQ(a.tensors.size(), b.tensors.size());
    for (std::size_t i = 0; i < a.tensors.size(); ++i) {
        EXPECT_EQ(a.tensors[i].name, b.tensors[i].name);
        EXPECT_TRUE(a.tensors[i].data == b.tensors[i].data) << a.tensors[i].name << " differs";
    }
}


// ---- bad files through the real binary: exit 2, the file named, nothing written --------------

struct BadFile {
    const char* name;   // which of the four files to replace
    std::vector<unsigned char> bytes;
    bool gzip;
    const char* message;
};

class CliBadData : public CliTrain, public ::testing::WithParamInterface<BadFile> {};

TEST_P(CliBadData, RefusedWithTheFileNamedAndNoOutputLeft) {
    const BadFile& b = GetParam();
    const auto folder = dir / "data";
    for (const char* suffix : {"", ".gz"}) std::filesystem::remove(folder / (std::string(b.name) + suffix));
    const auto path = folder / (std::string(b.name) + (b.gzip ? ".gz" : ""));
    if (b.gzip) {
        gzFile f = gzopen(path.c_str(), "wb");
        gzwrite(f, b.bytes.data(), unsigned(b.bytes.size()));
        gzclose(f);
    } else {
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.bytes.data()),
                                                    std::streamsize(b.bytes.size()));
    }
    const auto out = dir / "out-bad";
    const CliRun r = optlab_run(base("--epochs 1 --out '" + out.string() + "' --checkpoint '" +
                                     (dir / "bad.st").string() + "'"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(path.string()), std::string::npos) << "the file is not named: " << r.err;
    EXPECT_NE(r.err.find(b.message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << "an output folder was left behind";
    EXPECT_FALSE(std::filesystem::exists(dir / "bad.st")) << "a checkpoint was left behind";
}

std::vector<unsigned char> idx_header(unsigned char type, std::vector<std::uint32_t> dims, std::size_t payload) {
    std::vector<unsigned char> out = {0, 0, type, static_cast<unsigned char>(dims.size())};
    for (auto d : dims) {
        for (int i = 3; i >= 0; --i) out.push_back(static_cast<unsigned char>(d >> (8 * i)));
    }
    out.resize(out.size() + payload, 1);
    return out;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CliBadData,
    ::testing::Values(
        BadFile{"train-images-idx3-ubyte", {}, false, "the file is empty"},
        BadFile{"train-images-idx3-ubyte", {0, 0, 8}, false, "truncated header"},
        BadFile{"train-images-idx3-ubyte", {0, 0, 8, 0, 0, 0, 0, 1}, false, "rank 0 (expected at least one dimension)"},
        BadFile{"train-images-idx3-ubyte", idx_header(0x08, {512}, 512), false,
                "rank 1 (expected images: a count and at least one more dimension)"},
        BadFile{"train-images-idx3-ubyte", [] { auto v = idx_header(0x08, {512}, 0); v[3] = 255; return v; }(),
                true, "of the 1020 bytes of 255 dimension sizes (truncated)"},
        BadFile{"train-images-idx3-ubyte", {1, 0, 8, 3, 0, 0, 0, 1}, false, "magic starts 0x01 0x00"},
        BadFile{"train-images-idx3-ubyte", idx_header(0x0A, {1}, 1), false, "unknown type code 0x0A"},
        BadFile{"train-images-idx3-ubyte", idx_header(0x08, {512, 0, 4}, 0), false, "dimension 1 is 0"},
        BadFile{"train-images-idx3-ubyte", idx_header(0x08, {0x7FFFFFFF, 0x7FFFFFFF, 4}, 0), false, "the cap"},
        BadFile{"train-images-idx3-ubyte", idx_header(0x08, {512, 4, 4}, 512 * 16 - 1), false, "(truncated)"},
        BadFile{"train-images-idx3-ubyte", idx_header(0x08, {512, 4, 4}, 512 * 16 + 1), true, "trailing bytes"},
        BadFile{"train-labels-idx1-ubyte", idx_header(0x08, {511}, 511), false, "has 512 images but"},
        BadFile{"train-labels-idx1-ubyte", [] { auto v = idx_header(0x08, {512}, 512); v[8 + 7] = 10; return v; }(),
                false, "label 10 of sample 7 (expected 0..9)"},
        BadFile{"t10k-labels-idx1-ubyte", [] { auto v = idx_header(0x08, {128}, 128); v[8] = 255; return v; }(),
                false, "label 255 of sample 0"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST_F(CliTrain, BadCheckpointsAreRefusedByName) {
    const std::string ck = (dir / "good.st").string();
    ASSERT_EQ(optlab_run(base("--epochs 1 --checkpoint '" + ck + "'")).code, 0);
    std::ifstream in(ck, std::ios::binary);
    const std::vector<char> good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto variant = [&](const std::string& name, std::vector<char> bytes) {
        const auto p = dir / name;
        std::ofstream(p, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
        return p.string();
    };
    std::vector<char> flipped = good, cut = good, zero = good, huge = good, trailing = good;
    flipped[flipped.size() - 9] ^= 0x01;
    cut.resize(cut.size() - 5);
    std::fill(zero.begin(), zero.begin() + 8, 0);
    huge[3] = 0x7F;  // a header length of about 2 GB
    trailing.push_back('x');
    for (auto [name, bytes, message] : {std::tuple{"flipped.st", flipped, "CRC-32"},
                                       std::tuple{"cut.st", cut, "(truncated)"},
                                       std::tuple{"zero.st", zero, "header length (bytes 0..8) is 0"},
                                       std::tuple{"huge.st", huge, "exceeds the limit"},
                                       std::tuple{"trailing.st", trailing, "(trailing bytes)"}}) {
        const std::string path = variant(name, bytes);
        const CliRun r = optlab_run(base("--epochs 2 --resume '" + path + "'"));
        EXPECT_EQ(r.code, 2) << name << ": " << r.err;
        EXPECT_NE(r.err.find(path), std::string::npos) << name << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << name << ": " << r.err;
    }
    const CliRun dir_as_file = optlab_run(base("--epochs 2 --resume '" + dir.string() + "'"));
    EXPECT_EQ(dir_as_file.code, 2);
    EXPECT_NE(dir_as_file.err.find("is not a regular file"), std::string::npos) << dir_as_file.err;
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

// Checkpoints whose header lies, from the same real checkpoint: each refused through --resume
// with the file named and the problem said.
TEST_F(CliTrain, CheckpointsWithBadHeadersAreRefusedByName) {
    const std::string ck = (dir / "good.st").string();
    ASSERT_EQ(optlab_run(base("--epochs 1 --checkpoint '" + ck + "'")).code, 0);
    std::ifstream in(ck, std::ios::binary);
    const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(good[std::size_t(i)]);
    const std::string header = good.substr(8, n), payload = good.substr(8 + n);
    // The file with another header (its length prefix rewritten).
    auto with_header = [&](const std::string& name, const std::string& h) {
        std::string bytes(8, '\0');
        for (int i = 0; i < 8; ++i) bytes[std::size_t(i)] = char((h.size() >> (8 * i)) & 0xFF);
        bytes += h + payload;
        const auto p = dir / name;
        std::ofstream(p, std::ios::binary) << bytes;
        return p.string();
    };
    const auto parsed = nlohmann::ordered_json::parse(header);
    std::string duplicate = header;
    duplicate.insert(1, "\"__metadata__\":{},");
    std::string bad_utf8 = header;
    bad_utf8[bad_utf8.find("model/") + 1] = char(0xFF);
    auto overlapping = parsed;
    std::string second;
    for (auto it = overlapping.begin(); it != overlapping.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        if (!second.empty() || it.value()["data_offsets"][0] != 0) {
            second = it.key();
            break;
        }
        second = "first";
    }
    auto& offsets = overlapping[second]["data_offsets"];
    offsets = {0, offsets[1].get<std::uint64_t>() - offsets[0].get<std::uint64_t>()};
    auto future = parsed;
    future["__metadata__"]["checkpoint/format_version"] = "99";
    // The first tensor of the header (by its offsets, which start at 0).
    std::string first;
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
        if (it.key() != "__metadata__" && it.value()["data_offsets"][0] == 0) first = it.key();
    }
    auto bad_dtype = parsed;
    bad_dtype[first]["dtype"] = "F17";
    auto gapped = parsed;
    gapped[first]["data_offsets"][0] = 4;  // 4 bytes nobody owns before the second tensor
    gapped[first]["shape"] = nlohmann::ordered_json::array();
    gapped[first]["data_offsets"][1] = 8;
    // Offsets that disagree with the shape, and the last tensor moved past the end of the data.
    auto mismatch = parsed;
    mismatch[first]["data_offsets"][1] = payload.size() + 4;
    std::string last;
    std::uint64_t last_end = 0;
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const auto end = it.value()["data_offsets"][1].get<std::uint64_t>();
        if (end > last_end) last_end = end, last = it.key();
    }
    auto beyond = parsed;
    beyond[last]["data_offsets"][0] = beyond[last]["data_offsets"][0].get<std::uint64_t>() + 4;
    beyond[last]["data_offsets"][1] = last_end + 4;
    auto overflow = parsed;
    overflow[first]["shape"] = {std::uint64_t(1) << 40, std::uint64_t(1) << 40};
    std::string not_json = header;
    not_json[not_json.find("\"__metadata__\"") + 14] = '{';  // the ':' after the key
    for (auto [name, h, message] :
         {std::tuple{"duplicate.st", duplicate, std::string("header has the key '__metadata__' twice")},
          std::tuple{"utf8.st", bad_utf8, std::string("UTF-8")},
          std::tuple{"overlap.st", overlapping.dump(), std::string("overlap")},
          std::tuple{"future.st", future.dump(), std::string("format version 99")},
          std::tuple{"notjson.st", not_json, std::string("is not valid UTF-8 JSON")},
          std::tuple{"dtype.st", bad_dtype.dump(), std::string("has unknown dtype 'F17'")},
          std::tuple{"gapped.st", gapped.dump(), std::string("starts at data offset 4, expected 0 (gap)")},
          std::tuple{"mismatch.st", mismatch.dump(), std::string("its dtype and shape need")},
          std::tuple{"beyond.st", beyond.dump(), std::string("(gap)")},  // reported as the gap it opens
          std::tuple{"overflow.st", overflow.dump(), std::string("shape's byte size overflows 64 bits")}}) {
        const std::string path = with_header(name, h);
        const CliRun r = optlab_run(base("--epochs 2 --resume '" + path + "'"));
        EXPECT_EQ(r.code, 2) << name << ": " << r.err;
        EXPECT_NE(r.err.find(path), std::string::npos) << name << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << name << ": " << r.err;
    }
    // A header length pointing past the end of the file.
    std::string past_end = good;
    const std::uint64_t too_long = good.size();
    for (int i = 0; i < 8; ++i) past_end[std::size_t(i)] = char((too_long >> (8 * i)) & 0xFF);
    const std::string past_end_path = (dir / "past-end.st").string();
    std::ofstream(past_end_path, std::ios::binary) << past_end;
    const CliRun pe = optlab_run(base("--epochs 2 --resume '" + past_end_path + "'"));
    EXPECT_EQ(pe.code, 2) << pe.err;
    EXPECT_NE(pe.err.find(past_end_path), std::string::npos) << pe.err;
    EXPECT_NE(pe.err.find("past the end"), std::string::npos) << pe.err;
    // Another optimizer's checkpoint for this run.
    const CliRun other = optlab_run(base("--optimizer sgd --epochs 2 --resume '" + ck + "'"));
    EXPECT_EQ(other.code, 2) << other.err;
    EXPECT_NE(other.err.find("--optimizer sgd differs from the checkpoint's adam"), std::string::npos) << other.err;
}

// Gzip damage, a decompression bomb, and paths that are not files: exit 2, the file named,
// nothing written.
TEST_F(CliTrain, DamagedGzipBombsAndNonFilesAreRefused) {
    const auto folder = dir / "data";
    const auto images = folder / "train-images-idx3-ubyte.gz";
    std::ifstream in(images, std::ios::binary);
    const std::vector<char> gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    auto write = [&](const std::vector<char>& bytes) {
        std::filesystem::remove_all(images);
        std::ofstream(images, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    };
    auto expect_refused = [&](const std::string& what, const std::string& message) {
        const auto out = dir / "out-bad";
        const CliRun r = optlab_run(base("--epochs 1 --out '" + out.string() + "' --checkpoint '" +
                                         (dir / "bad.st").string() + "'"));
        EXPECT_EQ(r.code, 2) << what << ": " << r.err;
        EXPECT_NE(r.err.find(images.string()), std::string::npos) << what << ": the file is not named: " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << what << ": " << r.err;
        EXPECT_FALSE(std::filesystem::exists(out)) << what << ": an output folder was left behind";
        EXPECT_FALSE(std::filesystem::exists(dir / "bad.st")) << what << ": a checkpoint was left behind";
    };
    // The gzip trailer is CRC-32 then the length, little-endian: damage the CRC.
    std::vector<char> bad_crc = gz;
    bad_crc[bad_crc.size() - 8] ^= 0x5A;
    write(bad_crc);
    expect_refused("bad CRC", "corrupt gzip stream");
    std::vector<char> cut(gz.begin(), gz.begin() + std::ptrdiff_t(gz.size() / 2));
    write(cut);
    expect_refused("truncated gzip", "corrupt gzip stream near decompressed byte 16: unexpected end of file");
    // A bomb: a valid header for 512 images of 16 pixels, then 256 MiB of zeros (~250 KB
    // compressed). The reader stops one byte past what the header promises.
    {
        std::filesystem::remove_all(images);
        gzFile f = gzopen(images.c_str(), "wb9");
        std::vector<unsigned char> header = idx_header(0x08, {512, 4, 4}, 0);
        gzwrite(f, header.data(), unsigned(header.size()));
        const std::vector<unsigned char> zeros(std::size_t{1} << 20, 0);
        for (int i = 0; i < 256; ++i) gzwrite(f, zeros.data(), unsigned(zeros.size()));
        gzclose(f);
        ASSERT_LT(std::filesystem::file_size(images), 2u << 20);
    }
    expect_refused("gzip bomb", "trailing bytes after the 8192 data bytes");
    std::filesystem::remove_all(images);
    std::filesystem::create_directory(images);
    expect_refused("a directory", "is a directory, not an IDX file");
    std::filesystem::remove_all(images);
    ASSERT_EQ(::mkfifo(images.c_str(), 0600), 0);
    expect_refused("a FIFO", "is not a regular file (a FIFO, device or socket)");
}

// Permissions do not bind root, so as root the binary runs as nobody (setpriv, util-linux).
std::string as_unprivileged_user() {
    return ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
}

TEST_F(CliTrain, AnUnreadableFileIsRefusedByName) {
    const auto images = dir / "data" / "train-images-idx3-ubyte.gz";
    std::filesystem::permissions(images, std::filesystem::perms::none);
    const CliRun r = optlab_run(base("--epochs 1"), as_unprivileged_user());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(images.string() + ": cannot open: Permission denied"), std::string::npos) << r.err;
}

TEST_F(CliTrain, AReadOnlyOrMissingOutputFolder) {
    // Read-only (for the user running it): refused before any training, with the folder named.
    const auto ro = dir / "read-only";
    std::filesystem::create_directories(ro);
    std::filesystem::permissions(ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
                                         std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                                         std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
    const CliRun out = optlab_run(base("--epochs 1 --out '" + (ro / "out").string() + "'"), as_unprivileged_user());
    EXPECT_EQ(out.code, 2) << out.err;
    EXPECT_NE(out.err.find((ro / "out").string() + ": cannot create the output directory"), std::string::npos)
        << out.err;
    const CliRun ck = optlab_run(base("--epochs 1 --checkpoint '" + (ro / "run.st").string() + "'"),
                                 as_unprivileged_user());
    EXPECT_EQ(ck.code, 2) << ck.err;
    EXPECT_NE(ck.err.find((ro / "run.st").string() + ": cannot write in " + ro.string() + ": Permission denied"),
              std::string::npos)
        << ck.err;
    EXPECT_EQ(ck.err.find("epoch 1"), std::string::npos) << "it trained before failing: " << ck.err;
    EXPECT_TRUE(std::filesystem::is_empty(ro));
    // A checkpoint in a folder that does not exist: refused the same way, before training.
    const CliRun missing = optlab_run(base("--epochs 1 --checkpoint '" + (dir / "nowhere" / "run.st").string() + "'"));
    EXPECT_EQ(missing.code, 2) << missing.err;
    EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
    // A missing output folder is created, parents included (as mkdir -p).
    const CliRun created = optlab_run(base("--epochs 1 --out '" + (dir / "new" / "deeper" / "out").string() + "'"));
    EXPECT_EQ(created.code, 0) << created.err;
    EXPECT_TRUE(std::filesystem::exists(dir / "new" / "deeper" / "out" / "summary.json"));
}

// A full disk while a checkpoint is written, made with a file-size limit (prlimit, util-linux):
// the write fails with the file named and a non-zero exit, the previous checkpoint is intact
// and still resumes, and no temporary file survives.
TEST_F(CliTrain, DiskFullDuringACheckpointLosesNothing) {
    const std::string ck = (dir / "run.st").string();
    ASSERT_EQ(optlab_run(base("--epochs 1 --checkpoint '" + ck + "'")).code, 0);
    std::ifstream in(ck, std::ios::binary);
    const std::vector<char> before((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    ASSERT_GT(before.size(), 8192u);
    const CliRun full = optlab_run(base("--epochs 2 --resume '" + ck + "' --checkpoint '" + ck + "'"),
                                   "prlimit --fsize=4096 -- ");
    EXPECT_NE(full.code, 0) << full.err;
    EXPECT_NE(full.err.find(ck), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("File too large"), std::string::npos) << full.err;
    std::ifstream again(ck, std::ios::binary);
    const std::vector<char> after((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(after == before) << "the previous checkpoint changed";
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path() << " survived";
    }
    // The intact checkpoint resumes to exactly what an uninterrupted run ends with.
    const CliRun resumed = optlab_run(base("--epochs 2 --resume '" + ck + "' --checkpoint '" + ck + "'"));
    EXPECT_EQ(resumed.code, 0) << resumed.err;
    const std::string straight = (dir / "straight.st").string();
    ASSERT_EQ(optlab_run(base("--epochs 2 --checkpoint '" + straight + "'")).code, 0);
    const auto a = read_safetensors(straight), b = read_safetensors(ck);
    ASSERT_EQ(a.tensors.size(), b.tensors.size());
    for (std::size_t i = 0; i < a.tensors.size(); ++i) {
        EXPECT_TRUE(a.tensors[i].data == b.tensors[i].data) << a.tensors[i].name << " differs";
    }
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
