// SPDX-License-Identifier: MIT
#include "optimizer_flags.hpp"

#include <charconv>
#include <cmath>

#include "optlab/optim/registry.hpp"

namespace optlab::cli {

namespace {
// Rejects NaN, inf and anything that is not a plain finite number, before an optimizer sees it.
const CLI::Validator kFinite = CLI::Validator(
    [](std::string& text) -> std::string {
        double v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
            !std::isfinite(v)) {
            return "'" + text + "' is not a finite number";
        }
        return {};
    },
    "NUMBER");
}  // namespace

std::array<double, 2> parse_pair(std::string_view text, std::string_view flag) {
    const auto comma = text.find(',');
    auto number = [&](std::string_view item) {
        double v = 0;
        auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || ec != std::errc() || end != item.data() + item.size() ||
            !std::isfinite(v)) {
            throw InvalidArgument(std::string(flag) + ": '" + std::string(text) +
                                  "' is not two finite numbers A,B");
        }
        return v;
    };
    if (comma == std::string_view::npos) number("");
    return {number(text.substr(0, comma)), number(text.substr(comma + 1))};
}

HyperParams OptimizerFlags::hyper() const {
    HyperParams h;
    auto put = [&](const char* name, const auto& value) {
        if (value) h[name] = *value;
    };
    put("lr", lr);
    put("momentum", momentum);
    put("dampening", dampening);
    put("weight_decay", weight_decay);
    put("eps", eps);
    put("rho", rho);
    put("alpha", alpha);
    put("lr_decay", lr_decay);
    put("initial_accumulator_value", initial_accumulator_value);
    put("momentum_decay", momentum_decay);
    auto flag = [&](const char* name, bool value, const CLI::Option* option) {
        if (option && option->count() > 0) h[name] = value;
    };
    flag("nesterov", nesterov, nesterov_flag);
    flag("centered", centered, centered_flag);
    flag("amsgrad", amsgrad, amsgrad_flag);
    flag("maximize", maximize, maximize_flag);
    flag("decoupled_weight_decay", decoupled_weight_decay, decoupled_flag);
    if (betas) h["betas"] = parse_pair(*betas, "--betas");
    return h;
}

void add_optimizer_flags(CLI::App& app, OptimizerFlags& f) {
    std::string names;
    for (auto n : optimizer_names()) names += (names.empty() ? "" : " ") + std::string(n);
    app.add_option("--optimizer", f.optimizer, "Optimizer: " + names)
        ->check(CLI::IsMember(std::vector<std::string>(optimizer_names().begin(),
                                                       optimizer_names().end())))
        ->capture_default_str();
    app.add_option("--convention", f.convention,
                   "Whose formulas and defaults: torch (PyTorch), keras, book (the lecture's book)")
        ->check(CLI::IsMember({"torch", "keras", "book"}))
        ->capture_default_str();
    const std::string g = "Hyper-parameters (unset: the optimizer's default in the convention)";
    app.add_option("--lr", f.lr, "Learning rate")->check(kFinite)->group(g);
    app.add_option("--momentum", f.momentum, "Momentum factor (sgd, rmsprop)")->check(kFinite)->group(g);
    app.add_option("--dampening", f.dampening, "Momentum dampening (sgd, torch)")->check(kFinite)->group(g);
    app.add_option("--weight-decay", f.weight_decay, "Weight decay λ")->check(kFinite)->group(g);
    app.add_option("--betas", f.betas, "B1,B2: moment decay rates (adam family, lion)")->group(g);
    app.add_option("--eps", f.eps, "Epsilon of the denominator")->check(kFinite)->group(g);
    app.add_option("--rho", f.rho, "AdaDelta's decay ρ")->check(kFinite)->group(g);
    app.add_option("--alpha", f.alpha, "RMSprop's decay α")->check(kFinite)->group(g);
    app.add_option("--lr-decay", f.lr_decay, "AdaGrad's lr decay")->check(kFinite)->group(g);
    app.add_option("--initial-accumulator-value", f.initial_accumulator_value,
                   "AdaGrad's initial sum")->check(kFinite)->group(g);
    app.add_option("--momentum-decay", f.momentum_decay, "NAdam's ψ")->check(kFinite)->group(g);
    f.nesterov_flag = app.add_flag("--nesterov{true},--no-nesterov{false}", f.nesterov, "Nesterov momentum (sgd)")->group(g);
    f.centered_flag = app.add_flag("--centered{true},--no-centered{false}", f.centered, "Centered RMSprop")->group(g);
    f.amsgrad_flag = app.add_flag("--amsgrad{true},--no-amsgrad{false}", f.amsgrad, "AMSGrad (adam)")->group(g);
    f.maximize_flag = app.add_flag("--maximize{true},--no-maximize{false}", f.maximize, "Ascend instead of descend")->group(g);
    f.decoupled_flag = app.add_flag("--decoupled-weight-decay{true},--no-decoupled-weight-decay{false}",
                 f.decoupled_weight_decay, "Decoupled weight decay (adam, nadam, radam)")->group(g);
}

}  // namespace optlab::cli
