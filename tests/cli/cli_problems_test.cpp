// SPDX-License-Identifier: MIT
// `optlab problems`, `optlab train --problem` and `optlab sample` as a user runs them: the list
// is the catalogue, a problem's fixed model refuses the MLP's flags, a language model trained
// for a moment prints words of a–z, and mistakes get a message and exit code 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../real_data.hpp"
#include "cli_support.hpp"
#include "optlab/problems/catalogue.hpp"

namespace optlab {
namespace {

TEST(CliProblems, ListIsTheCatalogue) {
    const CliRun r = optlab_run("problems --json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto all = nlohmann::json::parse(r.out);
    ASSERT_EQ(all.size(), problem_catalogue().size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        const ProblemInfo& p = problem_catalogue()[i];
        EXPECT_EQ(all[i]["name"], std::string(p.name));
        EXPECT_EQ(all[i]["epochs"], p.epochs);
        EXPECT_EQ(all[i]["lower_is_better"], p.lower_is_better);
    }
    const CliRun text = optlab_run("problems");
    for (const ProblemInfo& p : problem_catalogue()) {
        EXPECT_NE(text.out.find(std::string(p.name)), std::string::npos) << p.name;
    }
}

// The progress lines name the problem's metric: the quadratic's is its loss (said once, no
// "accuracy"), the language model's its perplexity.
TEST(CliProblems, TheProgressLinesNameTheProblemsMetric) {
    const CliRun q = optlab_run("train --problem quadratic --max-iterations 10");
    ASSERT_EQ(q.code, 0) << q.err;
    EXPECT_EQ(q.err.find("accuracy"), std::string::npos) << q.err;
    EXPECT_NE(q.err.find("train loss"), std::string::npos) << q.err;
    EXPECT_NE(q.err.find(", test loss"), std::string::npos) << q.err;
    EXPECT_EQ(q.out.find("accuracy"), std::string::npos) << q.out;
    OPTLAB_SKIP_WITHOUT(kWordListPath);
    const CliRun lm = optlab_run("train --problem words-charlm --max-iterations 5");
    ASSERT_EQ(lm.code, 0) << lm.err;
    EXPECT_EQ(lm.err.find("accuracy"), std::string::npos) << lm.err;
    EXPECT_NE(lm.err.find("test perplexity"), std::string::npos) << lm.err;
    EXPECT_NE(lm.out.find("test perplexity"), std::string::npos) << lm.out;
}

// The 2-D problems train from the command line, log a test loss per step, and refuse bad
// values naming the flag (and their flags for the other problems).
TEST(CliProblems, TrainsThe2dProblemsAndRefusesTheirBadFlags) {
    const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                      ("optlab_cli_2d_" + std::to_string(::getpid()));
    for (const char* problem : {"2d-circle", "2d-xor", "2d-gauss", "2d-spiral"}) {
        std::filesystem::remove_all(dir);
        const CliRun r = optlab_run(std::string("train --problem ") + problem + " --noise 0.1 --hidden 8,8 --activation linear "
                                    "--init he --features x1,x2,x1x2 --l2 0.001 --max-iterations 30 --progress none --json --out " +
                                    dir.string());
        ASSERT_EQ(r.code, 0) << problem << ": " << r.err;
        std::string last_line = r.out.substr(0, r.out.find_last_not_of('\n') + 1);
        last_line = last_line.substr(last_line.rfind('\n') + 1);
        const auto result = nlohmann::json::parse(last_line);
        EXPECT_EQ(result["problem"], problem);
        EXPECT_EQ(result["iterations"], 30);
        std::ifstream csv(dir / "iterations.csv");
        std::string header, first;
        std::getline(csv, header);
        std::getline(csv, first);
        EXPECT_EQ(header, "iteration,epoch,loss,lr,skipped,evaluations,test_loss") << problem;
        EXPECT_EQ(std::count(first.begin(), first.end(), ','), 6) << first;
    }
    std::filesystem::remove_all(dir);
    const std::pair<const char*, const char*> refused[] = {
        {"train --problem 2d-spiral --hidden 9,9", "--hidden '9,9': expected 1 to 6 layer sizes of 1 to 8 units"},
        {"train --problem 2d-spiral --hidden 1,1,1,1,1,1,1", "--hidden '1,1,1,1,1,1,1'"},
        {"train --problem 2d-xor --noise 0.9", "--noise 0.9: expected a number from 0 to 0.5"},
        {"train --problem 2d-xor --train-ratio 1", "--train-ratio 1: expected a number from 0.1 to 0.9"},
        {"train --problem 2d-gauss --features x1,cosx1", "'cosx1' is not a feature"},
        {"train --problem 2d-gauss --activation softplus", "--activation 'softplus'"},
        {"train --problem 2d-circle --batch 251", "--batch 251: expected 1 to the 250 training points"},
        {"train --problem 2d-circle --l2 -1", "--l2 -1: expected a finite number >= 0"},
        {"train --problem 2d-circle --net 2-8-1", "--net shapes the fmnist-mlp network"},
        {"train --problem quadratic --noise 0.1", "--noise shapes the 2-D problems"},
    };
    for (const auto& [command, message] : refused) {
        const CliRun r = optlab_run(command);
        EXPECT_EQ(r.code, 2) << command;
        EXPECT_NE(r.err.find(message), std::string::npos) << command << ": " << r.err;
    }
}

// A 2-D run stopped at iteration 17 (inside its first epoch of 25 batches) and resumed to 60 logs what the run that never stopped
// logs, test losses included; a resumed run refuses another network.
TEST(CliProblems, A2dRunResumesExactly) {
    const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                      ("optlab_cli_2d_resume_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const std::string common = "train --problem 2d-spiral --noise 0.2 --optimizer adam --lr 0.02 --epochs 10 "
                               "--progress none --threads 1 --hidden ";
    ASSERT_EQ(optlab_run(common + "8,6 --max-iterations 60 --out " + (dir / "straight").string()).code, 0);
    const std::string checkpoint = (dir / "run.safetensors").string();
    const CliRun first = optlab_run(common + "8,6 --max-iterations 17 --out " + (dir / "resumed").string() + " --checkpoint " + checkpoint);
    ASSERT_EQ(first.code, 0) << first.err;
    const CliRun second = optlab_run(common + "8,6 --max-iterations 60 --out " + (dir / "resumed").string() + " --resume " + checkpoint);
    ASSERT_EQ(second.code, 0) << second.err;
    EXPECT_EQ(slurp((dir / "resumed" / "iterations.csv").string()), slurp((dir / "straight" / "iterations.csv").string()));
    const CliRun other = optlab_run(common + "8,8 --max-iterations 70 --resume " + checkpoint);
    EXPECT_EQ(other.code, 2);
    EXPECT_NE(other.err.find("--hidden 8,8 differs from the checkpoint's 8,6"), std::string::npos) << other.err;
    std::filesystem::remove_all(dir);
}

TEST(CliProblems, TrainsALanguageModelAndSamplesWordsFromIt) {
    OPTLAB_SKIP_WITHOUT(kWordListPath);
    const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                      ("optlab_cli_problems_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string checkpoint = (dir / "lm.safetensors").string();
    const CliRun train = optlab_run("train --problem words-charlm --max-iterations 300 --lr 0.003 --progress none --json "
                                    "--checkpoint " + checkpoint);
    ASSERT_EQ(train.code, 0) << train.err;
    std::string last_line = train.out.substr(0, train.out.find_last_not_of('\n') + 1);
    last_line = last_line.substr(last_line.rfind('\n') + 1);
    const auto result = nlohmann::json::parse(last_line);
    EXPECT_EQ(result["problem"], "words-charlm");
    EXPECT_EQ(result["metric"], "perplexity");
    EXPECT_LT(result["test_metric"].get<double>(), 27.0) << "better than guessing among 27 tokens";
    EXPECT_EQ(result["model"], std::string(problem_info("words-charlm").model));
    EXPECT_FALSE(result.contains("net")) << "--net sizes the MLP only: " << result["net"];

    const CliRun sample = optlab_run("sample --problem words-charlm --count 12 --seed 3 --checkpoint " + checkpoint);
    ASSERT_EQ(sample.code, 0) << sample.err;
    std::istringstream lines(sample.out);
    std::string word;
    int words = 0;
    while (std::getline(lines, word)) {
        ++words;
        EXPECT_LE(word.size(), 30u);
        for (char c : word) EXPECT_TRUE(c >= 'a' && c <= 'z') << "'" << word << "'";
    }
    EXPECT_EQ(words, 12);
    EXPECT_EQ(sample.out, optlab_run("sample --count 12 --seed 3 --checkpoint " + checkpoint).out)
        << "the same seed draws the same words";
    EXPECT_NE(sample.out, optlab_run("sample --count 12 --seed 4 --checkpoint " + checkpoint).out);

    const CliRun quadratic = optlab_run("train --problem quadratic --max-iterations 5 --progress none --checkpoint " +
                                        (dir / "q.safetensors").string());
    ASSERT_EQ(quadratic.code, 0) << quadratic.err;
    const CliRun wrong = optlab_run("sample --checkpoint " + (dir / "q.safetensors").string());
    EXPECT_EQ(wrong.code, 2);
    EXPECT_NE(wrong.err.find("problem quadratic"), std::string::npos) << wrong.err;
    std::filesystem::remove_all(dir);
}

struct BadProblemFlag {
    const char* name;
    const char* args;
    const char* message;
};
void PrintTo(const BadProblemFlag& c, std::ostream* os) { *os << c.args; }

class CliProblemMistakes : public ::testing::TestWithParam<BadProblemFlag> {};

TEST_P(CliProblemMistakes, ExitTwoWithAMessage) {
    const CliRun r = optlab_run(GetParam().args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CliProblemMistakes,
    ::testing::Values(
        BadProblemFlag{"unknown_problem", "train --problem cifar-resnet", "problem: unknown name 'cifar-resnet'"},
        BadProblemFlag{"mlp_flag_on_the_cnn", "train --problem fmnist-cnn --net 784-10", "--net shapes the fmnist-mlp network"},
        BadProblemFlag{"images_for_the_quadratic", "train --problem quadratic --data /tmp", "--data: problem quadratic does not train on images"},
        BadProblemFlag{"validation_of_the_charlm", "train --problem words-charlm --validation 100", "has its own validation split"},
        BadProblemFlag{"missing_word_list", "train --problem words-charlm --data /nonexistent/words", "/nonexistent/words (install Debian's wamerican"},
        BadProblemFlag{"init_of_the_quadratic", "train --problem quadratic --init he", "--init: problem quadratic starts at"},
        BadProblemFlag{"batch_above_the_quadratics_points", "train --problem quadratic --batch 1001", "invalid batch = 1001 (expected 1..1000"},
        BadProblemFlag{"sample_without_checkpoint", "sample", "--checkpoint"},
        BadProblemFlag{"sample_other_problem", "sample --problem fmnist-cnn --checkpoint x", "only words-charlm draws samples"}),
    case_name<BadProblemFlag>);

}  // namespace
}  // namespace optlab
