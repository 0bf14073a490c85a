// SPDX-License-Identifier: MIT
// Peak memory of `optlab train` on Fashion-MNIST (issue #5): what training adds to the process
// — its peak resident set, less the resident set when train() started and less the shared
// libraries' code paged in meanwhile — stays within the dataset plus 1.5 × (parameters +
// gradients + optimizer state + activations). Those figures come from summary.json, that is
// from the code under test; so the lecture's MLP is also held to a rule none of whose inputs
// it reports: the kernel's count of the process's peak resident set (wait4's ru_maxrss)
// against an idle optlab's, measured the same way, plus sizes computed here from the shapes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../real_data.hpp"

namespace {

// Runs optlab with `args` (split at spaces), its output discarded; returns its exit status and
// its peak resident set in bytes as the kernel counted it.
struct Measured {
    int status = -1;
    double peak_rss = 0;
};
Measured run_optlab(const std::string& args) {
    std::vector<std::string> words{OPTLAB_CLI};
    std::istringstream in(args);
    for (std::string w; in >> w;) words.push_back(w);
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
        ::execv(OPTLAB_CLI, argv.data());
        ::_exit(127);
    }
    Measured m;
    struct rusage usage {};
    if (pid > 0 && ::wait4(pid, &m.status, 0, &usage) == pid) m.peak_rss = double(usage.ru_maxrss) * 1024.0;
    return m;
}

// From the shapes alone. Fashion-MNIST: 60 000 training and 10 000 test images of 28 × 28
// bytes, and a byte of label each.
constexpr double kDatasetBytes = (60000.0 + 10000.0) * (28 * 28 + 1);
// The lecture's MLP, 784-100-100-100-100-10, on batches of 128 (fmnist-mlp's default).
constexpr std::size_t kSizes[] = {784, 100, 100, 100, 100, 10};
constexpr std::size_t kBatch = 128;
// Parameter-sized float arrays each optimizer keeps beside the parameters and gradients, from
// its algorithm: Adam's m and v; AMSGrad's running maximum of v too; Muon's momentum and,
// bounded by a matrix each, Newton–Schulz's iterate, product and update; Adafactor's factored
// second moment (the full one for vectors) and its update; LAMB's m, v and the update whose norm
// sets the trust ratio; Schedule-Free's z, v and training point; a weight EMA's average and the
// fast weights beside Adam's m and v.
const std::map<std::string, int> kStateArrays = {{"sgd", 0},  {"adam", 2},      {"amsgrad", 3},
                                                 {"muon", 4}, {"adafactor", 2}, {"lamb", 3},
                                                 {"schedule-free-adamw", 3},    {"adam --ema 0.99", 4}};
// What a training optlab pages in beyond an idle one, data and model aside: OpenBLAS's and the
// loop's code, the second thread's stack and malloc arena. Without it the rule held with 0.3 to
// 1.5 MB to spare in each of the 16 runs (2026-12-06); 3 MB leaves room for other libraries'
// builds, and still fails a copy of a tenth of the data (5.5 MB).
constexpr double kSlackBytes = 3e6;

double mlp_parameters() {
    double p = 0;
    for (std::size_t i = 0; i + 1 < std::size(kSizes); ++i) p += double(kSizes[i] * kSizes[i + 1] + kSizes[i + 1]);
    return p;
}

// A batch's activations and their gradients: the input, each Linear's output and each ReLU's.
double mlp_activation_bytes() {
    double per_row = double(kSizes[0]);
    for (std::size_t i = 1; i < std::size(kSizes); ++i) per_row += double(kSizes[i]) * (i + 1 < std::size(kSizes) ? 2 : 1);
    return 2.0 * 4.0 * double(kBatch) * per_row;
}

TEST(TrainMemory, PeakIsTheDatasetPlusAtMostOneAndAHalfModels) {
    OPTLAB_SKIP_WITHOUT(optlab::kFashionMnistDir);
    const std::filesystem::path out =
        std::filesystem::path(OPTLAB_OUTPUT_DIR) / ("memory_test_" + std::to_string(::getpid()));
    // The program loaded, its libraries initialised, nothing trained.
    const Measured idle = run_optlab("problems");
    ASSERT_EQ(idle.status, 0);
    // Issue 12's optimizers too: Muon (with AdamW for the biases) and its workspaces,
    // Adafactor's per-tensor statistics, LAMB, Schedule-Free's kept training point, and the
    // weight EMA around Adam.
    for (const auto& [optimizer, state_arrays] : kStateArrays) {
        for (const char* threads : {"1", "2"}) {
            std::filesystem::remove_all(out);
            const std::string args = "train --optimizer " + optimizer + " --epochs 1 --max-iterations 300 --threads " +
                                     threads + " --out " + out.string();
            const Measured run = run_optlab(args);
            ASSERT_EQ(run.status, 0) << args;
            const auto summary = nlohmann::json::parse(std::ifstream(out / "summary.json"));
            const auto& m = summary.at("memory");
            const double added = double(m.at("peak_rss_bytes").get<std::uint64_t>()) -
                                 double(m.at("baseline_rss_bytes").get<std::uint64_t>()) -
                                 double(m.at("library_pages_bytes").get<std::uint64_t>());
            const double dataset = double(m.at("dataset_bytes").get<std::uint64_t>());
            const double model = double(m.at("model_bytes").get<std::uint64_t>());
            EXPECT_GT(added, dataset) << "the dataset is resident";
            EXPECT_LE(added, dataset + 1.5 * model)
                << optimizer << ", " << threads << " threads: training added " << added / 1e6 << " MB for "
                << dataset / 1e6 << " MB of data and a model of " << model / 1e6 << " MB";

            // The same rule on the kernel's measure and the shapes' sizes.
            const double shapes_model = 4.0 * mlp_parameters() * (2 + state_arrays) + mlp_activation_bytes();
            const double trained = run.peak_rss - idle.peak_rss;
            EXPECT_EQ(dataset, kDatasetBytes) << "summary.json's dataset is not the shapes'";
            EXPECT_LE(double(m.at("peak_rss_bytes").get<std::uint64_t>()), run.peak_rss)
                << "summary.json's peak is above the kernel's";
            EXPECT_GT(trained, kDatasetBytes) << optimizer << ": the dataset is resident";
            EXPECT_LE(trained, kDatasetBytes + 1.5 * shapes_model + kSlackBytes)
                << optimizer << ", " << threads << " threads: peak " << run.peak_rss / 1e6 << " MB, idle "
                << idle.peak_rss / 1e6 << " MB, for " << kDatasetBytes / 1e6 << " MB of data and a model of "
                << shapes_model / 1e6 << " MB from its shapes";
        }
    }
    std::filesystem::remove_all(out);
}

// What the same run adds varies by 64 KB from run to run (measured 2026-12-06: the quadratic's
// 2.515 and 2.580 MB alternating over four identical runs, on 1 and 2 threads; the
// page-granular measures, not training, move): more than the quadratic's whole model allows
// (1.5 × 0.083 MB). The rule holds within twice that; a copy of any split of the data (0.8 MB)
// still fails it.
constexpr double kJitterBytes = 131072;

// The other problems (docs/problems.md), Adam, 2 threads. words-charlm's data is bigger
// than its model, so what is kept per example decides it: its sampler's order is computed
// (data/sampler.hpp), not stored (a stored order of its 500k examples was 2 MB against a
// 1 MB allowance), and evaluation holds a batch of row numbers, not one per example.
TEST(TrainMemory, EveryProblemStaysWithinTheRule) {
    OPTLAB_SKIP_WITHOUT(optlab::kFashionMnistDir);
    OPTLAB_SKIP_WITHOUT(optlab::kWordListPath);
    const std::filesystem::path out =
        std::filesystem::path(OPTLAB_OUTPUT_DIR) / ("memory_problems_" + std::to_string(::getpid()));
    for (const char* problem : {"quadratic", "fmnist-logreg", "fmnist-cnn", "fmnist-autoencoder", "words-charlm"}) {
        std::filesystem::remove_all(out);
        const std::string cmd = std::string(OPTLAB_CLI) + " train --problem " + problem +
                                " --max-iterations 60 --threads 2 --out " + out.string() + " > /dev/null 2>&1";
        ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        const auto m = nlohmann::json::parse(std::ifstream(out / "summary.json")).at("memory");
        const double added = double(m.at("peak_rss_bytes").get<std::uint64_t>()) -
                             double(m.at("baseline_rss_bytes").get<std::uint64_t>()) -
                             double(m.at("library_pages_bytes").get<std::uint64_t>());
        const double dataset = double(m.at("dataset_bytes").get<std::uint64_t>());
        const double model = double(m.at("model_bytes").get<std::uint64_t>());
        EXPECT_GT(added, dataset) << problem << ": the data is resident";
        EXPECT_LE(added, dataset + 1.5 * model + kJitterBytes)
            << problem << ": training added " << added / 1e6 << " MB for " << dataset / 1e6
            << " MB of data and a model of " << model / 1e6 << " MB";
    }
    std::filesystem::remove_all(out);
}

// A run's record is written as it goes, not kept: 60 000 iterations (the quadratic, one
// example per batch) peak where 100 do, within 0.5 MB (kept in memory the rows were 2.4 MB, and
// iterations.json built from them at the end several times that).
TEST(TrainMemory, ARunsMemoryDoesNotGrowWithItsLength) {
    const std::filesystem::path out = std::filesystem::path(OPTLAB_OUTPUT_DIR) / ("memory_length_" + std::to_string(::getpid()));
    auto peak = [&](int iterations) {
        std::filesystem::remove_all(out);
        const Measured m = run_optlab("train --problem quadratic --batch 1 --epochs 60 --max-iterations " +
                                      std::to_string(iterations) + " --threads 2 --out " + out.string());
        EXPECT_EQ(m.status, 0);
        return m.peak_rss;
    };
    const double short_run = peak(100), long_run = peak(60000);
    std::ifstream log(out / "iterations.csv");
    std::size_t rows = 0;
    for (std::string line; std::getline(log, line);) ++rows;
    EXPECT_EQ(rows, 60001u) << "the long run recorded every iteration";
    EXPECT_NE(nlohmann::json::parse(std::ifstream(out / "iterations.json")).size(), 0u);
    EXPECT_LE(long_run - short_run, 0.5e6) << "60 000 iterations peaked " << (long_run - short_run) / 1e6
                                           << " MB above 100";
    std::filesystem::remove_all(out);
}

}  // namespace
