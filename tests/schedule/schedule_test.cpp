// SPDX-License-Identifier: MIT
#include "optlab/schedule/lr_scheduler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "optlab/core/error.hpp"
#include "optlab/optim/sgd.hpp"

namespace optlab {
namespace {

TEST(Schedule, ClosedForms) {
    EXPECT_EQ(constant_schedule()->factor(123), 1.0);
    auto step = step_schedule(3, 0.5);
    EXPECT_EQ(step->factor(0), 1.0);
    EXPECT_EQ(step->factor(2), 1.0);
    EXPECT_EQ(step->factor(3), 0.5);
    EXPECT_EQ(step->factor(7), 0.25);
    EXPECT_DOUBLE_EQ(exponential_schedule(0.9)->factor(3), 0.9 * 0.9 * 0.9);
    auto warm = linear_warmup_schedule(4, 0.2);
    EXPECT_DOUBLE_EQ(warm->factor(0), 0.2);
    EXPECT_DOUBLE_EQ(warm->factor(2), 0.6);
    EXPECT_DOUBLE_EQ(warm->factor(4), 1.0);
    EXPECT_DOUBLE_EQ(warm->factor(40), 1.0);
    auto cosine = cosine_schedule(12, 2, 0.1);
    EXPECT_DOUBLE_EQ(cosine->factor(0), 0.5);
    EXPECT_DOUBLE_EQ(cosine->factor(1), 1.0);
    EXPECT_DOUBLE_EQ(cosine->factor(2), 1.0);
    EXPECT_DOUBLE_EQ(cosine->factor(7), 0.1 + 0.9 * 0.5 * (1 + std::cos(std::numbers::pi * 0.5)));
    EXPECT_DOUBLE_EQ(cosine->factor(12), 0.1);
    EXPECT_DOUBLE_EQ(cosine->factor(99), 0.1);
}

TEST(Schedule, ParsesSpecsAndRejectsNonsense) {
    EXPECT_EQ(parse_schedule("step:10,0.5")->describe(), "step(size=10, gamma=0.5)");
    EXPECT_EQ(parse_schedule("cosine:100,10")->describe(), "cosine(total=100, warmup=10, min=0)");
    EXPECT_EQ(parse_schedule("constant")->factor(5), 1.0);
    for (const char* bad : {"step", "step:0,0.5", "step:1.5,0.5", "step:10,-1", "exponential:",
                            "exponential:nan", "cosine:10,20", "cosine:10,1,2", "linear-warmup:0",
                            "warm:3", "step:10,0.5,1", "exponential:1e"}) {
        EXPECT_THROW(parse_schedule(bad), InvalidArgument) << bad;
    }
}

TEST(Scheduler, WritesEachGroupsLrFromItsBaseBetweenSteps) {
    ParamStore<double> store;
    store.add("a", {1});
    store.add("b", {1});
    Sgd<double> opt(store, {.groups = {{{"a"}, {.lr = 0.1}}, {{"b"}, {.lr = 0.01}}}});
    LrScheduler<double> sched(opt, step_schedule(2, 0.1));
    EXPECT_DOUBLE_EQ(opt.lr(0), 0.1);
    sched.step();
    EXPECT_DOUBLE_EQ(opt.lr(1), 0.01);
    sched.step();
    EXPECT_DOUBLE_EQ(opt.lr(0), 0.01);
    EXPECT_DOUBLE_EQ(opt.lr(1), 0.001);
    // The new lr is what the next update uses.
    store.grad("a")[0] = 1.0;
    opt.step();
    EXPECT_DOUBLE_EQ(store.param("a")[0], -0.01);
    // Resuming: a fresh scheduler set to step 2 gives the same lrs.
    Sgd<double> fresh(store, {.groups = {{{"a"}, {.lr = 0.1}}, {{"b"}, {.lr = 0.01}}}});
    LrScheduler<double> resumed(fresh, step_schedule(2, 0.1));
    resumed.set_last_step(2);
    EXPECT_DOUBLE_EQ(fresh.lr(0), opt.lr(0));
}

TEST(ReduceOnPlateau, ReducesAfterPatienceBadStepsAndRespectsCooldownAndMin) {
    ParamStore<double> store;
    store.add("a", {1});
    Sgd<double> opt(store, {.lr = 1.0});
    ReduceLrOnPlateau<double> plateau(opt, {.factor = 0.5, .patience = 2, .cooldown = 1,
                                            .min_lr = 0.2});
    EXPECT_FALSE(plateau.step(10.0));  // best
    EXPECT_FALSE(plateau.step(10.0));  // bad 1
    EXPECT_FALSE(plateau.step(10.0));  // bad 2
    EXPECT_TRUE(plateau.step(10.0));   // bad 3 > patience: lr 0.5
    EXPECT_DOUBLE_EQ(opt.lr(0), 0.5);
    EXPECT_FALSE(plateau.step(10.0));  // cooldown
    EXPECT_FALSE(plateau.step(9.0));   // better
    EXPECT_FALSE(plateau.step(9.0));
    EXPECT_FALSE(plateau.step(9.0));
    EXPECT_TRUE(plateau.step(9.0));
    EXPECT_DOUBLE_EQ(opt.lr(0), 0.25);
    for (int i = 0; i < 10; ++i) plateau.step(9.0);
    EXPECT_DOUBLE_EQ(opt.lr(0), 0.2);  // floor
    EXPECT_THROW(plateau.step(NAN), NonFiniteError);
    EXPECT_THROW(ReduceLrOnPlateau<double>(opt, {.factor = 1.0}), InvalidArgument);
}

}  // namespace
}  // namespace optlab
