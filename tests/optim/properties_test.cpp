// SPDX-License-Identifier: MIT
// The properties PyTorch's and Optax's own suites check, for every optimizer (RELIABILITY.md
// P2-P9): a zero gradient changes nothing; a group with a tiny lr stays put while another
// learns; the fused arena pass equals a loop over separate tensors and is the same on any
// number of threads; descent lowers a loss and maximize raises it; every optimizer converges on
// a parabola and on Rosenbrock; Momentum beats SGD on the ravine; AdaGrad's steps shrink as
// lr/√t; Adam's first step is lr·g/(|g| + ε).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "../test_name.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/optim/adagrad.hpp"
#include "optlab/optim/adam.hpp"
#include "optlab/optim/muon.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optim/sgd.hpp"
#include "optlab/optim/wrappers.hpp"
#include "optlab/problems/functions2d.hpp"
#include "splitmix.hpp"
#include "taken_as.hpp"
#include "../stepping.hpp"

namespace optlab {
namespace {

// (L-BFGS, which evaluates the loss itself within its step, has its own tests: lbfgs_test.)
std::vector<std::string> all_names() { return test::gradient_stepped_optimizers(); }

class EveryOptimizer : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(All, EveryOptimizer, ::testing::ValuesIn(all_names()),
                         [](const auto& info) { return test::test_name(info.param); });

// Fills the store's parameters (and gradients) with reproducible values in [-1, 1).
template <class T>
void fill(std::span<T> values, std::uint64_t seed) {
    test::SplitMix64 rng(seed);
    for (T& v : values) v = T(rng.symmetric());
}

TEST_P(EveryOptimizer, ZeroGradientWithoutWeightDecayChangesNothing) {
    for (Convention c : {Convention::torch, Convention::keras, Convention::book}) {
        ParamStore<double> store;
        store.add("w", test::taken_as(GetParam(), {4, 3}));
        store.add("b", test::taken_as(GetParam(), {3}));
        fill(store.params(), 7);
        const std::vector<double> before(store.params().begin(), store.params().end());
        HyperParams hyper = test::weight_decay_if_any(GetParam(), 0.0);
        if (GetParam() == "asgd") hyper["lambd"] = 0.0;  // ASGD's λ shrinks θ by λη a step: a decay of its own
        if (GetParam() == "yogi") {
            // Yogi's m starts at v₀ (Optax fills both moments with it), so with v₀ > 0 a zero
            // gradient still steps θ at first (by about 6e-7 at the defaults); with v₀ = 0 it changes nothing.
            ParamStore<double> moved;
            moved.add("w", {4});
            fill(moved.params(), 7);
            const std::vector<double> start(moved.params().begin(), moved.params().end());
            make_optimizer<double>("yogi", moved, HyperParams{}, c)->step();
            EXPECT_NE(std::vector<double>(moved.params().begin(), moved.params().end()), start);
            hyper["initial_accumulator_value"] = 0.0;
        }
        auto opt = make_optimizer<double>(GetParam(), store, hyper, c);
        for (int i = 0; i < 5; ++i) opt->step();
        if (GetParam() == "ftrl") {
            // FTRL solves θ from its accumulators at every step, θ = (clip(z) − z)/(…): with no
            // gradient z stays 0, and so does θ, wherever it started (Keras' Ftrl too).
            for (double p : store.params()) EXPECT_EQ(p, 0.0) << "ftrl under " << to_string(c);
            continue;
        }
        EXPECT_EQ(std::vector<double>(store.params().begin(), store.params().end()), before)
            << GetParam() << " under " << to_string(c);
    }
}

// Optimizers whose step size comes from sums over every group together (Prodigy's and
// D-Adaptation's d): one tensor's step depends on the others', so none of them is an optimizer
// of its own; and those whose sums run over a group's tensors (DoG's η, too).
bool sums_over_groups(std::string_view optimizer) { return optimizer == "prodigy" || optimizer == "dadapt-adamw"; }
bool sums_over_tensors(std::string_view optimizer) { return sums_over_groups(optimizer) || optimizer == "dog"; }

TEST_P(EveryOptimizer, GroupWithTinyLrStaysPutWhileTheOtherLearns) {
    if (sums_over_groups(GetParam())) {
        GTEST_SKIP() << "its reference refuses groups of different lr (0 aside, a group it leaves out of d's sums "
                        "but still steps by the others' d·lr)";
    }
    if (GetParam() == "ftrl") {
        GTEST_SKIP() << "FTRL solves θ from its accumulators rather than stepping it: its first step "
                        "scales θ by 1 − √n₀/√n₁ whatever the lr (ZeroGradient… checks what it does)";
    }
    // Rprop's lr is only its first step size, which its floor step_sizes[0] (1e-6) lifts at once.
    const HyperParams tiny = GetParam() == "rprop" ? HyperParams{{"lr", 1e-28}, {"step_sizes", Betas{0.0, 50.0}}}
                                                   : HyperParams{{"lr", 1e-28}};
    ParamStore<float> store;
    store.add("a", test::taken_as(GetParam(), {10, 5}));
    store.add("b", test::taken_as(GetParam(), {5}));
    fill(store.params(), 3);
    const std::vector<float> b_before(store.param("b").begin(), store.param("b").end());
    const std::vector<float> a_before(store.param("a").begin(), store.param("a").end());
    auto opt = make_optimizer<float>(
        GetParam(), store,
        std::vector<GroupSpec>{{{"a"}, {{"lr", 0.01}}}, {{"b"}, tiny}});
    for (int i = 0; i < 20; ++i) {
        fill(store.grads(), 100 + i);
        opt->step();
    }
    EXPECT_EQ(std::vector<float>(store.param("b").begin(), store.param("b").end()), b_before);
    EXPECT_NE(std::vector<float>(store.param("a").begin(), store.param("a").end()), a_before);
    EXPECT_EQ(opt->step_count(0), 20);
    EXPECT_EQ(opt->step_count(1), 20);
}

// One optimizer over a store of many tensors (one fused pass) against one optimizer per
// tensor: bit for bit, on 1 and 2 threads, with weight decay and a few zero-gradient steps.
TEST_P(EveryOptimizer, FusedArenaPassEqualsSeparateTensorsOnAnyThreadCount) {
    const std::vector<std::vector<std::size_t>> shapes = {{300, 130}, {7}, {1}, {129, 65}, {0}};
    const HyperParams hyper = test::weight_decay_if_any(GetParam(), 0.01);
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        ParamStore<float> fused;
        std::vector<ParamStore<float>> separate(shapes.size());
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            fused.add("t" + std::to_string(i), test::taken_as(GetParam(), shapes[i]));
            separate[i].add("t", test::taken_as(GetParam(), shapes[i]));
            fill(fused.view(i).param, 11 + i);
            fill(separate[i].param("t"), 11 + i);
        }
        auto opt = make_optimizer<float>(GetParam(), fused, hyper);
        std::vector<std::unique_ptr<Optimizer<float>>> opts;
        for (auto& s : separate) opts.push_back(make_optimizer<float>(GetParam(), s, hyper));
        for (int step = 1; step <= 7; ++step) {
            for (std::size_t i = 0; i < shapes.size(); ++i) {
                fill(fused.view(i).grad, 1000 * step + i);
                fill(separate[i].grad("t"), 1000 * step + i);
                if (step == 2) {  // a step with no gradient at all
                    std::fill(fused.view(i).grad.begin(), fused.view(i).grad.end(), 0.f);
                    std::fill(separate[i].grad("t").begin(), separate[i].grad("t").end(), 0.f);
                }
            }
            opt->step();
            for (auto& o : opts) o->step();
        }
        if (sums_over_tensors(GetParam())) {
            // One d (or η) for every tensor: the fused pass on 1, 2 and 3 threads gives the same bits
            // (the sums in a fixed chunking of 4096, the 300×130 tensor's over several chunks and
            // threads).
            const std::vector<float> first(fused.params().begin(), fused.params().end());
            for (int more : {2, 3}) {
                if (threads != 1) break;
                set_num_threads(more);
                ParamStore<float> again;
                for (std::size_t i = 0; i < shapes.size(); ++i) {
                    again.add("t" + std::to_string(i), test::taken_as(GetParam(), shapes[i]));
                    fill(again.view(i).param, 11 + i);
                }
                auto o = make_optimizer<float>(GetParam(), again, hyper);
                for (int step = 1; step <= 7; ++step) {
                    for (std::size_t i = 0; i < shapes.size(); ++i) {
                        fill(again.view(i).grad, 1000 * step + i);
                        if (step == 2) std::fill(again.view(i).grad.begin(), again.view(i).grad.end(), 0.f);
                    }
                    o->step();
                }
                ASSERT_TRUE(std::equal(first.begin(), first.end(), again.params().begin(), again.params().end()))
                    << GetParam() << " on " << more << " threads differs from 1 thread";
                EXPECT_NE(first, std::vector<float>(again.params().size(), 0.f));
            }
            set_num_threads(threads);
            continue;
        }
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            auto a = fused.view(i).param;
            auto b = separate[i].param("t");
            ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()))
                << GetParam() << " tensor " << i << " on " << threads << " threads";
        }
    }
    set_num_threads(2);
}

// step_groups over a group per tensor against one optimizer per tensor stepped only when its
// flag is set (torch skipping a parameter whose .grad is None): bit for bit, the parameters, the
// step counts and the evaluation point, with weight decay (which a skipped tensor must not get),
// a tensor that skips some steps and one that starts late.
TEST_P(EveryOptimizer, SteppingSomeGroupsEqualsSkippingThoseTensors) {
    if (sums_over_groups(GetParam())) {
        GTEST_SKIP() << "a group's step depends on every stepped group's sums (d): no group is an optimizer of its own";
    }
    const std::vector<std::vector<std::size_t>> shapes = {{6, 4}, {5}, {3, 4}};
    const HyperParams hyper = test::weight_decay_if_any(GetParam(), 0.01);
    ParamStore<double> together;
    std::vector<ParamStore<double>> alone(shapes.size());
    std::vector<GroupSpec> groups;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        together.add("t" + std::to_string(i), test::taken_as(GetParam(), shapes[i]));
        alone[i].add("t", test::taken_as(GetParam(), shapes[i]));
        fill(together.view(i).param, 21 + i);
        fill(alone[i].param("t"), 21 + i);
        groups.push_back({{"t" + std::to_string(i)}, hyper});
    }
    auto opt = make_optimizer<double>(GetParam(), together, groups);
    std::vector<std::unique_ptr<Optimizer<double>>> opts;
    for (auto& s : alone) opts.push_back(make_optimizer<double>(GetParam(), s, hyper));
    std::vector<std::int64_t> steps(shapes.size(), 0);
    for (int step = 0; step < 8; ++step) {
        const std::vector<bool> active = {true, step % 3 != 0, step >= 2};
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            fill(together.view(i).grad, 2000 * step + i);
            fill(alone[i].grad("t"), 2000 * step + i);
            if (active[i]) {
                opts[i]->step();
                ++steps[i];
            }
        }
        opt->step_groups(active);
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            auto a = together.view(i).param;
            auto b = alone[i].param("t");
            ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()))
                << GetParam() << " tensor " << i << " after step " << step;
            EXPECT_EQ(opt->step_count(i), steps[i]);
        }
    }
    opt->eval();
    for (auto& o : opts) o->eval();
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        auto a = together.view(i).param;
        auto b = alone[i].param("t");
        EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << GetParam() << " tensor " << i << " evaluated";
    }
    EXPECT_THROW(opt->step_groups({true, false, true}), Error);  // in evaluation mode
    opt->train();
    EXPECT_THROW(opt->step_groups({true, false}), InvalidArgument);
}

// Neighbouring groups alike in options, step count and scalars step in one pass (step_active):
// a group per tensor (optlab.torch's layout), alike but for one group's lr, a tensor that skips
// a step (its count falls behind, splitting the run) — on 1 and 2 threads, bit for bit as one
// optimizer per tensor, and as each group stepped on its own.
TEST_P(EveryOptimizer, AlikeGroupsSteppedInOnePassEqualOneOptimizerPerTensor) {
    if (sums_over_groups(GetParam())) GTEST_SKIP() << "its groups share d: no group is an optimizer of its own";
    const std::vector<std::size_t> sizes = {4099, 33, 2048, 4096, 1, 3000};  // not whole vectors
    HyperParams hyper = test::weight_decay_if_any(GetParam(), 0.01);
    HyperParams other = hyper;
    other["lr"] = optimizer_defaults(GetParam(), Convention::torch).contains("lr")
                      ? std::get<double>(optimizer_defaults(GetParam(), Convention::torch).at("lr")) * 0.5
                      : 0.5;
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        ParamStore<double> together;
        std::vector<ParamStore<double>> alone(sizes.size());
        std::vector<GroupSpec> groups;
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            together.add("t" + std::to_string(i), test::taken_as(GetParam(), {sizes[i]}));
            alone[i].add("t", test::taken_as(GetParam(), {sizes[i]}));
            fill(together.view(i).param, 31 + i);
            fill(alone[i].param("t"), 31 + i);
            groups.push_back({{"t" + std::to_string(i)}, i == 2 ? other : hyper});
        }
        auto opt = make_optimizer<double>(GetParam(), together, groups);
        std::vector<std::unique_ptr<Optimizer<double>>> opts;
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            opts.push_back(make_optimizer<double>(GetParam(), alone[i], i == 2 ? other : hyper));
        }
        for (int step = 0; step < 5; ++step) {
            std::vector<bool> active(sizes.size(), true);
            if (step == 1) active[4] = false;  // t4 falls a step behind t3 and t5
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                fill(together.view(i).grad, 3000 * step + i);
                fill(alone[i].grad("t"), 3000 * step + i);
                if (active[i]) opts[i]->step();
            }
            if (step == 1) {
                opt->step_groups(active);
            } else {
                opt->step();
            }
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                auto a = together.view(i).param;
                auto b = alone[i].param("t");
                ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()))
                    << GetParam() << " tensor " << i << " after step " << step << " on " << threads << " threads";
            }
        }
        // The scalars every group keeps (SGD's started buffer, NAdam's μ product) are each its own.
        const OptimizerState<double> state = opt->state_dict();
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            EXPECT_EQ(state.groups[i].scalars, opts[i]->state_dict().groups[0].scalars) << GetParam() << " group " << i;
        }
    }
    set_num_threads(2);
}

TEST(Optimizer, StepGroupsWithEveryFlagIsStepAndWrappersRefuseTheRest) {
    for (const Wrapping& w : {parse_wrapping("2,0.5", std::nullopt), parse_wrapping("", 0.9),
                              parse_wrapping("", std::nullopt, SwaOptions{1, 0.05})}) {
        ParamStore<float> store;
        store.add("a", {3});
        store.add("b", {3});
        auto wrapped = wrap(make_optimizer<float>("sgd", store, std::vector<GroupSpec>{{{"a"}, {}}, {{"b"}, {}}}), w);
        for (float& g : store.grads()) g = 1.f;
        wrapped->step_groups({true, true});
        EXPECT_EQ(wrapped->step_count(0), 1) << wrapped->name();
        EXPECT_FALSE(wrapped->steps_by_group()) << wrapped->name();
        EXPECT_THROW(wrapped->step_groups({true, false}), InvalidArgument) << wrapped->name();
        EXPECT_EQ(wrapped->step_count(1), 1) << wrapped->name();
    }
}

// SWA around every optimizer that has no evaluation point of its own (the others are refused,
// naming it): until its first average (step swa_start + 1) the model is evaluated at θ itself;
// after, at the equal running average of the θ of the steps past swa_start, computed here as
// torch's AveragedModel does; train() puts θ back bit for bit; SWALR takes every group's lr to
// swa_lr (anneal_epochs 2) and holds it there.
TEST_P(EveryOptimizer, SwaEvaluatesAtTheEqualAverageOfTheStepsAfterSwaStart) {
    const SwaOptions swa{3, 1e-3, 2, "linear"};
    ParamStore<double> store;
    store.add("w", test::taken_as(GetParam(), {4, 3}));
    store.add("b", test::taken_as(GetParam(), {3}));
    fill(store.params(), 5);
    std::unique_ptr<Optimizer<double>> inner = make_optimizer<double>(GetParam(), store, HyperParams{});
    if (inner->has_eval_point()) {
        EXPECT_THROW(
            {
                try {
                    with_swa(std::move(inner), swa);
                } catch (const InvalidArgument& e) {
                    EXPECT_NE(std::string(e.what()).find("evaluates at a point of its own"), std::string::npos) << e.what();
                    throw;
                }
            },
            InvalidArgument);
        return;
    }
    const std::string name = std::string(inner->name()) + "+swa";  // (momentum's class is sgd)
    auto opt = with_swa(std::move(inner), swa);
    EXPECT_EQ(opt->name(), name);
    std::vector<double> average;
    double n = 0;
    for (int step = 1; step <= 7; ++step) {
        fill(store.grads(), 40 + step);
        opt->step();
        const std::vector<double> theta(store.params().begin(), store.params().end());
        if (step > swa.swa_start) {
            if (n == 0) average = theta;
            for (std::size_t i = 0; i < theta.size() && n > 0; ++i) average[i] = average[i] + (theta[i] - average[i]) / (n + 1);
            ++n;
        }
        opt->eval();
        const std::vector<double> evaluated(store.params().begin(), store.params().end());
        EXPECT_EQ(evaluated, n == 0 ? theta : average) << GetParam() << " evaluated after step " << step;
        opt->train();
        EXPECT_EQ(std::vector<double>(store.params().begin(), store.params().end()), theta) << "train() after step " << step;
        EXPECT_EQ(opt->schedules_own_lr(), step > swa.swa_start);
    }
    EXPECT_EQ(opt->state_dict().groups[0].scalars.at("n_averaged"), n);
    EXPECT_NE(average, std::vector<double>(store.params().begin(), store.params().end())) << "the average is θ: the test shows nothing";
    for (std::size_t g = 0; g < opt->num_groups(); ++g) EXPECT_EQ(opt->lr(g), swa.swa_lr) << GetParam() << " group " << g;
}

// loss = Σ (a_i θ_i − y_i)², 20 steps: strictly lower, and strictly higher with maximize.
TEST_P(EveryOptimizer, DescendsAndMaximizeAscends) {
    for (bool maximize : {false, true}) {
        ParamStore<double> store;
        store.add("theta", test::taken_as(GetParam(), {50}));
        std::vector<double> a(50), y(50);
        fill<double>(a, 1);
        fill<double>(y, 2);
        fill(store.params(), 3);
        auto loss = [&] {
            double l = 0;
            for (int i = 0; i < 50; ++i) {
                const double r = a[i] * store.params()[i] - y[i];
                l += r * r;
            }
            return l;
        };
        const double initial = loss();
        HyperParams hyper = {{"lr", 1e-3}, {"maximize", maximize}};
        // FTRL's initial accumulator n₀ pulls θ towards 0 (a proximal term at the origin, of
        // weight √n₀/γ), which at this lr outweighs the gradient; without it FTRL steps along it.
        if (GetParam() == "ftrl") hyper["initial_accumulator_value"] = 0.0;
        auto opt = make_optimizer<double>(GetParam(), store, hyper);
        for (int step = 0; step < 20; ++step) {
            for (int i = 0; i < 50; ++i) {
                store.grads()[i] = 2 * a[i] * (a[i] * store.params()[i] - y[i]);
            }
            opt->step();
        }
        if (maximize) {
            EXPECT_GT(loss(), initial) << GetParam();
        } else {
            EXPECT_LT(loss(), initial) << GetParam();
        }
    }
}

// Optax's alias_test: a parabola and Rosenbrock, 10 000 steps, rtol = atol = 3e-2, with
// Optax's learning rates where it has the optimizer; NAdam and RAdam at 0.01 (their
// rectification/schedule overshoots on Rosenbrock at 0.1); Lion, whose steps are ±lr, at
// 0.01 on the parabola (10 units to cover) and 1e-3 on Rosenbrock (to settle within 3e-2).
struct Convergence {
    double lr_parabola, lr_rosenbrock;
    HyperParams extra;
};
// Every registered optimizer needs its line here: a new one without settings fails the test
// below rather than converging (or not) at somebody else's learning rate.
const std::map<std::string, Convergence>& convergence_settings() {
    static const std::map<std::string, Convergence> settings = {
        {"sgd", {1e-3, 1e-3, {{"momentum", 0.9}}}},  // Optax: sgd(1e-3, 0.9)
        {"momentum", {1e-3, 1e-3, {}}},
        {"nag", {1e-3, 1e-3, {}}},
        {"adagrad", {1.0, 1.0, {}}},
        {"rmsprop", {5e-3, 5e-3, {}}},
        {"adadelta", {0.1, 0.1, {}}},
        {"adam", {0.1, 0.1, {}}},  // Optax's lr for the Adam family
        {"adamw", {0.1, 0.1, {}}},
        {"amsgrad", {0.1, 0.1, {}}},
        {"adamax", {0.1, 0.1, {}}},
        {"nadam", {0.01, 0.01, {}}},
        {"radam", {0.01, 0.01, {}}},
        {"lion", {0.01, 1e-3, {}}},
        {"lamb", {0.01, 1e-3, {}}},  // steps of about γ·‖θ‖ per tensor, like Lion's ±γ
        {"adafactor", {0.01, 0.01, {}}},  // relative steps ρ·max(ε2, RMS(θ)), ρ = min(γ, 1/√t)
        {"muon", {5e-3, 1e-3, {}}},  // a 1×n matrix: steps of about γ along the normalised momentum
        {"schedule-free-adamw", {0.1, 0.05, {}}},  // judged at its evaluation point x
        {"schedule-free-sgd", {0.1, 3e-3, {}}},
        {"rprop", {1e-2, 1e-2, {}}},
        {"asgd", {0.1, 1.5e-3, {}}},
        {"sparse-adam", {0.1, 0.1, {}}},  // Adam's
        {"ftrl", {1.0, 1.0, {}}},
        {"signum", {0.01, 1e-3, {}}},  // Optax's 1e-2 on the parabola; ±γ steps, so Lion's 1e-3 on Rosenbrock
        {"yogi", {0.1, 0.1, {}}},  // Optax's
        {"adabelief", {1e-2, 1e-2, {}}},  // Optax's
        {"adan", {0.1, 0.1, {}}},  // Optax's
        {"lars", {1.0, 1.0, {}}},  // Optax's; per tensor of one: steps of γη‖θ‖
        // β3 0.999: the default's slow EMA remembers ~10 000 steps, the whole run, and carries the
        // parabola's long descent (11 units) past the minimum, where it still is at the end.
        {"ademamix", {0.01, 0.01, {{"betas", Triple{0.9, 0.999, 0.999}}}}},
        {"adopt", {0.01, 0.01, {}}},
        {"prodigy", {1.0, 1.0, {}}},  // lr: d's multiplier, 1 as the reference's
        // d bounds the distance to the solution from below (11 on the parabola), and Adam's steps
        // of about d·γ oscillate about the minimum: there γ = 0.1.
        {"dadapt-adamw", {0.1, 1.0, {}}},
        {"dog", {1.0, 1.0, {}}},
        {"novograd", {1e-3, 1e-3, {}}},  // Optax's
        // A vector: Shampoo's grafted Adam alone, SOAP's Adam (no basis without precondition_1d).
        {"shampoo", {0.1, 0.1, {}}},
        {"soap", {0.1, 0.01, {}}},
    };
    return settings;
}

TEST_P(EveryOptimizer, ConvergesOnParabolaAndRosenbrock) {
    const auto found = convergence_settings().find(GetParam());
    ASSERT_NE(found, convergence_settings().end()) << GetParam() << ": add its learning rates to convergence_settings()";
    const Convergence& s = found->second;
    for (const char* problem : {"parabola", "rosenbrock"}) {
        const bool parabola = std::string(problem) == "parabola";
        const std::vector<double> start = parabola ? std::vector<double>{-1, 10, 1}
                                                   : std::vector<double>{0, 0};
        const std::vector<double> target = parabola ? std::vector<double>{1, -1, 1}
                                                    : std::vector<double>{1, 1};
        ParamStore<double> store;
        store.add("x", test::taken_as(GetParam(), {start.size()}));
        std::copy(start.begin(), start.end(), store.params().begin());
        HyperParams hyper = s.extra;
        hyper["lr"] = parabola ? s.lr_parabola : s.lr_rosenbrock;
        auto opt = make_optimizer<double>(GetParam(), store, hyper);
        auto x = store.param("x");
        auto g = store.grad("x");
        for (int step = 0; step < 10000; ++step) {
            if (parabola) {
                for (std::size_t i = 0; i < 3; ++i) g[i] = 2 * (x[i] - target[i]);
            } else {
                const Point2 grad = function_2d("rosenbrock").gradient(x[0], x[1]);
                g[0] = grad[0];
                g[1] = grad[1];
            }
            opt->step();
        }
        opt->eval();  // where the optimizer says its answer is (Schedule-Free's average x)
        for (std::size_t i = 0; i < target.size(); ++i) {
            EXPECT_NEAR(x[i], target[i], 3e-2 + 3e-2 * std::abs(target[i]))
                << GetParam() << " on " << problem << " coordinate " << i;
        }
    }
}

TEST(Momentum, BeatsPlainSgdOnTheRavineAtTheSameLr) {
    const Function2d& f = function_2d("ravine");
    auto run = [&](const char* name) {
        ParamStore<double> store;
        store.add("xy", {2});
        store.params()[0] = -7;
        store.params()[1] = 2;
        auto opt = make_optimizer<double>(name, store, {{"lr", 0.1}});
        for (int i = 0; i < 100; ++i) {
            const Point2 g = f.gradient(store.params()[0], store.params()[1]);
            store.grads()[0] = g[0];
            store.grads()[1] = g[1];
            opt->step();
        }
        return f.value(store.params()[0], store.params()[1]);
    };
    const double sgd = run("sgd"), momentum = run("momentum"), nag = run("nag");
    EXPECT_LT(momentum, sgd / 100) << "sgd " << sgd << ", momentum " << momentum;
    EXPECT_LT(nag, sgd / 100) << "sgd " << sgd << ", nag " << nag;
}

TEST(Adagrad, StepsShrinkAsLrOverRootT) {
    ParamStore<double> store;
    store.add("x", {1});
    Adagrad<double> opt(store, {.lr = 0.5, .eps = 0.0});
    double previous_step = INFINITY;
    for (int t = 1; t <= 200; ++t) {
        store.grads()[0] = 3.0;  // a constant gradient
        const double before = store.params()[0];
        opt.step();
        const double step = before - store.params()[0];
        EXPECT_NEAR(step, 0.5 / std::sqrt(double(t)), 1e-12 * 0.5 / std::sqrt(double(t)));
        EXPECT_LT(step, previous_step);
        previous_step = step;
    }
}

// The registry's learning_rate_free flag: those optimizers find the step size themselves, so
// at their defaults they reach the minimum of ½‖θ − D·c‖² from 0 whether the distance D is 1
// or 1000 (300 steps, within 1e-3 of the distance); Adam and SGD at their fixed default lr do
// not, at either scale: the control that makes the first claim mean something.
TEST(Registry, TheLearningRateFreeOnesFindTheirStepSizeAtEveryScale) {
    auto relative_distance = [](std::string_view name, double scale) {
        ParamStore<double> store;
        store.add("w", {4, 4});
        std::vector<double> target(16);
        for (std::size_t i = 0; i < 16; ++i) target[i] = scale * (0.5 + double(i) / 15.0);
        auto opt = make_optimizer<double>(name, store, HyperParams{});
        auto p = store.params();
        auto g = store.grads();
        for (int step = 0; step < 300; ++step) {
            for (std::size_t i = 0; i < 16; ++i) g[i] = p[i] - target[i];
            opt->step();
        }
        double d = 0, norm = 0;
        for (std::size_t i = 0; i < 16; ++i) d += (p[i] - target[i]) * (p[i] - target[i]), norm += target[i] * target[i];
        return std::sqrt(d / norm);
    };
    int flagged = 0;
    for (const OptimizerInfo& info : optimizers()) {
        if (!info.learning_rate_free) continue;
        ++flagged;
        for (double scale : {1.0, 1000.0}) {
            EXPECT_LT(relative_distance(info.name, scale), 1e-3) << info.name << " at scale " << scale;
        }
    }
    EXPECT_EQ(flagged, 3) << "Prodigy, D-Adaptation AdamW and DoG";
    for (std::string_view fixed_lr : {"adam", "sgd"}) {
        for (double scale : {1.0, 1000.0}) EXPECT_GT(relative_distance(fixed_lr, scale), 0.5) << fixed_lr;
    }
}

TEST(Adam, FirstStepIsLrTimesGradOverAbsGradPlusEps) {
    for (double g : {2.0, -0.3, 1e-3, 1e-6}) {
        ParamStore<double> store;
        store.add("x", {1});
        Adam<double> opt(store, {.lr = 0.01});
        store.grads()[0] = g;
        opt.step();
        const double expected = -0.01 * g / (std::abs(g) + 1e-8);
        EXPECT_NEAR(store.params()[0], expected, 1e-12 * std::abs(expected)) << "g = " << g;
    }
}

TEST(Optimizer, LrSetBetweenStepsTakesEffectAtTheNextStep) {
    ParamStore<double> store;
    store.add("x", {1});
    Sgd<double> opt(store, {.lr = 0.1});
    store.grads()[0] = 1.0;
    opt.step();
    EXPECT_DOUBLE_EQ(store.params()[0], -0.1);
    opt.set_lr(0, 0.5);
    EXPECT_EQ(opt.lr(0), 0.5);
    opt.step();
    EXPECT_DOUBLE_EQ(store.params()[0], -0.6);
    opt.set_hyper(0, {{"momentum", 0.9}});
    EXPECT_EQ(std::get<double>(opt.hyper(0).at("momentum")), 0.9);
}

TEST(Optimizer, ZeroGradClearsOnlyItsOwnTensors) {
    ParamStore<float> store;
    store.add("mine", {3});
    store.add("frozen", {3});
    Sgd<float> opt(store, {.groups = {{{"mine"}, SgdOptions{}}}});
    for (float& g : store.grads()) g = 1.f;
    opt.zero_grad();
    for (float g : store.grad("mine")) EXPECT_EQ(g, 0.f);
    for (float g : store.grad("frozen")) EXPECT_EQ(g, 1.f);
}

// ---- Muon: a weight is the matrix torch holds for its layer ------------------------------------

// Steps `opt_store` and `torch_store` with Muon from the same gradients, `to_torch(k)` giving
// the index in torch_store of opt_store's element k, and expects equal bits throughout.
template <class MapIndex>
void expect_muon_steps_alike(ParamStore<double>& store, ParamStore<double>& torch_store, MapIndex to_torch,
                             const HyperParams& hyper) {
    ASSERT_EQ(store.arena_size(), torch_store.arena_size());
    fill(store.params(), 11);
    for (std::size_t k = 0; k < store.arena_size(); ++k) torch_store.params()[to_torch(k)] = store.params()[k];
    auto opt = make_optimizer<double>("muon", store, hyper);
    auto torch_opt = make_optimizer<double>("muon", torch_store, hyper);
    test::SplitMix64 rng(5);
    for (int step = 0; step < 4; ++step) {
        for (std::size_t k = 0; k < store.arena_size(); ++k) {
            store.grads()[k] = rng.symmetric();
            torch_store.grads()[to_torch(k)] = store.grads()[k];
        }
        opt->step();
        torch_opt->step();
    }
    for (std::size_t k = 0; k < store.arena_size(); ++k) {
        ASSERT_EQ(store.params()[k], torch_store.params()[to_torch(k)]) << "element " << k;
    }
}

TEST(Muon, MuonStepsAWeightStoredInOutAsItsTorchTranspose) {
    // optlab's dense layers store (in, out); torch's Linear (out, in). Muon's step on the former
    // must be torch's on the latter, bit for bit — the `original` ratio √max(1, out/in) included
    // (a 784→100 layer: 1, not 2.8) — for wide, tall and square layers.
    for (auto layer : {std::pair<std::size_t, std::size_t>{7, 3}, {3, 7}, {4, 4}}) {
        const std::size_t in = layer.first, out = layer.second;  // (clang 14's lambdas capture no bindings)
        for (const char* adjust : {"original", "match_rms_adamw"}) {
            ParamStore<double> store, torch_store;
            store.add("w", {in, out}, WeightLayout::in_out);
            torch_store.add("w", {out, in});
            expect_muon_steps_alike(store, torch_store, [&](std::size_t k) { return (k % out) * in + k / out; },
                                    {{"lr", 0.05}, {"adjust_lr_fn", std::string(adjust)}});
        }
    }
    EXPECT_EQ(Muon<double>::lr_ratio(MuonOptions{}, 100, 784), 1.0);  // torch's (out, in) of 784→100
}

TEST(Muon, MuonStepsAKernelAsItsMatrix) {
    // A convolution kernel (out, in, kh, kw) steps as its (out, in·kh·kw) reshape, as Keller
    // Jordan's Muon takes it: the same elements in the same order, so the same bits.
    for (const std::vector<std::size_t>& shape : {std::vector<std::size_t>{4, 2, 3, 3}, {6, 1, 2, 1}}) {
        ParamStore<double> store, matrix_store;
        store.add("kernel", shape);
        matrix_store.add("kernel", {shape[0], shape[1] * shape[2] * shape[3]});
        expect_muon_steps_alike(store, matrix_store, [](std::size_t k) { return k; }, {{"lr", 0.02}});
    }
    ParamStore<double> vector_store;
    vector_store.add("bias", {3});
    EXPECT_THROW(make_optimizer<double>("muon", vector_store), InvalidArgument);
}

}  // namespace
}  // namespace optlab
