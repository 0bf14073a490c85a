// SPDX-License-Identifier: MIT
// The name → optimizer table. Adding an optimizer: one row in kEntries and one case in
// with_options().
#include "optlab/optim/registry.hpp"

#include <array>
#include <string>

#include "optlab/optim/adadelta.hpp"
#include "optlab/optim/adagrad.hpp"
#include "optlab/optim/adam.hpp"
#include "optlab/optim/adamax.hpp"
#include "optlab/optim/lion.hpp"
#include "optlab/optim/nadam.hpp"
#include "optlab/optim/radam.hpp"
#include "optlab/optim/rmsprop.hpp"
#include "optlab/optim/sgd.hpp"

namespace optlab {

namespace {

struct Entry {
    std::string_view name;
    std::string_view summary;
};

constexpr std::array kEntries = {
    Entry{"sgd", "SGD: θ ← θ − γg (the lecture's first rule)"},
    Entry{"momentum", "SGD with heavy-ball momentum 0.9: v ← αv − γg, θ ← θ + v"},
    Entry{"nag", "SGD with Nesterov momentum 0.9 (NAG): the step looks ahead along v"},
    Entry{"adagrad", "AdaGrad: divides by the root of the summed squared gradients"},
    Entry{"rmsprop", "RMSprop: AdaGrad with a moving average that forgets the past"},
    Entry{"adadelta", "AdaDelta: RMSprop scaled by the RMS of past updates"},
    Entry{"adam", "Adam: Momentum plus RMSprop, with bias correction"},
    Entry{"adamw", "AdamW: Adam with decoupled weight decay"},
    Entry{"amsgrad", "AMSGrad: Adam with the running maximum of the second moment"},
    Entry{"nadam", "NAdam: Adam with Nesterov momentum"},
    Entry{"adamax", "Adamax: Adam with the infinity norm"},
    Entry{"radam", "RAdam: Adam with a rectified warm-up of the adaptive step"},
    Entry{"lion", "Lion: the sign of a momentum interpolation"},
};

constexpr std::array<std::string_view, kEntries.size()> kNames = [] {
    std::array<std::string_view, kEntries.size()> names{};
    for (std::size_t i = 0; i < kEntries.size(); ++i) names[i] = kEntries[i].name;
    return names;
}();

[[noreturn]] void unknown(std::string_view name) {
    std::string list;
    for (auto n : kNames) list += (list.empty() ? "" : ", ") + std::string(n);
    throw InvalidArgument("optimizer: unknown name '" + std::string(name) + "' (expected one of " +
                          list + ")");
}

/// Calls f.template operator()<OptimizerClass>(options) with the named optimizer's defaults.
template <class T, class F>
auto with_options(std::string_view name, Convention c, F&& f) {
    if (name == "sgd") return f.template operator()<Sgd<T>>(SgdOptions::defaults(c));
    if (name == "momentum" || name == "nag") {
        SgdOptions o = SgdOptions::defaults(c);
        o.momentum = 0.9;
        o.nesterov = name == "nag";
        return f.template operator()<Sgd<T>>(o);
    }
    if (name == "adagrad") return f.template operator()<Adagrad<T>>(AdagradOptions::defaults(c));
    if (name == "rmsprop") return f.template operator()<Rmsprop<T>>(RmspropOptions::defaults(c));
    if (name == "adadelta") {
        return f.template operator()<Adadelta<T>>(AdadeltaOptions::defaults(c));
    }
    if (name == "adam") return f.template operator()<Adam<T>>(AdamOptions::defaults(c));
    if (name == "adamw") return f.template operator()<Adam<T>>(AdamOptions::adamw_defaults(c));
    if (name == "amsgrad") {
        AdamOptions o = AdamOptions::defaults(c);
        o.amsgrad = true;
        return f.template operator()<Adam<T>>(o);
    }
    if (name == "nadam") return f.template operator()<Nadam<T>>(NadamOptions::defaults(c));
    if (name == "adamax") return f.template operator()<Adamax<T>>(AdamaxOptions::defaults(c));
    if (name == "radam") return f.template operator()<Radam<T>>(RadamOptions::defaults(c));
    if (name == "lion") return f.template operator()<Lion<T>>(LionOptions::defaults(c));
    unknown(name);
}

}  // namespace

std::span<const std::string_view> optimizer_names() { return kNames; }

std::string_view optimizer_summary(std::string_view name) {
    for (const auto& e : kEntries) {
        if (e.name == name) return e.summary;
    }
    unknown(name);
}

HyperParams optimizer_defaults(std::string_view name, Convention convention) {
    return with_options<double>(name, convention, []<class Opt>(const auto& options) {
        return to_hyper(options);
    });
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, ParamStore<T>& store,
                                             const HyperParams& hyper, Convention convention) {
    return with_options<T>(
        name, convention,
        [&]<class Opt>(auto options) -> std::unique_ptr<Optimizer<T>> {
            apply_hyper(options, hyper, name);
            return std::make_unique<Opt>(store, options);
        });
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, ParamStore<T>& store,
                                             const std::vector<GroupSpec>& groups,
                                             Convention convention) {
    if (groups.empty()) {
        throw InvalidArgument(std::string(name) + ": an optimizer needs at least one group");
    }
    return with_options<T>(
        name, convention,
        [&]<class Opt>(auto defaults) -> std::unique_ptr<Optimizer<T>> {
            std::vector<typename Opt::ParamGroup> typed;
            for (const auto& g : groups) {
                auto options = defaults;
                apply_hyper(options, g.hyper, name);
                typed.push_back({g.params, options});
            }
            return std::make_unique<Opt>(store, typename Opt::ParamGroups{std::move(typed)});
        });
}

template std::unique_ptr<Optimizer<float>> make_optimizer(std::string_view, ParamStore<float>&,
                                                          const HyperParams&, Convention);
template std::unique_ptr<Optimizer<float>> make_optimizer(std::string_view, ParamStore<float>&,
                                                          const std::vector<GroupSpec>&,
                                                          Convention);
template std::unique_ptr<Optimizer<double>> make_optimizer(std::string_view, ParamStore<double>&,
                                                           const std::vector<GroupSpec>&,
                                                           Convention);
template std::unique_ptr<Optimizer<double>> make_optimizer(std::string_view, ParamStore<double>&,
                                                           const HyperParams&, Convention);

}  // namespace optlab
