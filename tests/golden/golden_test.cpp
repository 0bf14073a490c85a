// SPDX-License-Identifier: MIT
// Behaviour pinned across restructurings: a fixed set of optlab commands whose outputs were
// committed (tests/golden/<case>/) before the code under them was moved around, compared byte
// for byte — timings excepted (the columns and keys listed in kTimings are replaced by "*").
//
// The commands run single-threaded with OpenBLAS pinned to its Haswell (AVX2) kernels, so a
// matrix product sums in the same order on any x86-64 machine with AVX2 that runs the test.
//
// To record new outputs after a deliberate change in behaviour (say why in the commit):
//   OPTLAB_UPDATE_GOLDEN=1 build/tests/golden_test
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include "../real_data.hpp"

namespace optlab {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
    std::string name;                // folder under tests/golden/
    std::string args;                // optlab's arguments; {out} is a scratch folder
    std::vector<std::string> files;  // outputs to compare: files in {out}, or "stdout"
};

const std::vector<GoldenCase>& cases() {
    static const std::vector<GoldenCase> all = {
        {"trajectory-ravine-sgd", "trajectory --function ravine --optimizer sgd --lr 0.95 --steps 30", {"stdout"}},
        {"trajectory-rosenbrock-adam", "trajectory --function rosenbrock --optimizer adam --lr 0.05 --steps 200", {"stdout"}},
        {"trajectory-ravine-momentum-json", "trajectory --function ravine --optimizer momentum --lr 0.1 --format json", {"stdout"}},
        {"trajectory-adagrad-keras", "trajectory --optimizer adagrad --convention keras --steps 10", {"stdout"}},
        {"trajectory-nadam-book", "trajectory --function himmelblau --optimizer nadam --convention book --steps 40 --betas 0.8,0.99", {"stdout"}},
        {"trajectory-diverges", "trajectory --function ravine --optimizer sgd --lr 40 --steps 400", {"stdout"}},
        {"plot-trajectories-book", "plot trajectories --preset book --out {out}", {"trajectories-book.csv"}},
        {"plot-trajectories-arms", "plot trajectories --function rosenbrock --optimizers 'sgd:lr=0.001,rmsprop:lr=0.01;centered=true,adam:lr=0.1;betas=0.8/0.9' --steps 50 --out {out} --name arms",
         {"arms.csv"}},
        {"train-1-epoch", "train --threads 1 --epochs 1 --json --progress none --out {out}", {"stdout", "epochs.csv"}},
        {"train-features", "train --threads 1 --epochs 2 --max-iterations 40 --batch 2000 --validation 5000 --net 784-64-32-10 "
                           "--batchnorm --dropout 0.1 --init xavier --activation tanh --optimizer nag --lr 0.05 --weight-decay 1e-4 "
                           "--clip global-norm:1 --schedule step:10,0.5 --schedule-unit iteration --json --progress none --out {out}",
         {"stdout", "epochs.csv", "iterations.csv"}},
        {"train-plateau", "train --threads 1 --epochs 5 --batch 500 --net 784-32-10 --validation 5000 --optimizer sgd --lr 0.9 "
                          "--schedule plateau:0.5,0 --json --progress none --out {out}",
         {"stdout", "epochs.csv", "iterations.csv"}},
        {"compare-small", "compare --iterations 60 --seeds 1 --threads 1 --out {out}", {"compare-table.csv", "compare-runs.csv", "compare-curves.csv"}},
        {"compare-sweep", "compare --iterations 30 --seeds 2 --threads 1 --optimizers sgd,adam:betas=0.8/0.99 --sweep lr=1e-3:1e-1:3 --out {out}",
         {"compare-table.csv", "compare-runs.csv", "compare-sweep.csv", "compare-curves.csv"}},
        {"init-compare-small", "init-compare --iterations 30 --seeds 1 --threads 1 --out {out}", {"init-compare-table.csv", "init-compare-runs.csv"}},
        {"init-histogram", "init-histogram --out {out}", {"init-histogram.csv"}},
    };
    return all;
}

// Outputs that are timings, not results.
const std::set<std::string> kTimings = {"seconds", "ms_per_iteration", "samples_per_second", "memory"};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto at = line.find(sep, start);
        out.push_back(line.substr(start, at - start));
        if (at == std::string::npos) return out;
        start = at + 1;
    }
}

// CSV: every cell of a timing column becomes "*". JSON (one object per line): every timing key's
// value becomes "*". Anything else is kept as it is.
std::string mask_timings(const std::string& text) {
    std::stringstream in(text);
    std::string line, out;
    std::vector<std::size_t> timing_columns;
    bool first = true;
    while (std::getline(in, line)) {
        if (!line.empty() && line.front() == '{') {
            nlohmann::json j = nlohmann::json::parse(line);
            for (const auto& key : kTimings) {
                if (j.contains(key)) j[key] = "*";
            }
            out += j.dump() + "\n";
            continue;
        }
        std::vector<std::string> cells = split(line, ',');
        if (first) {
            for (std::size_t i = 0; i < cells.size(); ++i) {
                if (kTimings.contains(cells[i])) timing_columns.push_back(i);
            }
        } else {
            for (std::size_t i : timing_columns) {
                if (i < cells.size()) cells[i] = "*";
            }
        }
        first = false;
        for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + cells[i];
        out += "\n";
    }
    return out;
}

class Golden : public ::testing::TestWithParam<GoldenCase> {};

INSTANTIATE_TEST_SUITE_P(Commands, Golden, ::testing::ValuesIn(cases()), [](const auto& info) {
    std::string name;
    for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return name;
});

TEST_P(Golden, OutputIsByteIdenticalToTheCommittedOne) {
    const GoldenCase& c = GetParam();
    // train, compare and init-compare read Fashion-MNIST; trajectories and histograms no data.
    const std::string command = c.args.substr(0, c.args.find(' '));
    if (command == "train" || command == "compare" || command == "init-compare") {
        OPTLAB_SKIP_WITHOUT(kFashionMnistDir);
    }
    const fs::path out = fs::path(OPTLAB_OUTPUT_DIR) / "golden" / c.name;
    fs::remove_all(out);
    fs::create_directories(out);
    std::string args = c.args;
    if (auto at = args.find("{out}"); at != std::string::npos) args.replace(at, 5, out.string());
    const std::string cmd = "cd '" + out.string() + "' && OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1 '" +
                            OPTLAB_CLI + "' " + args + " >stdout 2>stderr </dev/null";
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << cmd;
    std::ofstream(out / "exit") << WEXITSTATUS(status) << "\n";  // the exit code is an output too
    const fs::path golden = fs::path(OPTLAB_SOURCE_DIR) / "tests" / "golden" / c.name;
    const bool update = std::getenv("OPTLAB_UPDATE_GOLDEN") != nullptr;
    if (update) fs::create_directories(golden);
    std::vector<std::string> files = c.files;
    files.push_back("exit");
    for (const std::string& file : files) {
        const fs::path produced = out / file;
        ASSERT_TRUE(fs::exists(produced)) << c.name << ": " << file << " was not written; stderr:\n"
                                          << slurp(out / "stderr");
        const std::string actual = mask_timings(slurp(produced));
        if (update) {
            std::ofstream(golden / file, std::ios::binary) << actual;
            continue;
        }
        ASSERT_TRUE(fs::exists(golden / file)) << "no golden output " << (golden / file);
        const std::string expected = slurp(golden / file);
        EXPECT_EQ(actual, expected) << c.name << ": " << file << " differs from " << (golden / file);
    }
}

}  // namespace
}  // namespace optlab
