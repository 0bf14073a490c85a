// SPDX-License-Identifier: MIT
// Bad hyper-parameters fail at construction (and on set_lr/set_hyper), with a message naming
// the optimizer, the field, the value and the valid range (RELIABILITY.md V1).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "optlab/optim/adam.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optim/sgd.hpp"
#include "optlab/optim/wrappers.hpp"
#include "taken_as.hpp"

namespace optlab {
namespace {

// Builds `name` with `hyper` and returns the error message ("" if it was accepted).
std::string error_of(const std::string& name, const HyperParams& hyper,
                     Convention c = Convention::torch) {
    ParamStore<float> store;
    store.add("w", test::taken_as(name, {3}));
    try {
        make_optimizer<float>(name, store, hyper, c);
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "";
}

void expect_message(const std::string& message, std::initializer_list<const char*> parts) {
    ASSERT_FALSE(message.empty()) << "expected an error";
    for (const char* part : parts) {
        EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(Validation, LearningRateMustBeFiniteAndNonNegative) {
    for (auto name : optimizer_names()) {
        expect_message(error_of(std::string(name), {{"lr", -0.1}}), {"invalid lr = -0.1", ">= 0"});
        expect_message(error_of(std::string(name), {{"lr", kNaN}}), {"invalid lr = nan"});
        expect_message(error_of(std::string(name), {{"lr", kInf}}), {"invalid lr = inf"});
        EXPECT_EQ(error_of(std::string(name), {{"lr", 0.0}}), "") << name;
    }
}

TEST(Validation, MessagesNameOptimizerFieldValueAndRange) {
    expect_message(error_of("adam", {{"betas", Betas{1.0, 0.999}}}),
                   {"adam", "betas[0] = 1", "0 <= value < 1"});
    expect_message(error_of("adam", {{"betas", Betas{0.9, -0.1}}}), {"betas[1] = -0.1"});
    expect_message(error_of("nadam", {{"betas", Betas{0.9, 1.0}}}), {"nadam", "betas[1] = 1"});
    expect_message(error_of("lion", {{"betas", Betas{1.5, 0.99}}}), {"lion", "betas[0] = 1.5"});
    expect_message(error_of("adam", {{"eps", -1e-8}}), {"adam", "eps = -1e-08"});
    expect_message(error_of("adadelta", {{"rho", 1.01}}), {"adadelta", "rho = 1.01", "<= 1"});
    EXPECT_EQ(error_of("adadelta", {{"rho", 1.0}}), "");
    expect_message(error_of("rmsprop", {{"alpha", 1.0}}), {"rmsprop", "alpha = 1"});
    expect_message(error_of("sgd", {{"momentum", -0.5}}), {"sgd", "momentum = -0.5"});
    expect_message(error_of("rmsprop", {{"momentum", -0.5}}), {"rmsprop", "momentum = -0.5"});
    expect_message(error_of("adamw", {{"weight_decay", -1.0}}), {"adam", "weight_decay = -1"});
    expect_message(error_of("adagrad", {{"lr_decay", -1.0}}), {"adagrad", "lr_decay = -1"});
    expect_message(error_of("adagrad", {{"initial_accumulator_value", -1.0}}),
                   {"initial_accumulator_value = -1"});
    expect_message(error_of("nadam", {{"momentum_decay", -1.0}}), {"momentum_decay = -1"});
    // torch's Rprop, ASGD, SparseAdam and Keras' FTRL: their own fields and ranges
    expect_message(error_of("rprop", {{"etas", Betas{1.0, 1.2}}}), {"rprop", "etas[0] = 1", "0 < value < 1"});
    expect_message(error_of("rprop", {{"etas", Betas{0.5, 1.0}}}), {"etas[1] = 1", "> 1"});
    expect_message(error_of("rprop", {{"step_sizes", Betas{1e-3, 1e-4}}}), {"step_sizes[1] = 1e-04", ">= step_sizes[0]"});
    expect_message(error_of("asgd", {{"t0", kInf}}), {"asgd", "t0 = inf"});
    expect_message(error_of("asgd", {{"lambd", -1.0}}), {"asgd", "lambd = -1"});
    expect_message(error_of("sparse-adam", {{"eps", 0.0}}), {"sparse-adam", "eps = 0", "> 0"});
    expect_message(error_of("ftrl", {{"learning_rate_power", 0.5}}), {"ftrl", "learning_rate_power = 0.5", "<= 0"});
    expect_message(error_of("ftrl", {{"l1_regularization_strength", -1.0}}), {"l1_regularization_strength = -1"});
    EXPECT_EQ(error_of("ftrl", {{"learning_rate_power", 0.0}}), "");
    // Optax's Signum
    expect_message(error_of("signum", {{"beta", 1.0}}), {"signum", "beta = 1", "0 <= value < 1"});
    EXPECT_EQ(error_of("signum", {{"beta", 0.0}}), "");  // optax.sign_sgd
    expect_message(error_of("novograd", {{"betas", Betas{0.9, 1.0}}}), {"novograd", "betas[1] = 1", "0 <= value < 1"});
    expect_message(error_of("lars", {{"trust_coefficient", -1.0}}), {"lars", "trust_coefficient = -1", ">= 0"});
    expect_message(error_of("lars", {{"momentum", -0.5}}), {"lars", "momentum = -0.5"});
    expect_message(error_of("adan", {{"betas", Triple{0.98, 0.92, 1.0}}}), {"adan", "betas[2] = 1", "0 <= value < 1"});
    expect_message(error_of("adan", {{"betas", Betas{0.9, 0.99}}}), {"adan", "betas", "three numbers"});
    expect_message(error_of("adabelief", {{"eps_root", -1e-16}}), {"adabelief", "eps_root = -1e-16", ">= 0"});
    expect_message(error_of("yogi", {{"betas", Betas{0.9, 1.0}}}), {"yogi", "betas[1] = 1", "0 <= value < 1"});
    expect_message(error_of("yogi", {{"initial_accumulator_value", -1.0}}), {"yogi", "initial_accumulator_value = -1"});
    // AdEMAMix's three betas, α and warm-ups; ADOPT's clip exponent
    expect_message(error_of("ademamix", {{"betas", Triple{0.9, 0.999, 1.0}}}), {"ademamix", "betas[2] = 1", "0 <= value < 1"});
    expect_message(error_of("ademamix", {{"alpha", -1.0}}), {"ademamix", "alpha = -1"});
    expect_message(error_of("ademamix", {{"alpha_warmup", -5.0}}), {"alpha_warmup = -5", "none or"});
    expect_message(error_of("ademamix", {{"beta3_warmup", kInf}}), {"beta3_warmup = inf"});
    EXPECT_EQ(error_of("ademamix", {{"beta3_warmup", kNaN}, {"alpha_warmup", 0.0}}), "");
    expect_message(error_of("ademamix", {{"betas", Betas{0.9, 0.999}}}), {"ademamix", "betas", "three numbers"});
    expect_message(error_of("adopt", {{"clip_exponent", -0.25}}), {"adopt", "clip_exponent = -0.25", "none or"});
    expect_message(error_of("adopt", {{"betas", Betas{0.9, 1.0}}}), {"adopt", "betas[1] = 1"});
    EXPECT_EQ(error_of("adopt", {{"clip_exponent", kNaN}}), "");
    // Prodigy's d0, eps, beta3 and growth_rate
    expect_message(error_of("prodigy", {{"d0", 0.0}}), {"prodigy", "d0 = 0", "> 0"});
    expect_message(error_of("prodigy", {{"eps", 0.0}}), {"prodigy", "eps = 0", "> 0"});
    expect_message(error_of("prodigy", {{"beta3", 1.0}}), {"prodigy", "beta3 = 1", "0 <= value < 1"});
    expect_message(error_of("prodigy", {{"growth_rate", 0.0}}), {"growth_rate = 0", "none (no limit)"});
    expect_message(error_of("prodigy", {{"d_coef", -1.0}}), {"d_coef = -1"});
    EXPECT_EQ(error_of("prodigy", {{"growth_rate", kInf}, {"beta3", kNaN}}), "");
    // D-Adaptation's and DoG's own
    expect_message(error_of("dadapt-adamw", {{"d0", -1.0}}), {"dadapt-adamw", "d0 = -1", "> 0"});
    expect_message(error_of("dadapt-adamw", {{"layer_scale", -1.0}}), {"layer_scale = -1"});
    expect_message(error_of("dog", {{"reps_rel", 0.0}}), {"dog", "reps_rel = 0", "init_eta"});
    expect_message(error_of("dog", {{"init_eta", 0.0}}), {"dog", "init_eta = 0", "none or"});
    EXPECT_EQ(error_of("dog", {{"reps_rel", 0.0}, {"init_eta", 1e-3}}), "");
}

TEST(Validation, NesterovNeedsMomentumAndNoDampening) {
    expect_message(error_of("sgd", {{"nesterov", true}}), {"sgd", "nesterov requires momentum > 0"});
    expect_message(error_of("nag", {{"momentum", 0.0}}), {"nesterov requires momentum > 0"});
    expect_message(error_of("nag", {{"dampening", 0.1}}), {"dampening = 0"});
    expect_message(error_of("momentum", {{"dampening", 0.1}}, Convention::keras),
                   {"dampening", "keras"});
}

TEST(Validation, UnknownNamesAndWrongKinds) {
    expect_message(error_of("adam", {{"rho", 0.9}}), {"adam has no hyper-parameter 'rho'"});
    expect_message(error_of("sgd", {{"lr", true}}), {"lr expects a number"});
    expect_message(error_of("adam", {{"betas", 0.9}}), {"betas expects a pair"});
    expect_message(error_of("adagrad", {{"maximize", 1.0}}), {"maximize expects true or false"});
    expect_message(error_of("adamm", {}), {"unknown name 'adamm'", "adam, adamw"});
}

TEST(Validation, TheSameParameterTwiceIsRefused) {
    ParamStore<float> store;
    store.add("w", {3});
    store.add("b", {1});
    try {
        Sgd<float> opt(store, {.groups = {{{"w", "b"}, {}}, {{"w"}, {}}}});
        FAIL() << "accepted a parameter in two groups";
    } catch (const InvalidArgument& e) {
        expect_message(e.what(), {"sgd", "'w'", "more than one parameter group"});
    }
    EXPECT_THROW(Sgd<float>(store, {.groups = {{{"w", "w"}, {}}}}), InvalidArgument);
    EXPECT_THROW(Sgd<float>(store, {.groups = {{{"nope"}, {}}}}), InvalidArgument);
}

TEST(Validation, SettersValidateAndLeaveTheGroupUnchangedOnError) {
    ParamStore<float> store;
    store.add("w", {3});
    Adam<float> adam(store, {.lr = 0.01});
    EXPECT_THROW(adam.set_lr(0, -1.0), InvalidArgument);
    EXPECT_THROW(adam.set_lr(0, kNaN), InvalidArgument);
    EXPECT_EQ(adam.lr(0), 0.01);
    EXPECT_THROW(adam.set_hyper(0, {{"lr", 0.5}, {"betas", Betas{0.9, 1.0}}}), InvalidArgument);
    EXPECT_EQ(adam.lr(0), 0.01);
    EXPECT_THROW(adam.set_hyper(0, {{"alpha", 0.5}}), InvalidArgument);
    AdamOptions keras = AdamOptions::defaults(Convention::keras);
    EXPECT_THROW(adam.set_options(0, keras), InvalidArgument);  // another convention
}

// Under keras, Keras 3's defaults and ranges (keras/src/optimizers): SGD's momentum in [0, 1],
// Lion's beta_1 in (0, 1] and lr 1e-3, no lr_decay for AdaGrad, NAdam's fixed 0.96^t, weight
// decay always decoupled; and Keras' names point to PyTorch's.
TEST(Validation, TheKerasConventionHasKerasDefaultsAndRanges) {
    const Convention k = Convention::keras;
    expect_message(error_of("momentum", {{"momentum", 1.5}}, k), {"sgd", "momentum = 1.5", "keras"});
    EXPECT_EQ(error_of("momentum", {{"momentum", 1.0}}, k), "");
    EXPECT_EQ(error_of("momentum", {{"momentum", 1.5}}), "") << "torch has no upper bound";
    expect_message(error_of("lion", {{"betas", Betas{0.0, 0.99}}}, k), {"lion", "betas[0] = 0", "0 < value <= 1"});
    EXPECT_EQ(error_of("lion", {{"betas", Betas{1.0, 0.99}}}, k), "");
    EXPECT_EQ(std::get<double>(optimizer_defaults("lion", k).at("lr")), 1e-3);
    EXPECT_EQ(std::get<double>(optimizer_defaults("lion", Convention::torch).at("lr")), 1e-4);
    expect_message(error_of("adagrad", {{"lr_decay", 0.1}}, k), {"adagrad", "lr_decay = 0.1", "keras"});
    expect_message(error_of("nadam", {{"momentum_decay", 0.004}}, k), {"nadam", "momentum_decay", "0.96^t"});
    for (const char* name : {"adam", "nadam"}) {
        EXPECT_TRUE(std::get<bool>(optimizer_defaults(name, k).at("decoupled_weight_decay"))) << name;
        expect_message(error_of(name, {{"decoupled_weight_decay", false}}, k), {"decoupled_weight_decay = false", "keras"});
    }
    expect_message(error_of("rmsprop", {{"rho", 0.9}}, k),
                   {"rmsprop has no hyper-parameter 'rho'", "RMSprop rho is PyTorch's alpha", "use alpha"});
    expect_message(error_of("adam", {{"epsilon", 1e-7}}), {"adam has no hyper-parameter 'epsilon'", "use eps"});
    EXPECT_EQ(error_of("adam", {{"rho", 0.9}}), "adam has no hyper-parameter 'rho'") << "no hint where it has no alpha";
}

// SWA's options as torch's SWALR checks them (anneal_strategy cos or linear, anneal_epochs an
// integer >= 0) and as its loop needs them (swa_start >= 0, swa_lr finite > 0): with_swa names
// the field, Wrapping (the CLI's and Python's) the flag, each with the value and the range; its
// flags come together or not at all; and it is one evaluation point, not two.
TEST(Validation, SwaOptionsNameTheFieldOrFlagTheValueAndTheRange) {
    auto swa_error = [](const SwaOptions& o) -> std::string {
        ParamStore<float> store;
        store.add("w", {3});
        try {
            with_swa(make_optimizer<float>("sgd", store), o);
        } catch (const InvalidArgument& e) {
            return e.what();
        }
        return "";
    };
    auto wrapping_error = [](auto&& make) -> std::string {
        try {
            make();
        } catch (const InvalidArgument& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_EQ(swa_error({0, 0.05}), "");
    EXPECT_EQ(swa_error({5, 0.05, 0, "linear"}), "") << "torch's SWALR takes anneal_epochs = 0";
    expect_message(swa_error({-1, 0.05}), {"swa: invalid swa_start = -1", "an integer >= 0"});
    expect_message(swa_error({0, 0.0}), {"swa: invalid swa_lr = 0", "a finite number > 0"});
    expect_message(swa_error({0, kInf}), {"swa_lr = inf", "a finite number > 0"});
    expect_message(swa_error({0, kNaN}), {"swa_lr = nan"});
    expect_message(swa_error({0, 0.05, -1}), {"swa: invalid anneal_epochs = -1", "an integer >= 0"});
    expect_message(swa_error({0, 0.05, 10, "cosine"}), {"swa: invalid anneal_strategy 'cosine'", "cos or linear"});
    expect_message(wrapping_error([] { parse_wrapping("", std::nullopt, SwaOptions{0, -2}); }),
                   {"--swa-lr: invalid swa_lr = -2", "a finite number > 0"});
    expect_message(wrapping_error([] { swa_from_flags(-3, 0.1, std::nullopt, std::nullopt); }),
                   {"--swa-start: invalid swa_start = -3"});
    expect_message(wrapping_error([] { swa_from_flags(1, 0.1, -5, std::nullopt); }),
                   {"--swa-anneal-epochs: invalid anneal_epochs = -5"});
    expect_message(wrapping_error([] { swa_from_flags(1, 0.1, std::nullopt, "exp"); }),
                   {"--swa-anneal-strategy: invalid anneal_strategy 'exp'", "cos or linear"});
    expect_message(wrapping_error([] { swa_from_flags(5, std::nullopt, std::nullopt, std::nullopt); }),
                   {"--swa-start without --swa-lr"});
    expect_message(wrapping_error([] { swa_from_flags(std::nullopt, 0.1, std::nullopt, std::nullopt); }),
                   {"--swa-lr without --swa-start"});
    expect_message(wrapping_error([] { swa_from_flags(std::nullopt, std::nullopt, 3, std::nullopt); }),
                   {"--swa-anneal-epochs without --swa-start and --swa-lr"});
    EXPECT_FALSE(swa_from_flags(std::nullopt, std::nullopt, std::nullopt, std::nullopt));
    const std::optional<SwaOptions> given = swa_from_flags(4, 0.1, std::nullopt, "linear");
    ASSERT_TRUE(given);
    EXPECT_EQ(given->anneal_epochs, SwaOptions{}.anneal_epochs) << "an anneal flag not given keeps SWALR's default";
    EXPECT_EQ(given->anneal_strategy, "linear");
    expect_message(wrapping_error([] { parse_wrapping("5,0.5", std::nullopt, SwaOptions{0, 0.1}); }),
                   {"--lookahead and --swa-start cannot be combined"});
    expect_message(wrapping_error([] { parse_wrapping("", 0.9, SwaOptions{0, 0.1}); }),
                   {"--ema and --swa-start cannot be combined"});
}

}  // namespace
}  // namespace optlab
