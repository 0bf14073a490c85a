// SPDX-License-Identifier: MIT
// `optlab suite` as a researcher runs it, on the two problems that need no download (the noisy
// quadratic and the word list's language model): its files hold what the issue names, a rerun
// resumes instead of recomputing, another protocol in the same folder is refused (one more
// optimizer is not: only its arms run), a suite of one optimizer draws every figure, and a suite
// killed with SIGKILL (or stopped by SIGTERM) at random points and rerun ends with the same results as one that ran
// through (apart from the seconds, which are measured).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../real_data.hpp"
#include "cli_support.hpp"
#include "optlab/core/rng.hpp"

namespace optlab {
namespace {

const std::string kArgs = "suite --quick --problems quadratic,words-charlm --optimizers sgd,adam --threads 1 "
                          "--progress lines";

class CliSuite : public ::testing::Test {
  protected:
    void SetUp() override {
        OPTLAB_SKIP_WITHOUT(kWordListPath);  // words-charlm's
        dir = std::filesystem::path(::testing::TempDir()) / ("optlab_cli_suite_" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string out(const std::string& name) const { return " --out '" + (dir / name).string() + "'"; }
    nlohmann::json suite(const std::string& name) const {
        return nlohmann::json::parse(slurp((dir / name / "suite.json").string()));
    }
    std::filesystem::path dir;
};

// What was measured in seconds differs between runs; everything else must not.
nlohmann::json without_seconds(nlohmann::json j) {
    for (auto& arm : j["arms"]) arm.erase("seconds"), arm.erase("seconds_to_target");
    for (auto& row : j["table"]) row.erase("seconds_to_target");
    j.erase("scores_seconds");
    return j;
}

TEST_F(CliSuite, WritesEveryArmTheTablesTheFiguresAndResumes) {
    const CliRun r = optlab_run(kArgs + out("a"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("arm 1/"), std::string::npos) << "progress names the arm: " << r.err;
    EXPECT_NE(r.err.find("ETA"), std::string::npos);
    const auto s = suite("a");
    for (const char* key : {"problems", "optimizers", "protocol", "arms", "winners", "scores"}) {
        EXPECT_TRUE(s.contains(key)) << key;
    }
    // 2 problems × 2 optimizers × (2 default seeds + 3 learning rates) + one more seed each.
    ASSERT_EQ(s["arms"].size(), 2u * 2u * 5u + 4u);
    for (const auto& arm : s["arms"]) {
        for (const char* key : {"problem", "optimizer", "phase", "lr", "seed", "final_train_loss", "test_metric",
                                "iterations_to_target", "seconds"}) {
            EXPECT_TRUE(arm.contains(key)) << key << " in " << arm.dump();
        }
    }
    // The winner of each problem is the optimizer ranked first in the table.
    for (const auto& [problem, winner] : s["winners"].items()) {
        bool found = false;
        for (const auto& row : s["table"]) {
            if (row["problem"] == problem && row["rank"] == 1) found = row["optimizer"] == winner;
        }
        EXPECT_TRUE(found) << problem;
    }
    for (const char* f : {"suite-arms.csv", "suite-table.csv", "suite-profile.png", "suite-profile.svg", "suite-ranks.png",
                          "suite-curves.png", "suite-lr.svg"}) {
        EXPECT_TRUE(std::filesystem::exists(dir / "a" / f)) << f;
    }
    EXPECT_NE(r.out.find("performance-profile score"), std::string::npos) << r.out;

    // Again: every arm is read back, none is run, and suite.json is the same file.
    const std::string first = slurp((dir / "a" / "suite.json").string());
    const CliRun again = optlab_run(kArgs + out("a"));
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(again.err.find("arm 1/"), std::string::npos) << "an arm ran again: " << again.err;
    EXPECT_EQ(slurp((dir / "a" / "suite.json").string()), first);

    // A folder that cannot be made: named, exit 2.
    const CliRun nowhere = optlab_run(kArgs + " --out /proc/optlab-suite");
    EXPECT_EQ(nowhere.code, 2);
    EXPECT_NE(nowhere.err.find("cannot create the results folder /proc/optlab-suite"), std::string::npos) << nowhere.err;

    // Another protocol in the same folder: refused, saying what differs.
    const CliRun other = optlab_run(kArgs + " --seeds 3" + out("a"));
    EXPECT_EQ(other.code, 2);
    EXPECT_NE(other.err.find("another protocol"), std::string::npos) << other.err;
    EXPECT_NE(other.err.find("seeds was 2, now 3"), std::string::npos) << other.err;
}

// A suite of one optimizer on one problem, with every figure (gnuplot refused the rank map's
// colour range [1:1] and its 1 × 1 image: exit 2); then one more optimizer in the same folder
// runs only that optimizer's arms.
TEST(CliSuiteOfOne, WritesEveryFigureAndAnotherOptimizerAddsOnlyItsArms) {
    const auto dir = std::filesystem::path(::testing::TempDir()) / ("optlab_cli_suite_one_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const std::string args = "suite --quick --problems quadratic --threads 1 --progress lines --out '" + dir.string() + "'";
    const CliRun one = optlab_run(args + " --optimizers sgd");
    ASSERT_EQ(one.code, 0) << one.err;
    for (const char* f : {"suite.json", "suite-ranks.png", "suite-ranks.svg", "suite-profile.png", "suite-curves.png",
                          "suite-lr.svg"}) {
        EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
    }
    const auto s = nlohmann::json::parse(slurp((dir / "suite.json").string()));
    ASSERT_EQ(s["table"].size(), 1u);
    EXPECT_EQ(s["table"][0]["rank"], 1);
    EXPECT_EQ(s["winners"]["quadratic"], "sgd");

    const CliRun two = optlab_run(args + " --optimizers sgd,adam");
    ASSERT_EQ(two.code, 0) << two.err;
    int arms = 0;
    for (std::size_t at = two.err.find("arm "); at != std::string::npos; at = two.err.find("arm ", at + 1)) {
        const std::string line = two.err.substr(at, two.err.find('\n', at) - at);
        EXPECT_NE(line.find("adam"), std::string::npos) << "an sgd arm ran again: " << line;
        ++arms;
    }
    EXPECT_EQ(arms, 2 + 3 + 1) << two.err;
    EXPECT_EQ(nlohmann::json::parse(slurp((dir / "suite.json").string()))["optimizers"].size(), 2u);
    std::filesystem::remove_all(dir);
}

// `--optimizers all` is every registered optimizer, in the registry's order (Muon, for matrices
// only, has no arm on the quadratic's vector and is still listed), each with a rank.
TEST(CliSuiteOfAll, AllIsEveryRegisteredOptimizer) {
    const auto dir = std::filesystem::path(::testing::TempDir()) / ("optlab_cli_suite_all_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const CliRun run = optlab_run("suite --quick --problems quadratic --optimizers all --budget 1 --seeds 1 "
                                  "--threads 1 --progress lines --out '" + dir.string() + "'");
    ASSERT_EQ(run.code, 0) << run.err;
    const auto registered = nlohmann::json::parse(optlab_run("optimizers --json").out);
    const auto s = nlohmann::json::parse(slurp((dir / "suite.json").string()));
    ASSERT_EQ(s["optimizers"].size(), registered.size());
    for (std::size_t i = 0; i < registered.size(); ++i) EXPECT_EQ(s["optimizers"][i], registered[i]["name"]);
    std::filesystem::remove_all(dir);
}

TEST_F(CliSuite, KilledAtRandomPointsAndRerunEndsAsAnUninterruptedSuite) {
#ifdef __SANITIZE_ADDRESS__
    GTEST_SKIP() << "timing-based; it runs in the plain build";
#endif
    ASSERT_EQ(optlab_run(kArgs + out("whole")).code, 0);
    Rng rng(14);
    int kills = 0;
    for (int attempt = 0; attempt < 30 && kills < 6; ++attempt) {
        const int delay_ms = 150 + int(rng.below(600));
        const std::string cmd = std::string("'") + OPTLAB_CLI + "' " + kArgs + out("killed") +
                                " >/dev/null 2>&1 & pid=$!; sleep " + std::to_string(delay_ms / 1000.0) +
                                // SIGKILL, and every third time SIGTERM, which stops the arm
                                // being trained: it must not be taken for a result.
                                "; kill -" + (attempt % 3 == 2 ? "TERM" : "9") +
                                " $pid 2>/dev/null && echo killed; wait $pid; exit 0";
        FILE* p = ::popen(cmd.c_str(), "r");
        char buf[64] = {0};
        const bool killed = std::fgets(buf, sizeof buf, p) != nullptr;
        ::pclose(p);
        kills += killed;
        if (!killed) break;
    }
    EXPECT_GE(kills, 3) << "too few kills landed inside the suite";
    const CliRun last = optlab_run(kArgs + out("killed"));
    ASSERT_EQ(last.code, 0) << last.err;
    EXPECT_EQ(without_seconds(suite("killed")).dump(1), without_seconds(suite("whole")).dump(1));
}

// ---- over MPI: `mpirun -np 2` on loopback ------------------------------------------------------

#if defined(OPTLAB_HAVE_MPI) && !defined(__SANITIZE_ADDRESS__)
const std::string kMpirun = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader "
                            "mpirun --oversubscribe -np 2 ";

TEST_F(CliSuite, TwoMpiRanksGiveTheSingleProcessResults) {
    ASSERT_EQ(std::system("command -v mpirun >/dev/null"), 0) << "mpirun is missing (scripts/install-deps.sh installs openmpi-bin)";
    ASSERT_EQ(optlab_run(kArgs + out("one")).code, 0);
    const CliRun two = optlab_run(kArgs + out("two"), kMpirun);
    ASSERT_EQ(two.code, 0) << two.err;
    EXPECT_NE(two.err.find("2 MPI ranks"), std::string::npos) << two.err;
    EXPECT_EQ(without_seconds(suite("two")).dump(1), without_seconds(suite("one")).dump(1));
}

// A rank killed mid-suite: mpirun fails and says which rank died; the arms finished before it
// stay on disk, and a rerun finishes the suite with the results of an uninterrupted one.
TEST_F(CliSuite, ADeadRankFailsTheRunAndARerunResumes) {
    ASSERT_EQ(std::system("command -v mpirun >/dev/null"), 0) << "mpirun is missing (scripts/install-deps.sh installs openmpi-bin)";
    ASSERT_EQ(optlab_run(kArgs + out("whole")).code, 0);
    const std::string arms = (dir / "killed" / "arms").string();
    // Kill rank 1 (found by its environment) once a few arms are written.
    const std::string script = (dir / "kill-rank-1.sh").string();
    std::ofstream(script) << "(" << kMpirun << "'" << OPTLAB_CLI << "' " << kArgs << out("killed") << " >'"
                          << (dir / "mpi.out").string() << "' 2>'" << (dir / "mpi.err").string() << "'; echo $? >'"
                          << (dir / "mpi.code").string() << "') &\n"
                          << "for i in $(seq 600); do\n"
                          << "  [ $(find '" << arms << "' -name '*.json' 2>/dev/null | wc -l) -ge 4 ] && break; sleep 0.05\n"
                          << "done\n"
                          << "for p in $(pgrep -f '" << (dir / "killed").string() << "'); do\n"
                          << "  tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && kill -9 $p\n"
                          << "done\n"
                          << "wait\n";
    ASSERT_EQ(std::system(("bash '" + script + "'").c_str()), 0);
    EXPECT_NE(slurp((dir / "mpi.code").string()), "0\n") << "the run must fail when a rank dies";
    const std::string err = slurp((dir / "mpi.err").string());
    EXPECT_NE(err.find("rank 1"), std::string::npos) << err;
    std::size_t kept = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(arms)) kept += e.path().extension() == ".json";
    EXPECT_GE(kept, 4u) << "the finished arms are kept";
    const CliRun rerun = optlab_run(kArgs + out("killed"), kMpirun);
    ASSERT_EQ(rerun.code, 0) << rerun.err;
    EXPECT_EQ(without_seconds(suite("killed")).dump(1), without_seconds(suite("whole")).dump(1));
}
#endif

}  // namespace
}  // namespace optlab
