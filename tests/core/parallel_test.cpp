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
