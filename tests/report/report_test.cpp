// SPDX-License-Identifier: MIT
// `optlab report --quick` as a learner opens it: in a real browser (Debian's chromium,
// headless, no sandbox, no network), every image must load with a non-zero size. A screenshot
// is kept in build/test-output/report/screenshot.png.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>
#include <cmath>
#include <limits>

#include "optlab/data/dataset.hpp"

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::filesystem::path kOut = std::filesystem::path(OPTLAB_OUTPUT_DIR) / "report";

std::string chromium(const std::string& args) {
    const std::string profile = (kOut.parent_path() / "chromium-profile").string();
    std::filesystem::remove_all(profile);
    return "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
           "--disable-background-networking --disable-component-update --disable-sync "
           "--user-data-dir='" + profile + "' " + args + " 2>/dev/null";
}

class Report : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) return;
        std::filesystem::remove_all(kOut);
        const std::string cmd = std::string("'") + OPTLAB_CLI + "' report --quick --out '" + kOut.string() +
                                "' > '" + kOut.string() + ".log' 2>&1";
        std::filesystem::create_directories(kOut.parent_path());
        status_ = std::system(cmd.c_str());
    }
    static inline int status_ = -1;
};

TEST_F(Report, QuickReportIsWrittenWithEveryFigureAndTheFormulas) {
    if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "no dataset-fashion-mnist";
    ASSERT_EQ(status_, 0) << slurp(kOut.string() + ".log");
    const std::string html = slurp(kOut / "index.html");
    for (const char* stem : {"trajectories-book", "trajectories-lecture", "trajectories-ravine-momentum",
                             "trajectories-local-minima", "init-histogram-sigmoid", "init-histogram-tanh",
                             "init-histogram-relu", "init-compare", "compare", "reconstructions"}) {
        for (const char* ext : {".png", ".svg"}) {
            const auto f = kOut / (std::string(stem) + ext);
            ASSERT_TRUE(std::filesystem::exists(f)) << f;
            EXPECT_GT(std::filesystem::file_size(f), 1000u) << f;
        }
        EXPECT_NE(html.find(std::string("src=\"") + stem + ".png\""), std::string::npos) << stem;
    }
    for (const char* csv : {"compare-table.csv", "compare-curves.csv", "init-compare-table.csv",
                            "init-histogram.csv", "trajectories-book.csv", "reconstructions.csv"}) {
        EXPECT_TRUE(std::filesystem::exists(kOut / csv)) << csv;
    }
    for (const char* text : {"Which optimizer?", "AdaGrad", "<math display=\"block\">", "data-optimizers=\"sgd\"",
                             "He for ReLU", "SGD learns slowest", "symmetry is never broken"}) {
        EXPECT_NE(html.find(text), std::string::npos) << text;
    }
    // The autoencoder's baseline, computed here from the data: the mean training image's error.
    const optlab::TrainTest data = optlab::load_named_dataset("fashion-mnist");
    std::vector<double> mean(data.train.features, 0.0);
    for (std::size_t i = 0; i < data.train.pixels.size(); ++i) mean[i % data.train.features] += data.train.pixels[i] / 255.0;
    double error = 0;
    for (std::size_t i = 0; i < data.test.pixels.size(); ++i) {
        const double d = data.test.pixels[i] / 255.0 - mean[i % data.test.features] / double(data.train.count);
        error += d * d;
    }
    char baseline[128];
    std::snprintf(baseline, sizeof baseline, "against %.4f for the mean training image", error / double(data.test.pixels.size()));
    EXPECT_NE(html.find(baseline), std::string::npos) << baseline;
    const std::size_t at = html.find("Its mean squared error per pixel on the test set is ");
    ASSERT_NE(at, std::string::npos);
    const double learned = std::stod(html.substr(at + 52, 6));
    EXPECT_EQ(html.find("% lower.", at) != std::string::npos, learned < error / double(data.test.pixels.size()))
        << "the page says lower exactly when the autoencoder's error is lower";
    EXPECT_EQ(html.find("http://"), std::string::npos) << "the page must not need the network";
    EXPECT_EQ(html.find("https://"), std::string::npos) << "the page must not need the network";
}

// "Which optimizer, across problems?": its sentences against the suite's numbers, recomputed
// here from the arms themselves (each optimizer's best learning rate by validation metric on
// seed 1, its tuned test metric the mean over the seeds at that rate) — whatever they say.
std::string attribute(const std::string& html, std::size_t from, const std::string& name) {
    const std::size_t at = html.find(name + "=\"", from);
    if (at == std::string::npos) return "";
    const std::size_t begin = at + name.size() + 2;
    return html.substr(begin, html.find('"', begin) - begin);
}

TEST_F(Report, TheAcrossProblemsSentencesMatchTheSuitesNumbers) {
    if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "no dataset-fashion-mnist";
    ASSERT_EQ(status_, 0);
    const std::string html = slurp(kOut / "index.html");
    const auto suite = nlohmann::json::parse(slurp(kOut / "suite-quick" / "suite.json"));
    ASSERT_GE(suite["protocol"]["seeds"].get<int>(), 2) << "the claims are over several seeds";
    const double inf = std::numeric_limits<double>::infinity();
    std::map<std::string, bool> lower;
    for (const auto& p : suite["problems"]) lower[p["name"]] = p["lower_is_better"];
    auto score = [&](const std::string& problem, const nlohmann::json& v) {  // higher is better
        if (v.is_null()) return -inf;
        return lower[problem] ? -v.get<double>() : v.get<double>();
    };
    // (problem, optimizer) → best lr on seed 1, then the mean test metric at it over the seeds.
    std::map<std::pair<std::string, std::string>, double> best_lr, best_val, tuned_sum, tuned_n, tuned_worst, default_sum, default_n;
    for (const auto& a : suite["arms"]) {
        const auto key = std::make_pair(a["problem"].get<std::string>(), a["optimizer"].get<std::string>());
        if (a["phase"] != "tune" || a["diverged"].get<bool>()) continue;
        const double v = score(key.first, a["validation_metric"]);
        if (!best_val.count(key) || v > best_val[key]) best_val[key] = v, best_lr[key] = a["lr"];
    }
    for (const auto& a : suite["arms"]) {
        const auto key = std::make_pair(a["problem"].get<std::string>(), a["optimizer"].get<std::string>());
        const double t = score(key.first, a["test_metric"]);
        if (a["phase"] == "default") default_sum[key] += t, default_n[key] += 1;
        const bool tuned = best_lr.count(key) && a["lr"].get<double>() == best_lr[key] &&
                           (a["phase"] == "seed" || a["phase"] == "tune");
        if (!tuned) continue;
        tuned_sum[key] += t, tuned_n[key] += 1;
        tuned_worst[key] = tuned_worst.count(key) ? std::min(tuned_worst[key], t) : t;
    }
    std::set<std::string> distinct;
    int tuning_won = 0;
    for (const auto& [problem, is_lower] : lower) {
        std::string winner;
        double best = -inf, best_default = -inf;
        for (const auto& o : suite["optimizers"]) {
            const auto key = std::make_pair(problem, o.get<std::string>());
            if (default_n.count(key)) best_default = std::max(best_default, default_sum[key] / default_n[key]);
            if (!tuned_n.count(key)) continue;
            const double mean = tuned_sum[key] / tuned_n[key];
            if (mean > best) best = mean, winner = key.second;
        }
        distinct.insert(winner);
        tuning_won += tuned_worst[std::make_pair(problem, winner)] > best_default;
        const std::size_t mark = html.find("data-problem=\"" + problem + "\"");
        ASSERT_NE(mark, std::string::npos) << problem;
        EXPECT_EQ(attribute(html, mark, "data-winner"), winner) << problem;
    }
    const std::size_t findings = html.find("class=\"suite-findings\"");
    ASSERT_NE(findings, std::string::npos);
    EXPECT_EQ(attribute(html, findings, "data-distinct-winners"), std::to_string(distinct.size()));
    EXPECT_EQ(html.find("No optimizer wins every problem", findings) != std::string::npos, distinct.size() > 1);
    EXPECT_EQ(attribute(html, html.find("class=\"tuning\"", findings), "data-problems"), std::to_string(tuning_won));
    // The best profile score's optimizer; the optimizer whose rank moves most, from the table.
    std::string top;
    double top_score = -1;
    for (const auto& [o, v] : suite["scores"].items()) {
        if (v.get<double>() > top_score) top_score = v, top = o;
    }
    EXPECT_EQ(attribute(html, html.find("class=\"best-score\"", findings), "data-optimizer"), top);
    std::map<std::string, std::pair<int, int>> ranks;  // optimizer → lowest, highest rank
    for (const auto& row : suite["table"]) {
        if (!row["applicable"].get<bool>()) continue;
        auto [it, fresh] = ranks.try_emplace(row["optimizer"], 1 << 30, 0);
        it->second.first = std::min(it->second.first, row["rank"].get<int>());
        it->second.second = std::max(it->second.second, row["rank"].get<int>());
    }
    int widest = 0;
    for (const auto& [o, lh] : ranks) widest = std::max(widest, lh.second - lh.first);
    const std::size_t widest_mark = html.find("class=\"widest\"", findings);
    const std::string named = attribute(html, widest_mark, "data-optimizer");
    ASSERT_TRUE(ranks.count(named)) << named;
    EXPECT_EQ(ranks[named].second - ranks[named].first, widest) << "the optimizer named moves the most";
    EXPECT_EQ(attribute(html, widest_mark, "data-rank-low"), std::to_string(ranks[named].first));
    EXPECT_EQ(attribute(html, widest_mark, "data-rank-high"), std::to_string(ranks[named].second));
    EXPECT_EQ(html.find("The ranking changes with the problem", findings) != std::string::npos, widest > 0);
    for (const char* f : {"suite-profile.png", "suite-ranks.svg", "suite-table.csv"}) {
        EXPECT_TRUE(std::filesystem::exists(kOut / "suite-quick" / f)) << f;
    }
}

TEST_F(Report, EveryImageLoadsInAHeadlessBrowser) {
    if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "no dataset-fashion-mnist";
    ASSERT_EQ(status_, 0);
    ASSERT_EQ(std::system("command -v chromium >/dev/null"), 0)
        << "chromium is not installed (scripts/install-deps.sh installs it)";
    const auto dom_file = kOut.parent_path() / "report-dom.html";
    const std::string url = "file://" + std::filesystem::absolute(kOut / "index.html").string();
    ASSERT_EQ(std::system((chromium("--virtual-time-budget=10000 --dump-dom '" + url + "'") + " > '" +
                           dom_file.string() + "'").c_str()), 0);
    const std::string dom = slurp(dom_file);
    // The page writes data-images="LOADED/TOTAL" on <body> once every image has settled.
    const auto at = dom.find("data-images=\"");
    ASSERT_NE(at, std::string::npos) << "the page's own image count is missing from the DOM";
    const auto slash = dom.find('/', at);
    const auto quote = dom.find('"', slash);
    const std::string loaded = dom.substr(at + 13, slash - at - 13), total = dom.substr(slash + 1, quote - slash - 1);
    EXPECT_EQ(loaded, total) << "images loaded / images on the page";
    EXPECT_GE(std::stoi(total), 9);
    const auto shot = kOut / "screenshot.png";
    ASSERT_EQ(std::system(chromium("--hide-scrollbars --window-size=1200,3000 --screenshot='" + shot.string() +
                                   "' '" + url + "'").c_str()), 0);
    ASSERT_TRUE(std::filesystem::exists(shot));
    EXPECT_GT(std::filesystem::file_size(shot), 50000u);
}

}  // namespace
