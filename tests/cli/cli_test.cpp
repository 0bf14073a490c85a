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

#include "cli_support.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/io/safetensors.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/problems/functions2d.hpp"
#include "optlab/report/explorable.hpp"

namespace optlab {
namespace {

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

// With the engine, a page of the explorable (its behaviour is explorable_test's, in a browser);
// without it (emcc absent when configured, as in CI's sanitizer builds), a plain refusal.
TEST(Cli, PlaygroundWritesThePageOrSaysTheEngineWasNotBuilt) {
    const std::string dir = std::string(OPTLAB_OUTPUT_DIR) + "/cli-playground";
    std::filesystem::remove_all(dir);
    const CliRun r = optlab_run("playground --out '" + dir + "'");
    if (optlab::explorable_built()) {
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(r.out, dir + "/index.html\n");
        const std::string html = slurp(dir + "/index.html");
        EXPECT_NE(html.find("optlabEngine"), std::string::npos);
        EXPECT_NE(html.find("<math display=\"block\">"), std::string::npos);
        EXPECT_EQ(html.find("http://"), std::string::npos) << "the page must not need the network";
        EXPECT_EQ(html.find("https://"), std::string::npos) << "the page must not need the network";
    } else {
        EXPECT_EQ(r.code, 2);
        EXPECT_NE(r.err.find("built without the explorable's engine"), std::string::npos) << r.err;
        EXPECT_FALSE(std::filesystem::exists(dir + "/index.html"));
    }
}

// --lang: ko writes the page in Korean (its content is texts_test's and the browser tests'); a
// bad value is refused before any work, naming the flag, the value and the choices; --help
// stays English.
TEST(Cli, LangWritesTheKoreanPageRefusesOtherValuesAndHelpStaysEnglish) {
    const std::string dir = std::string(OPTLAB_OUTPUT_DIR) + "/cli-playground-ko";
    std::filesystem::remove_all(dir);
    for (const char* command : {"playground", "report"}) {
        const CliRun bad = optlab_run(std::string(command) + " --lang kr --out '" + dir + "'");
        EXPECT_EQ(bad.code, 2) << command;
        EXPECT_NE(bad.err.find("--lang 'kr': expected en (English) or ko (Korean)"), std::string::npos) << bad.err;
        EXPECT_FALSE(std::filesystem::exists(dir)) << command << " --lang kr wrote " << dir;
        const CliRun help = optlab_run(std::string(command) + " --help");
        EXPECT_EQ(help.code, 0);
        EXPECT_NE(help.out.find("--lang"), std::string::npos) << help.out;
        for (unsigned char c : help.out) EXPECT_LT(c, 0xEA) << command << " --help has Hangul:\n" << help.out;
    }
    if (!optlab::explorable_built()) return;
    const CliRun r = optlab_run("playground --lang ko --out '" + dir + "'");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string html = slurp(dir + "/index.html");
    EXPECT_NE(html.find("<html lang=\"ko\">"), std::string::npos);
    EXPECT_NE(html.find("\"net.play\":\"재생\""), std::string::npos) << "the script's texts in Korean";
    EXPECT_NE(html.find("강의를 직접 실행하기"), std::string::npos);
    ASSERT_EQ(optlab_run("playground --lang en --out '" + dir + "-en'").code, 0);
    EXPECT_NE(slurp(dir + "-en/index.html").find("<html lang=\"en\">"), std::string::npos);
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

// Schedule-Free's rows are its evaluation point x; the JSON also gives the gradient point y.
TEST(Cli, ScheduleFreeTrajectoriesPrintTheAverageAndTheGradientPoint) {
    const CliRun r = optlab_run("trajectory --optimizer schedule-free-sgd --lr 0.1 --steps 3 --format json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto path = nlohmann::json::parse(r.out)["path"];
    ASSERT_EQ(path.size(), 4u);
    EXPECT_EQ(path[0]["x"], path[0]["train_point"][0]);  // before any step x = y
    EXPECT_NE(path[3]["x"], path[3]["train_point"][0]);  // then the average lags the gradient point
    const CliRun csv_rows = optlab_run("trajectory --optimizer schedule-free-sgd --lr 0.1 --steps 3");
    ASSERT_EQ(csv_rows.code, 0);
    EXPECT_NE(csv_rows.out.find("\n3," + path[3]["x"].dump()), std::string::npos) << csv_rows.out;
}

// Lookahead's rows are its fast weights: the inner optimizer's own path until the k-th step,
// where they restart from the slow weights φ ← φ + α(θ − φ).
TEST(Cli, LookaheadTrajectoriesFollowTheFastWeights) {
    const CliRun plain = optlab_run("trajectory --optimizer sgd --lr 0.1 --steps 3 --format json");
    const CliRun wrapped = optlab_run("trajectory --optimizer sgd --lr 0.1 --steps 4 --format json --lookahead 3,0.5");
    ASSERT_EQ(plain.code, 0) << plain.err;
    ASSERT_EQ(wrapped.code, 0) << wrapped.err;
    const auto p = nlohmann::json::parse(plain.out)["path"], w = nlohmann::json::parse(wrapped.out);
    EXPECT_EQ(w["lookahead"], "3,0.5");
    const auto& path = w["path"];
    ASSERT_EQ(path.size(), 5u);
    for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(path[k]["x"], p[k]["x"]) << "row " << k;
    for (const char* c : {"x", "y"}) {
        const double start = p[0][c], fast = p[3][c];
        EXPECT_EQ(path[3][c].get<double>(), start + 0.5 * (fast - start)) << c;
    }
    EXPECT_NE(path[4]["x"], path[3]["x"]);  // and it walks on from there
}

// SWA's rows are its evaluation point, as the EMA's: θ itself (the plain path) through step
// swa_start, then the equal running average of the θ past it (torch's AveragedModel: the first
// update copies, then a + (θ − a)/(n + 1)), θ given as train_point; the CSV prints the same rows.
TEST(Cli, SwaTrajectoriesAreTheAverageAfterSwaStart) {
    const CliRun plain = optlab_run("trajectory --optimizer sgd --lr 0.1 --steps 6 --format json");
    const std::string flags = "trajectory --optimizer sgd --lr 0.1 --steps 6 --swa-start 2 --swa-lr 0.05 "
                              "--swa-anneal-epochs 2 --swa-anneal-strategy linear";
    const CliRun swa = optlab_run(flags + " --format json");
    const CliRun csv_rows = optlab_run(flags);
    ASSERT_EQ(plain.code, 0) << plain.err;
    ASSERT_EQ(swa.code, 0) << swa.err;
    ASSERT_EQ(csv_rows.code, 0) << csv_rows.err;
    const auto p = nlohmann::json::parse(plain.out)["path"], w = nlohmann::json::parse(swa.out);
    EXPECT_EQ(w["swa"], nlohmann::json::parse(R"({"swa_start": 2, "swa_lr": 0.05, "anneal_epochs": 2, "anneal_strategy": "linear"})"));
    const auto& path = w["path"];
    ASSERT_EQ(path.size(), 7u);
    for (std::size_t k = 0; k <= 3; ++k) {  // the lr is the plain run's through step 3 (SWALR sets the 4th's)
        EXPECT_EQ(path[k]["train_point"][0], p[k]["x"]) << "row " << k;
    }
    for (std::size_t k = 0; k <= 2; ++k) EXPECT_EQ(path[k]["x"], p[k]["x"]) << "row " << k << " is θ";
    for (std::size_t c = 0; c < 2; ++c) {
        double average = 0;
        for (std::size_t k = 3, n = 0; k <= 6; ++k, ++n) {
            const double theta = path[k]["train_point"][c];
            average = n == 0 ? theta : average + (theta - average) / double(n + 1);
            EXPECT_EQ(path[k][c == 0 ? "x" : "y"].get<double>(), average) << "row " << k;
        }
    }
    EXPECT_NE(path[6]["x"], path[6]["train_point"][0]);
    EXPECT_NE(path[4]["train_point"][0], p[4]["x"]) << "SWALR's lr from step 4 on";
    EXPECT_NE(csv_rows.out.find("\n6," + path[6]["x"].dump() + ","), std::string::npos) << csv_rows.out;
}

// The registry for scripts: every registered optimizer, in order, with its defaults.
TEST(Cli, OptimizersAsJsonIsTheRegistry) {
    const CliRun r = optlab_run("optimizers --json --convention book");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto all = nlohmann::json::parse(r.out);
    ASSERT_EQ(all.size(), optimizers().size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        const OptimizerInfo& o = optimizers()[i];
        EXPECT_EQ(all[i]["name"], std::string(o.name));
        EXPECT_EQ(all[i]["label"], std::string(o.label));
        EXPECT_EQ(all[i]["bytes_per_param"], o.traffic.bytes_per_param(4));
        EXPECT_EQ(all[i]["defaults"]["lr"], std::get<double>(o.defaults(Convention::book).at("lr")));
    }
}

struct BadFlag {
    const char* name;  // the test's name
    const char* args;
    const char* message;
};
void PrintTo(const BadFlag& c, std::ostream* os) { *os << "trajectory " << c.args; }

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
        BadFlag{"negative_lr", "--lr=-0.1", "invalid lr = -0.1 (expected a finite number >= 0)"},
        BadFlag{"lr_not_a_number", "--lr 1e", "--lr: '1e' is not a finite number"},
        BadFlag{"lr_nan", "--lr nan", "--lr: 'nan' is not a finite number"},
        BadFlag{"lr_inf", "--lr inf", "--lr: 'inf' is not a finite number"},
        BadFlag{"lr_empty", "--lr ''", "--lr: '' is not a finite number"},
        BadFlag{"beta1_of_one", "--optimizer adam --betas 1,0.999", "adam: invalid betas[0] = 1"},
        BadFlag{"betas_not_a_pair", "--optimizer adam --betas 0.9", "--betas: '0.9' is not two finite numbers"},
        BadFlag{"rho_above_one", "--optimizer adadelta --rho 1.5", "adadelta: invalid rho = 1.5"},
        BadFlag{"negative_eps", "--optimizer adam --eps=-1", "adam: invalid eps = -1"},
        BadFlag{"negative_momentum", "--optimizer momentum --momentum=-0.9", "sgd: invalid momentum = -0.9"},
        BadFlag{"nesterov_without_momentum", "--optimizer sgd --nesterov", "nesterov requires momentum > 0"},
        BadFlag{"hyper_parameter_of_another_optimizer", "--optimizer adam --rho 0.9", "adam has no hyper-parameter 'rho'"},
        BadFlag{"unknown_optimizer", "--optimizer adamm", "--optimizer: adamm not in"},
        BadFlag{"unknown_function", "--function sphere", "function: unknown name 'sphere'"},
        BadFlag{"unknown_convention", "--convention pytorch", "--convention: pytorch not in"},
        BadFlag{"unknown_flag", "--frobnicate", "--frobnicate"},
        BadFlag{"flag_given_twice", "--lr 0.1 --lr 0.2", "--lr"},
        BadFlag{"negative_steps", "--steps=-1", "--steps"},
        BadFlag{"start_not_a_pair", "--start 1", "--start: '1' is not two finite numbers"},
        BadFlag{"start_with_nan", "--start 1,nan", "--start: '1,nan' is not two finite numbers"}),
    case_name<BadFlag>);

TEST(Cli, DivergenceStopsWithAMessageAndExitThree) {
    const CliRun r = optlab_run("trajectory --function rosenbrock --optimizer sgd --lr 10 --steps 50");
    EXPECT_EQ(r.code, 3);
    EXPECT_NE(r.err.find("diverged"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--lr"), std::string::npos) << r.err;
    EXPECT_LT(csv(r.out).size(), 52u);  // the finite rows, then the first non-finite one
}
}  // namespace
}  // namespace optlab
