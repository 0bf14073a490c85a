// SPDX-License-Identifier: MIT
#include "optlab/core/param_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "optlab/core/error.hpp"

namespace optlab {
namespace {

TEST(ParamStore, TensorsAreNamedViewsIntoOneContiguousArena) {
    ParamStore<float> store;
    store.add("w", {3, 5});
    store.add("b", {5});
    store.add("scalar", {});
    EXPECT_EQ(store.num_tensors(), 3u);
    EXPECT_EQ(store.num_parameters(), 15u + 5u + 1u);
    EXPECT_EQ(store.arena_size(), store.num_parameters());  // packed: no padding
    EXPECT_EQ(store.info(1).offset, 15u);
    EXPECT_EQ(store.info(2).offset, 20u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(store.params().data()) % 64, 0u);
    auto w = store.view("w");
    EXPECT_EQ(w.param.size(), 15u);
    EXPECT_EQ(w.param.data(), store.params().data());
    EXPECT_EQ(store.param("b").data(), store.params().data() + 15);
    EXPECT_EQ(store.grad("b").data(), store.grads().data() + 15);
    EXPECT_EQ(store.param("scalar").size(), 1u);
}

TEST(ParamStore, RejectsDuplicateAndUnknownNames) {
    ParamStore<double> store;
    store.add("w", {2});
    EXPECT_THROW(store.add("w", {3}), InvalidArgument);
    EXPECT_THROW(store.add("", {3}), InvalidArgument);
    try {
        store.view("nope");
        FAIL();
    } catch (const NotFound& e) {  // an InvalidArgument too
        EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
    }
}

TEST(ParamStore, ZeroGradClearsEveryGradient) {
    ParamStore<float> store;
    store.add("a", {4});
    for (float& g : store.grad("a")) g = 3.f;
    store.zero_grad();
    for (float g : store.grads()) EXPECT_EQ(g, 0.f);
}

TEST(ParamStore, RefusesToMoveItsArenasWhilePinned) {
    ParamStore<float> store;
    store.add("a", {4});
    store.pin();
    store.pin();
    const float* before = store.params().data();
    try {
        store.add("b", {1000});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'b'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("2 holders"), std::string::npos) << e.what();
    }
    EXPECT_EQ(store.num_tensors(), 1u);
    EXPECT_EQ(store.params().data(), before);
    store.unpin();
    EXPECT_THROW(store.add("b", {1000}), Error);
    store.unpin();
    store.add("b", {1000});
    EXPECT_EQ(store.pins(), 0u);
    EXPECT_EQ(store.num_tensors(), 2u);
}

// Rows that received a gradient (an Embedding's): recorded only for the tensors that ask,
// forgotten by zero_grad, and none for the others.
TEST(ParamStore, RecordsTheRowsSeenOfTrackedTensorsOnly) {
    ParamStore<float> store;
    store.add("dense", {3, 2});
    const std::size_t e = store.add("embedding", {5, 4});
    const std::size_t s = store.add("scalar", {});
    store.track_rows(e);
    store.track_rows(e);  // twice is once
    EXPECT_EQ(store.tracked_tensors(), (std::vector<std::size_t>{e}));
    EXPECT_TRUE(store.rows_seen(0).empty());
    EXPECT_EQ(store.rows_seen(e).size(), 5u);
    store.mark_row(e, 1);
    store.mark_row(e, 4);
    EXPECT_EQ(std::vector<std::uint8_t>(store.rows_seen(e).begin(), store.rows_seen(e).end()),
              (std::vector<std::uint8_t>{0, 1, 0, 0, 1}));
    store.forget_rows(e);
    EXPECT_EQ(std::count(store.rows_seen(e).begin(), store.rows_seen(e).end(), 1), 0);
    store.mark_row(e, 2);
    store.zero_grad();
    EXPECT_EQ(std::count(store.rows_seen(e).begin(), store.rows_seen(e).end(), 1), 0);
    EXPECT_THROW(store.track_rows(s), InvalidArgument);
}

TEST(ParamStore, RejectsSizesThatOverflow) {
    ParamStore<float> store;
    EXPECT_THROW(store.add("huge", {std::size_t{1} << 40, std::size_t{1} << 40}), InvalidArgument);
}

// A size that fits in memory's addresses but not in the machine is refused by name, before
// anything is allocated (overcommit would hand out the pages, and writing the zeros into them
// would bring the kernel's out-of-memory kill). 2^40 floats: 8 TB of arenas on any machine here.
TEST(ParamStore, RefusesArenasLargerThanTheMachinesMemory) {
    ParamStore<float> store;
    store.add("w", {3});
    try {
        store.add("big", {std::size_t{1} << 20, std::size_t{1} << 20});
        FAIL() << "an 8 TB store was made";
    } catch (const InvalidArgument& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("'big'"), std::string::npos) << message;
        EXPECT_NE(message.find("8796.1 GB"), std::string::npos) << message;
        EXPECT_NE(message.find("machine's memory"), std::string::npos) << message;
    }
    EXPECT_EQ(store.num_tensors(), 1u);  // refused whole
    EXPECT_EQ(store.num_parameters(), 3u);
}

}  // namespace
}  // namespace optlab
