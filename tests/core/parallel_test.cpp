// SPDX-License-Identifier: MIT
// optlab's thread pool: parallel_run gives each thread one part, and Part::share splits a
// count into contiguous shares that cover it exactly.
#include "optlab/core/parallel.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace optlab {
namespace {

TEST(Part, SharesAreContiguousEvenAndCoverEverything) {
    for (std::size_t count = 1; count <= 5; ++count) {
        for (std::size_t n = 0; n <= 23; ++n) {
            std::size_t expected_first = 0;
            for (std::size_t index = 0; index < count; ++index) {
                const auto [first, last] = Part{index, count}.share(n);
                EXPECT_EQ(first, expected_first) << n << " items, part " << index << " of " << count;
                EXPECT_LE(first, last);
                EXPECT_LE(last - first, n / count + 1);
                EXPECT_GE(last - first, n / count);
                expected_first = last;
            }
            EXPECT_EQ(expected_first, n) << n << " items in " << count << " parts";
        }
    }
}

TEST(Part, SharesWithAGrainStartOnItsMultiples) {
    for (std::size_t grain : {1, 4, 8, 16}) {
        for (std::size_t count = 1; count <= 4; ++count) {
            for (std::size_t n = 0; n <= 70; ++n) {
                std::size_t expected_first = 0;
                for (std::size_t index = 0; index < count; ++index) {
                    const Part part{index, count, grain};
                    const auto [first, last] = part.share(n, grain);
                    EXPECT_EQ(part.share_rows(n), part.share(n, grain));
                    EXPECT_EQ(first, expected_first);
                    EXPECT_EQ(first % grain, 0u) << n << " items, grain " << grain;
                    EXPECT_LE(first, last);
                    expected_first = last;
                }
                EXPECT_EQ(expected_first, n) << n << " items, grain " << grain << ", " << count << " parts";
            }
        }
    }
}

TEST(Part, LineGrainIsTheItemsPerWholeCacheLines) {
    EXPECT_EQ(line_grain(sizeof(float)), 16u);
    EXPECT_EQ(line_grain(sizeof(double)), 8u);
    EXPECT_EQ(line_grain(100 * sizeof(float)), 4u);  // a hidden layer's row: 400 B, 4 rows = 25 lines
    EXPECT_EQ(line_grain(10 * sizeof(float)), 8u);   // the output row: 40 B
    EXPECT_EQ(line_grain(784 * sizeof(float)), 1u);  // an image row: 3136 B = 49 lines
    EXPECT_EQ(line_grain(64), 1u);
    EXPECT_EQ(line_grain(3), 64u);
    for (std::size_t bytes = 1; bytes <= 300; ++bytes) EXPECT_EQ(line_grain(bytes) * bytes % 64, 0u) << bytes;
}

TEST(ParallelRun, EveryThreadRunsOnePartTheCallerPartZero) {
    for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        for (int region = 0; region < 50; ++region) {  // the pool is reused, region after region
            std::mutex m;
            std::vector<Part> parts;
            std::set<std::thread::id> ids;
            std::thread::id part_zero;
            parallel_run([&](Part part) {
                std::lock_guard lock(m);
                parts.push_back(part);
                ids.insert(std::this_thread::get_id());
                if (part.index == 0) part_zero = std::this_thread::get_id();
            });
            ASSERT_EQ(parts.size(), std::size_t(threads));
            EXPECT_EQ(ids.size(), std::size_t(threads)) << "each part on its own thread";
            EXPECT_EQ(part_zero, std::this_thread::get_id());
            std::set<std::size_t> indices;
            for (const Part& p : parts) {
                EXPECT_EQ(p.count, std::size_t(threads));
                indices.insert(p.index);
            }
            EXPECT_EQ(indices.size(), std::size_t(threads));
            EXPECT_EQ(*indices.rbegin(), std::size_t(threads - 1));
        }
    }
    set_num_threads(2);
}

}  // namespace
}  // namespace optlab
