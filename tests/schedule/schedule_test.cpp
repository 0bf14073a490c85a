// SPDX-License-Identifier: MIT
#include "optlab/schedule/lr_scheduler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>

#include "optlab/core/error.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optim/sgd.hpp"
#include "optlab/optim/wrappers.hpp"
#include "../test_name.hpp"

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
    EXPECT_EQ(parse_schedule("sgdr:5,T_mult=2")->describe(), "cosine-restarts(T_0=5, T_mult=2, eta_min=0)");
    EXPECT_EQ(parse_schedule("sequential:linear-warmup:5@5|cosine-annealing:20")->describe(),
              "sequential(linear-warmup(steps=5, start=0.3333333333333333) until 5, then "
              "cosine-annealing(T_max=20, eta_min=0))");
    for (const char* bad : {"step", "step:0,0.5", "step:1.5,0.5", "step:10,-1", "exponential:",
                            "exponential:nan", "cosine:10,20", "cosine:10,1,2", "linear-warmup:0",
                            "warm:3", "step:10,0.5,1", "exponential:1e", "linear-warmup:5,0",
                            "multistep:", "multistep:3,-1", "multistep:3,gamma=x", "multistep:gamma=0.5,3",
                            "multistep:3,power=2", "multistep:3,gamma=0.5,gamma=0.1", "polynomial:0",
                            "polynomial:5,power=-1", "cosine-annealing:0", "cosine-restarts:0",
                            "cosine-restarts:5,T_mult=0", "cosine-restarts:5,T_mult=1.5", "cyclic:0.1",
                            "cyclic:0.01,0.1,mode=sine", "cyclic:0.01,0.1,step_size_up=0",
                            "cyclic:0.01,0.1,cycle_momentum=yes", "cyclic:0.01,0.1,max_momentum=2",
                            "one-cycle:0.1", "one-cycle:0.1,0", "one-cycle:0.1,10,pct_start=1.5",
                            "one-cycle:0.1,10,pct_start=0.1", "one-cycle:0.1,10,pct_start=1",
                            "one-cycle:0.1,10,anneal_strategy=cosine", "one-cycle:0.1,10,div_factor=0",
                            "sequential:exponential:0.9", "sequential:exponential:0.9@5|step:2,0.5@5|constant",
                            "sequential:exponential:0.9|constant", "sequential:exponential:0.9@5|constant@9",
                            "sequential:one-cycle:0.1,10@12|constant", "sequential:plateau@3|constant",
                            "chained:exponential:0.9", "chained:sequential:constant@2|constant|constant",
                            "sequential:constant@0|constant", "sequential:constant@3|cyclic:0.01,0.1",
                            "chained:one-cycle:0.1,10|constant"}) {
        EXPECT_THROW(parse_schedule(bad), InvalidArgument) << bad;
    }
}

// Each case of tests/reference/torch_schedules.json (tests/reference/schedules.py, PyTorch
// 1.13): the lrs each group holds after construction and after every step, and the momentum
// (β1) the cyclic schedules write, are torch's to the bit; so are they after a resume
// (set_last_step replays from the base lrs).
const nlohmann::json& torch_schedules() {
    static const nlohmann::json j = [] {
        std::ifstream in(std::string(OPTLAB_SOURCE_DIR) + "/tests/reference/torch_schedules.json");
        if (!in) throw std::runtime_error("cannot open tests/reference/torch_schedules.json");
        return nlohmann::json::parse(in);
    }();
    return j;
}

std::vector<std::string> schedule_specs() {
    std::vector<std::string> specs;
    for (const auto& c : torch_schedules()["cases"]) specs.push_back(c["spec"]);
    return specs;
}

double momentum_of(const Optimizer<double>& opt, std::size_t g) {
    const HyperParams h = opt.hyper(g);
    if (auto it = h.find("betas"); it != h.end()) return std::get<Betas>(it->second)[0];
    return std::get<double>(h.at("momentum"));
}

class TorchSchedule : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchSchedule, LrsAndMomentaAreTorchsToTheBit) {
    const nlohmann::json* found = nullptr;
    for (const auto& c : torch_schedules()["cases"]) {
        if (c["spec"] == GetParam()) found = &c;
    }
    ASSERT_NE(found, nullptr);
    const nlohmann::json& c = *found;
    const auto lrs = c["lrs"].get<std::vector<double>>();
    ParamStore<double> store;
    std::vector<GroupSpec> groups;
    for (std::size_t g = 0; g < lrs.size(); ++g) {
        store.add("p" + std::to_string(g), {1});
        groups.push_back({{"p" + std::to_string(g)}, {{"lr", lrs[g]}}});
    }
    auto opt = make_optimizer<double>(c["optimizer"].get<std::string>(), store, groups);
    LrScheduler<double> sched(*opt, parse_schedule(GetParam()));
    const std::int64_t steps = c["steps"];
    // One-cycle's step total_steps: torch extrapolates past the last phase; optlab holds the
    // end, step total_steps − 1's numbers.
    const bool one_cycle = GetParam().starts_with("one-cycle");
    auto check = [&](const Optimizer<double>& o, std::int64_t t, const char* how) {
        const std::int64_t row = one_cycle && t == steps ? t - 1 : t;
        for (std::size_t g = 0; g < lrs.size(); ++g) {
            EXPECT_EQ(o.lr(g), c["lr"][row][g].get<double>()) << how << " step " << t << " group " << g;
            if (c.contains("momentum")) {
                EXPECT_EQ(momentum_of(o, g), c["momentum"][row][g].get<double>()) << how << " momentum, step " << t;
            }
        }
    };
    check(*opt, 0, "stepped");
    for (std::int64_t t = 1; t <= steps; ++t) {
        sched.step();
        check(*opt, t, "stepped");
    }
    for (std::int64_t t : {std::int64_t(1), steps / 2, steps}) {
        ParamStore<double> s2;
        for (std::size_t g = 0; g < lrs.size(); ++g) s2.add("p" + std::to_string(g), {1});
        auto fresh = make_optimizer<double>(c["optimizer"].get<std::string>(), s2, groups);
        LrScheduler<double> resumed(*fresh, parse_schedule(GetParam()));
        resumed.set_last_step(t);
        check(*fresh, t, "resumed at");
    }
}

INSTANTIATE_TEST_SUITE_P(Reference, TorchSchedule, ::testing::ValuesIn(schedule_specs()),
                         [](const auto& info) { return test::test_name(info.param); });

TEST(Scheduler, CyclingMomentumNeedsAnOptimizerWithMomentumOrBetas) {
    ParamStore<double> store;
    store.add("a", {1});
    auto adagrad = make_optimizer<double>("adagrad", store);
    try {
        LrScheduler<double> s(*adagrad, parse_schedule("one-cycle:0.1,10"));
        FAIL() << "accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("adagrad has neither momentum nor betas to cycle (add cycle_momentum=false)"),
                  std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(LrScheduler<double>(*adagrad, parse_schedule("one-cycle:0.1,10,cycle_momentum=false")));
    // and past one-cycle's total_steps, as torch's OneCycleLR, it refuses to step
    LrScheduler<double> s(*adagrad, parse_schedule("one-cycle:0.1,3,cycle_momentum=false,pct_start=0.5"));
    for (int i = 0; i < 3; ++i) s.step();
    EXPECT_THROW(s.step(), InvalidArgument);
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

// Once SWA averages (after swa_start steps), its SWALR sets the lrs and a schedule changes
// nothing, neither the lrs nor its own count, as torch's SWA loop stops stepping the scheduler;
// a resumed schedule (set_last_step) leaves the lrs the loaded state holds; plateau too.
TEST(Scheduler, StandsStillOnceSwaSchedulesItsOwnLr) {
    const SwaOptions swa{2, 0.01, 0};  // anneal_epochs 0: SWALR jumps to swa_lr at once
    ParamStore<double> store, plain_store;
    store.add("a", {2});
    plain_store.add("a", {2});
    auto opt = with_swa(make_optimizer<double>("sgd", store, HyperParams{{"lr", 0.1}}), swa);
    auto plain = make_optimizer<double>("sgd", plain_store, HyperParams{{"lr", 0.1}});
    LrScheduler<double> sched(*opt, exponential_schedule(0.5));
    LrScheduler<double> plain_sched(*plain, exponential_schedule(0.5));
    ReduceLrOnPlateau<double> plateau(*opt, {.factor = 0.5, .patience = 0});
    for (int step = 1; step <= 5; ++step) {
        for (auto* s : {&store, &plain_store}) s->grad("a")[0] = s->grad("a")[1] = 1.0;
        opt->step();
        plain->step();
        sched.step();
        plain_sched.step();
        if (step <= swa.swa_start) {
            EXPECT_EQ(opt->lr(0), plain->lr(0)) << "the schedule's, before SWA, after step " << step;
            EXPECT_EQ(sched.last_step(), step);
        } else {
            EXPECT_EQ(opt->lr(0), swa.swa_lr) << "SWALR's, after step " << step;
            EXPECT_EQ(sched.last_step(), swa.swa_start) << "the schedule does not count the steps it leaves to SWALR";
            EXPECT_FALSE(plateau.step(1.0 + step)) << "a worse metric reduces nothing once SWALR has the lr";
            EXPECT_EQ(opt->lr(0), swa.swa_lr);
        }
    }
    EXPECT_NE(plain->lr(0), swa.swa_lr);
    sched.set_last_step(1);  // a resume: the lrs stay the loaded ones, SWALR's
    EXPECT_EQ(opt->lr(0), swa.swa_lr);
    EXPECT_EQ(sched.last_step(), 1);
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
