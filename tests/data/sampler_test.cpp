// SPDX-License-Identifier: MIT
// The samplers: the shuffled order is a permutation of the examples every epoch, a new one
// each epoch, the same one again after a resume, and as random as a drawn shuffle would be.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "optlab/core/error.hpp"
#include "optlab/data/sampler.hpp"

namespace {

using optlab::KeyedPermutation;
using optlab::ShuffledSampler;

std::vector<std::uint32_t> all_of(const KeyedPermutation& p) {
    std::vector<std::uint32_t> v(p.size());
    for (std::uint64_t i = 0; i < p.size(); ++i) v[i] = p(i);
    return v;
}

TEST(KeyedPermutation, IsABijectionForEverySize) {
    for (std::uint64_t n : {1, 2, 3, 4, 5, 17, 255, 256, 257, 1000, 60000, 65537}) {
        for (std::uint64_t key : {0ull, 1ull, 0xdeadbeefull}) {
            auto v = all_of(KeyedPermutation(n, key));
            std::sort(v.begin(), v.end());
            for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(v[i], i) << "n " << n << ", key " << key;
        }
    }
}

TEST(KeyedPermutation, RefusesSizesItCannotIndex) {
    EXPECT_THROW(KeyedPermutation(0, 1), optlab::InvalidArgument);
    EXPECT_THROW(KeyedPermutation((std::uint64_t(1) << 32) + 1, 1), optlab::InvalidArgument);
}

// Where an example lands, over 2 000 keys, about equally often in each tenth of the order
// (chi-square, 9 degrees of freedom: its 99.9% quantile is 27.9), for the first, a middle and
// the last example.
TEST(KeyedPermutation, PutsAnExampleAnywhereWithEqualChance) {
    const std::uint64_t n = 5000;
    for (std::uint32_t example : {0u, 2500u, 4999u}) {
        std::vector<int> tenths(10, 0);
        for (std::uint64_t key = 0; key < 2000; ++key) {
            const KeyedPermutation p(n, key);
            for (std::uint64_t i = 0; i < n; ++i) {
                if (p(i) == example) {
                    ++tenths[i * 10 / n];
                    break;
                }
            }
        }
        double chi2 = 0;
        for (int c : tenths) chi2 += (c - 200.0) * (c - 200.0) / 200.0;
        EXPECT_LT(chi2, 27.9) << "example " << example;
    }
}

// The sampler's small sets are shuffled by Fisher-Yates: every one of the 5! orders of five
// items, over 24 000 seeds, about equally often (chi-square, 119 degrees of freedom: its 99.9%
// quantile is 173; the Feistel network gives ~300 here).
TEST(ShuffledSampler, DrawsEveryOrderOfFiveItemsAboutEquallyOften) {
    std::map<std::vector<std::uint32_t>, int> seen;
    const int seeds = 24000;
    for (int seed = 0; seed < seeds; ++seed) {
        ShuffledSampler s(5, 5, std::uint64_t(seed));
        s.start_epoch();
        const auto order = s.batch(0);
        ++seen[std::vector<std::uint32_t>(order.begin(), order.end())];
    }
    ASSERT_EQ(seen.size(), 120u);
    const double expected = seeds / 120.0;
    double chi2 = 0;
    for (const auto& [order, count] : seen) chi2 += (count - expected) * (count - expected) / expected;
    EXPECT_LT(chi2, 173.0);
}

// On a large set the order keeps nothing of the original: position and index are
// uncorrelated, few indices stay put, and neighbours are scattered.
TEST(KeyedPermutation, LeavesNoTraceOfTheOriginalOrder) {
    const std::uint64_t n = 60000;
    const auto v = all_of(KeyedPermutation(n, 42));
    double mean = (n - 1) / 2.0, sxy = 0, sxx = 0;
    int fixed = 0, close_neighbours = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
        sxy += (double(i) - mean) * (double(v[i]) - mean);
        sxx += (double(i) - mean) * (double(i) - mean);
        fixed += v[i] == i;
        if (i + 1 < n) close_neighbours += std::abs(double(v[i + 1]) - double(v[i])) < 10;
    }
    EXPECT_LT(std::abs(sxy / sxx), 0.02) << "rank correlation of position and index";
    EXPECT_LT(fixed, 10) << "about one fixed point is expected";
    EXPECT_LT(close_neighbours, 60) << "about 20 neighbours within 10 of each other are expected";
}

std::vector<std::vector<std::uint32_t>> epoch(ShuffledSampler& s) {
    std::vector<std::vector<std::uint32_t>> batches;
    s.start_epoch();
    for (std::int64_t b = 0; b < s.batches_per_epoch(); ++b) {
        const auto span = s.batch(b);
        batches.emplace_back(span.begin(), span.end());
    }
    s.end_epoch();
    return batches;
}

TEST(ShuffledSampler, GivesEveryExampleOncePerEpochInANewOrderEachEpoch) {
    // Below and beyond kStoredOrderLimit: a stored order and a computed one.
    for (const std::uint32_t examples : {1000u, 10000u}) {
        const std::uint32_t batch = examples / 16 + 3;
        ShuffledSampler s(examples, batch, 7);
        ASSERT_EQ(s.batches_per_epoch(), 16);
        const auto first = epoch(s), second = epoch(s);
        for (const auto* e : {&first, &second}) {
            std::vector<std::uint32_t> all;
            for (const auto& b : *e) all.insert(all.end(), b.begin(), b.end());
            EXPECT_EQ(e->back().size(), examples - 15 * batch) << "the last batch holds the rest";
            std::sort(all.begin(), all.end());
            std::vector<std::uint32_t> expected(examples);
            std::iota(expected.begin(), expected.end(), 0u);
            EXPECT_EQ(all, expected) << examples << " examples";
        }
        EXPECT_NE(first, second);
    }
}

TEST(ShuffledSampler, ResumesInsideAnEpochWithTheSameOrder) {
    ShuffledSampler s(5000, 32, 3);
    epoch(s);
    s.start_epoch();
    const std::string saved = s.state();
    const auto b5 = std::vector<std::uint32_t>(s.batch(5).begin(), s.batch(5).end());
    const auto b0 = std::vector<std::uint32_t>(s.batch(0).begin(), s.batch(0).end());
    ShuffledSampler resumed(5000, 32, 99);
    resumed.set_state(saved);
    resumed.start_epoch();
    EXPECT_EQ(std::vector<std::uint32_t>(resumed.batch(5).begin(), resumed.batch(5).end()), b5);
    EXPECT_EQ(std::vector<std::uint32_t>(resumed.batch(0).begin(), resumed.batch(0).end()), b0);
}

}  // namespace
