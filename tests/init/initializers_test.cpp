// SPDX-License-Identifier: MIT
#include "optlab/init/initializers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "optlab/core/error.hpp"

namespace optlab {
namespace {

struct Stats {
    double mean, std, min, max;
};
Stats stats(const std::vector<float>& v) {
    double m = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    double var = 0, lo = INFINITY, hi = -INFINITY;
    for (float x : v) {
        var += (x - m) * (x - m);
        lo = std::min(lo, double(x));
        hi = std::max(hi, double(x));
    }
    return {m, std::sqrt(var / double(v.size())), lo, hi};
}

TEST(Rng, TheSameSeedGivesTheSameStreamAndTheStateRoundTrips) {
    Rng a(42), b(42), c(43);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
    EXPECT_NE(Rng(42).next_u64(), c.next_u64());
    Rng d(7);
    d.normal();
    Rng e(0);
    e.set_state_hex(d.state_hex());
    for (int i = 0; i < 10; ++i) EXPECT_EQ(d.normal(), e.normal());
    EXPECT_THROW(e.set_state_hex("xyz"), InvalidArgument);
    EXPECT_THROW(e.set_state_hex(std::string(64, '0')), InvalidArgument);
}

TEST(Rng, IsXoshiro256StarStarSeededBySplitmix64) {
    // The algorithm is integer arithmetic only, so these values hold on every platform and
    // standard library; a change here changes every seeded result optlab has published.
    Rng r(0);
    EXPECT_EQ(r.state()[0], 0xE220A8397B1DCDAFull);  // splitmix64(0), its published first output
    const std::uint64_t first = r.next_u64();
    Rng again(0);
    EXPECT_EQ(again.next_u64(), first);
}

TEST(Rng, DistributionsHaveTheirMoments) {
    Rng r(1);
    std::vector<float> n(200000), u(200000);
    for (auto& x : n) x = float(r.normal());
    for (auto& x : u) x = float(r.uniform());
    const Stats sn = stats(n), su = stats(u);
    EXPECT_NEAR(sn.mean, 0.0, 0.01);
    EXPECT_NEAR(sn.std, 1.0, 0.01);
    EXPECT_NEAR(su.mean, 0.5, 0.005);
    EXPECT_NEAR(su.std, std::sqrt(1.0 / 12.0), 0.005);
    EXPECT_GE(su.min, 0.0);
    EXPECT_LT(su.max, 1.0);
    std::vector<int> counts(7, 0);
    for (int i = 0; i < 70000; ++i) ++counts[r.below(7)];
    for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

TEST(Init, GainsAreTorchs) {
    EXPECT_EQ(calculate_gain(Nonlinearity::linear), 1.0);
    EXPECT_EQ(calculate_gain(Nonlinearity::sigmoid), 1.0);
    EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::tanh), 5.0 / 3.0);
    EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::relu), std::sqrt(2.0));
    EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::leaky_relu, 0.2), std::sqrt(2.0 / 1.04));
    EXPECT_EQ(calculate_gain(Nonlinearity::selu), 0.75);
}

struct Case {
    const char* spec;
    const char* activation;
    double expected_std;  // for fan_in 400, fan_out 100
    double bound;         // 0: unbounded
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.spec << " with " << c.activation; }

class InitStd : public ::testing::TestWithParam<Case> {};

TEST_P(InitStd, DrawsWithTheStatedStandardDeviation) {
    const Case& c = GetParam();
    const Init init = parse_init(c.spec, parse_nonlinearity(c.activation));
    EXPECT_NEAR(init.std_for(400, 100), c.expected_std, 1e-12);
    std::vector<float> w(400 * 100);
    Rng rng(3);
    initialize<float>(w, 400, 100, init, rng);
    const Stats s = stats(w);
    EXPECT_NEAR(s.mean, 0.0, 0.02 * c.expected_std + 1e-9) << c.spec;
    EXPECT_NEAR(s.std, c.expected_std, 0.02 * c.expected_std) << c.spec;
    if (c.bound > 0) {
        EXPECT_GE(s.min, -c.bound);
        EXPECT_LE(s.max, c.bound);
        EXPECT_GT(s.max, 0.99 * c.bound);  // uses its whole range
    }
}

INSTANTIATE_TEST_SUITE_P(
    All, InitStd,
    ::testing::Values(
        Case{"he", "relu", std::sqrt(2.0 / 400), 0},
        Case{"he-fan-out", "relu", std::sqrt(2.0 / 100), 0},
        Case{"he-uniform", "relu", std::sqrt(2.0 / 400), std::sqrt(6.0 / 400)},
        Case{"he", "tanh", (5.0 / 3.0) / std::sqrt(400.0), 0},
        Case{"xavier", "sigmoid", std::sqrt(2.0 / 500), 0},
        Case{"xavier-uniform", "sigmoid", std::sqrt(2.0 / 500), std::sqrt(6.0 / 500)},
        Case{"xavier", "tanh", (5.0 / 3.0) * std::sqrt(2.0 / 500), 0},
        Case{"lecun", "relu", std::sqrt(1.0 / 400), 0},
        Case{"lecun-uniform", "relu", std::sqrt(1.0 / 400), std::sqrt(3.0 / 400)},
        Case{"std=0.01", "relu", 0.01, 0},
        Case{"std=1", "relu", 1.0, 0},
        Case{"normal:0,0.05", "relu", 0.05, 0},
        Case{"uniform:-0.3,0.3", "relu", 0.6 / std::sqrt(12.0), 0.3}),
    [](const auto& info) {  // the spec and activation, e.g. he_uniform_relu
        std::string name = std::string(info.param.spec) + "_" + info.param.activation;
        for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        return name;
    });

TEST(Init, TruncatedNormalStaysWithinItsBounds) {
    const Init init = parse_init("truncated-normal:0,1,-2,2");
    std::vector<float> w(100000);
    Rng rng(5);
    initialize<float>(w, 1, 1, init, rng);
    const Stats s = stats(w);
    EXPECT_GE(s.min, -2.0);
    EXPECT_LE(s.max, 2.0);
    EXPECT_NEAR(s.std, 0.8796, 0.01);  // the std of N(0,1) truncated to ±2
}

TEST(Init, ConstantsAndTheSameSeedTwice) {
    std::vector<float> w(10);
    Rng rng(1);
    initialize<float>(w, 5, 2, parse_init("zeros"), rng);
    for (float x : w) EXPECT_EQ(x, 0.f);
    initialize<float>(w, 5, 2, parse_init("constant:0.5"), rng);
    for (float x : w) EXPECT_EQ(x, 0.5f);
    std::vector<float> a(1000), b(1000);
    Rng r1(9), r2(9);
    initialize<float>(a, 10, 100, parse_init("he"), r1);
    initialize<float>(b, 10, 100, parse_init("he"), r2);
    EXPECT_EQ(a, b);
}

TEST(Init, RejectsBadSpecs) {
    for (const char* bad : {"he2", "std=-1", "std=", "normal:0", "uniform:1,0", "constant:x",
                            "truncated-normal:0,1,5", "truncated-normal:0,1,50,60", "xavier:3",
                            "std=nan"}) {
        EXPECT_THROW(parse_init(bad), InvalidArgument) << bad;
    }
    try {
        parse_init("hee");
        ADD_FAILURE() << "init 'hee' was accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("init 'hee'"), std::string::npos);
    }
}

}  // namespace
}  // namespace optlab
