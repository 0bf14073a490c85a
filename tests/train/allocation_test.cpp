// SPDX-License-Identifier: MIT
// No allocation in the hot loop: once the first step has created the optimizer state, a step of
// every optimizer (serial and on the thread pool) and a whole training iteration (batch
// gathering, forward, backward, non-finite check, clipping, step, progress) allocate nothing.
// This program replaces the global operator new to count calls.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "../test_name.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/train/trainer.hpp"
#include "synthetic.hpp"
#include "../optim/taken_as.hpp"
#include "../stepping.hpp"

namespace {
std::atomic<long> g_allocations{0};

void* counted(std::size_t bytes, std::size_t alignment) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (bytes == 0) bytes = 1;
    void* p = alignment <= alignof(std::max_align_t)
                  ? std::malloc(bytes)
                  : std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, std::size_t(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, std::size_t(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace optlab {
namespace {

long allocations() { return g_allocations.load(); }

class EveryOptimizer : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(All, EveryOptimizer,
                         ::testing::ValuesIn(test::gradient_stepped_optimizers()),
                         [](const auto& info) { return test::test_name(info.param); });

TEST_P(EveryOptimizer, StepsAllocateNothingAfterTheFirst) {
    // 10k parameters run on the calling thread; 200k go through the pool on 2 threads.
    for (std::size_t n : {std::size_t{10000}, std::size_t{200000}}) {
        set_num_threads(2);
        ParamStore<float> store;
        store.add("w", test::taken_as(GetParam(), {n}));
        store.add("b", test::taken_as(GetParam(), {7}));
        for (float& g : store.grads()) g = 1e-3f;
        auto opt = make_optimizer<float>(GetParam(), store);
        opt->step();  // creates the state buffers
        opt->step();  // and the pool's workers
        const long before = allocations();
        for (int i = 0; i < 10; ++i) opt->step();
        EXPECT_EQ(allocations() - before, 0) << GetParam() << " on " << n << " parameters";
    }
}

TEST(TrainingLoop, AnIterationAllocatesNothing) {
    const TrainTest data = test::synthetic_split(2048, 64);
    TrainConfig c;
    c.net = "16-64-64-10";
    c.batch = 32;
    c.epochs = 1;
    c.threads = 2;
    c.clip = "global-norm:1";
    // Allocations between consecutive iterations, from the 5th on (the first ones create the
    // optimizer state and the pool).
    std::vector<long> per_iteration;
    per_iteration.reserve(2048 / 32);  // so that recording allocates nothing either
    long last = 0;
    TrainObserver observer;
    observer.iteration = [&](std::int64_t, std::int64_t batch, std::int64_t, double, double) {
        const long now = allocations();
        if (batch > 4) per_iteration.push_back(now - last);
        last = now;
    };
    for (const char* optimizer : {"adam", "sgd", "rmsprop"}) {
        c.optimizer = optimizer;
        per_iteration.clear();
        // With an output folder, so the per-iteration CSV row is written too.
        const std::filesystem::path out = std::filesystem::path(::testing::TempDir()) / "optlab_allocation_test";
        train(c, {out, "", ""}, observer, &data);
        std::filesystem::remove_all(out);
        ASSERT_EQ(per_iteration.size(), 2048u / 32 - 4);
        EXPECT_EQ(*std::max_element(per_iteration.begin(), per_iteration.end()), 0)
            << optimizer << ": first allocating iteration "
            << 5 + (std::find_if(per_iteration.begin(), per_iteration.end(), [](long a) { return a > 0; }) - per_iteration.begin());
    }
}

}  // namespace
}  // namespace optlab
