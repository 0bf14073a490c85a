// SPDX-License-Identifier: MIT
// The lecture book's optimizer paths (EXPERIMENTS.md E1, ch06/optimizer_compare_naive.py),
// reproduced under the `book` convention: f(x, y) = x²/20 + y² from (-7, 2), 30 updates, the
// start plus 29 updated points plotted. Each expected number is compared to the precision it
// is printed with (half a unit in its last digit).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "optlab/optim/registry.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab {
namespace {

// All 31 points: the start and the point after each of 30 updates.
std::vector<Point2> book_path(const std::string& optimizer, double lr, int updates = 30,
                              HyperParams extra = {}) {
    const Function2d& f = function_2d("ravine");
    ParamStore<double> store;
    store.add("xy", {2});
    store.params()[0] = -7.0;
    store.params()[1] = 2.0;
    extra["lr"] = lr;
    auto opt = make_optimizer<double>(optimizer, store, extra, Convention::book);
    std::vector<Point2> path{{-7.0, 2.0}};
    for (int i = 0; i < updates; ++i) {
        const Point2 g = f.gradient(store.params()[0], store.params()[1]);
        store.grads()[0] = g[0];
        store.grads()[1] = g[1];
        opt->step();
        path.push_back({store.params()[0], store.params()[1]});
    }
    return path;
}

// |actual - printed| <= half a unit in the printed number's last digit.
void expect_printed(double actual, const std::string& printed, const std::string& what) {
    const auto dot = printed.find('.');
    const int decimals = dot == std::string::npos ? 0 : int(printed.size() - dot - 1);
    const double tolerance = 0.5 * std::pow(10.0, -decimals) + 1e-12;
    EXPECT_NEAR(actual, std::stod(printed), tolerance) << what << " (printed " << printed << ")";
}

struct BookRow {
    const char* optimizer;
    double lr;
    std::vector<std::pair<std::string, std::string>> first6;
    std::pair<std::string, std::string> last_plotted, after30;
    int y_sign_changes;
};
void PrintTo(const BookRow& r, std::ostream* os) { *os << r.optimizer << " lr " << r.lr; }

class BookTable : public ::testing::TestWithParam<BookRow> {};

TEST_P(BookTable, ReproducesExperimentE1) {
    const BookRow& row = GetParam();
    const auto path = book_path(row.optimizer, row.lr);
    for (std::size_t k = 0; k < row.first6.size(); ++k) {
        expect_printed(path[k][0], row.first6[k].first, "x" + std::to_string(k));
        expect_printed(path[k][1], row.first6[k].second, "y" + std::to_string(k));
    }
    expect_printed(path[29][0], row.last_plotted.first, "x29");
    expect_printed(path[29][1], row.last_plotted.second, "y29");
    expect_printed(path[30][0], row.after30.first, "x after 30 updates");
    expect_printed(path[30][1], row.after30.second, "y after 30 updates");
    int changes = 0;
    for (int k = 1; k < 30; ++k) changes += (path[k][1] > 0) != (path[k - 1][1] > 0);
    EXPECT_EQ(changes, row.y_sign_changes);
}

INSTANTIATE_TEST_SUITE_P(
    Book, BookTable,
    ::testing::Values(
        BookRow{"sgd", 0.95,
                {{"-7", "2"}, {"-6.335", "-1.8"}, {"-5.733", "1.62"}, {"-5.189", "-1.458"},
                 {"-4.696", "1.312"}, {"-4.25", "-1.181"}},
                {"-0.3872", "-0.0942"}, {"-0.3504", "0.0848"}, 29},
        BookRow{"momentum", 0.1,
                {{"-7", "2"}, {"-6.93", "1.6"}, {"-6.798", "0.92"}, {"-6.611", "0.124"},
                 {"-6.376", "-0.617"}, {"-6.101", "-1.161"}},
                {"0.8141", "0.2729"}, {"0.8964", "0.0881"}, 4},
        BookRow{"adagrad", 1.5,
                {{"-7", "2"}, {"-5.5", "0.5"}, {"-4.573", "0.136"}, {"-3.888", "0.037"},
                 {"-3.345", "0.010"}, {"-2.899", "0.003"}},
                {"-0.1362", "0.0000"}, {"-0.1202", "0.0000"}, 0},
        BookRow{"adam", 0.3,
                {{"-7", "2"}, {"-6.7", "1.7"}, {"-6.4", "1.402"}, {"-6.102", "1.109"},
                 {"-5.804", "0.823"}, {"-5.507", "0.548"}},
                {"0.0201", "0.3220"}, {"0.1360", "0.3182"}, 2}),
    [](const auto& info) { return std::string(info.param.optimizer); });

TEST(Book, ExtraConfigurationsOfExperimentE1) {
    auto nag = book_path("nag", 0.1);
    expect_printed(nag[30][0], "0.690", "Nesterov 0.1 x");
    expect_printed(nag[30][1], "-0.0007", "Nesterov 0.1 y");
    auto nag08 = book_path("nag", 0.08);
    expect_printed(nag08[30][0], "0.074", "Nesterov 0.08 x");
    expect_printed(nag08[30][1], "0.031", "Nesterov 0.08 y");
    auto rmsprop = book_path("rmsprop", 0.2);
    expect_printed(rmsprop[30][0], "-0.0065", "RMSprop 0.2 x");
    EXPECT_LT(std::abs(rmsprop[30][1]), 5e-7);
    // RMSprop's first step is lr/√(1−ρ) along each axis: 2.0 here, so y lands at ~0.
    EXPECT_NEAR(rmsprop[1][0], -7.0 + 2.0, 1e-5);
}

TEST(Book, SgdFollowsItsClosedForm) {
    const auto path = book_path("sgd", 0.95);
    for (int k = 0; k <= 30; ++k) {
        EXPECT_NEAR(path[k][0], -7.0 * std::pow(0.905, k), 1e-12) << k;
        EXPECT_NEAR(path[k][1], 2.0 * std::pow(-0.9, k), 1e-12) << k;
    }
}

TEST(Book, FirstAdagradAndAdamStepMoveLrAgainstTheGradientSign) {
    for (const char* name : {"adagrad", "adam"}) {
        for (double lr : {0.01, 0.3, 1.5}) {
            const auto path = book_path(name, lr, 1);
            EXPECT_NEAR(path[1][0] - path[0][0], lr, 1e-5 * lr) << name;   // g_x < 0: x grows
            EXPECT_NEAR(path[1][1] - path[0][1], -lr, 1e-5 * lr) << name;  // g_y > 0: y falls
        }
    }
}

// The book's Momentum and its corrected Nesterov equal PyTorch's SGD for a constant lr
// (EXPERIMENTS.md: max |Δ| 1e-15); its AdaGrad and RMSprop equal PyTorch's with eps 1e-7.
TEST(Book, AgreesWithTorchWhereTheFormulasCoincide) {
    const Function2d& f = function_2d("ravine");
    auto torch_path = [&](const std::string& name, HyperParams hyper) {
        ParamStore<double> store;
        store.add("xy", {2});
        store.params()[0] = -7.0;
        store.params()[1] = 2.0;
        auto opt = make_optimizer<double>(name, store, hyper, Convention::torch);
        for (int i = 0; i < 30; ++i) {
            const Point2 g = f.gradient(store.params()[0], store.params()[1]);
            store.grads()[0] = g[0];
            store.grads()[1] = g[1];
            opt->step();
        }
        return Point2{store.params()[0], store.params()[1]};
    };
    struct Pair {
        const char* name;
        double lr;
        HyperParams torch;
    };
    for (const Pair& p : {Pair{"momentum", 0.1, {{"lr", 0.1}}}, Pair{"nag", 0.1, {{"lr", 0.1}}},
                          Pair{"adagrad", 1.5, {{"lr", 1.5}, {"eps", 1e-7}}},
                          Pair{"rmsprop", 0.2, {{"lr", 0.2}, {"eps", 1e-7}}}}) {
        const Point2 t = torch_path(p.name, p.torch);
        const Point2 b = book_path(p.name, p.lr)[30];
        EXPECT_NEAR(t[0], b[0], 1e-13) << p.name;
        EXPECT_NEAR(t[1], b[1], 1e-13) << p.name;
    }
}

}  // namespace
}  // namespace optlab
