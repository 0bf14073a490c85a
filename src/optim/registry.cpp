// SPDX-License-Identifier: MIT
// The registry: one entry per optimizer (registry.hpp). Adding an optimizer adds its include
// and its entry below — nothing else in the tree lists optimizers.
#include "optlab/optim/registry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "optlab/core/text.hpp"
#include "optlab/optim/adabelief.hpp"
#include "optlab/optim/adadelta.hpp"
#include "optlab/optim/adafactor.hpp"
#include "optlab/optim/adagrad.hpp"
#include "optlab/optim/adam.hpp"
#include "optlab/optim/adamax.hpp"
#include "optlab/optim/adan.hpp"
#include "optlab/optim/ademamix.hpp"
#include "optlab/optim/adopt.hpp"
#include "optlab/optim/asgd.hpp"
#include "optlab/optim/dadapt_adam.hpp"
#include "optlab/optim/dog.hpp"
#include "optlab/optim/ftrl.hpp"
#include "optlab/optim/lamb.hpp"
#include "optlab/optim/lars.hpp"
#include "optlab/optim/lbfgs.hpp"
#include "optlab/optim/lion.hpp"
#include "optlab/optim/muon.hpp"
#include "optlab/optim/nadam.hpp"
#include "optlab/optim/prodigy.hpp"
#include "optlab/optim/novograd.hpp"
#include "optlab/optim/radam.hpp"
#include "optlab/optim/rmsprop.hpp"
#include "optlab/optim/rprop.hpp"
#include "optlab/optim/schedule_free.hpp"
#include "optlab/optim/sgd.hpp"
#ifdef OPTLAB_HAS_LAPACK
#include "optlab/optim/shampoo.hpp"
#include "optlab/optim/soap.hpp"
#endif
#include "optlab/optim/yogi.hpp"
#include "optlab/optim/signum.hpp"
#include "optlab/optim/sparse_adam.hpp"

namespace optlab {

namespace {

// Registry names that are another optimizer with other defaults (Optax's aliases).
SgdOptions momentum_defaults(Convention c) {
    SgdOptions o = SgdOptions::defaults(c);
    o.momentum = 0.9;
    return o;
}
SgdOptions nag_defaults(Convention c) {
    SgdOptions o = momentum_defaults(c);
    o.nesterov = true;
    return o;
}
AdamOptions amsgrad_defaults(Convention c) {
    AdamOptions o = AdamOptions::defaults(c);
    o.amsgrad = true;
    return o;
}

// Optimizer class Opt (Adam<T>, ...) whose defaults under a convention are Defaults(c).
template <template <class> class Opt, auto Defaults>
struct Make {
    static HyperParams defaults(Convention c) { return to_hyper(Defaults(c)); }

    template <class T>
    static std::unique_ptr<Optimizer<T>> make(std::string_view name, ParamStore<T>& store,
                                              const std::vector<GroupSpec>& groups,
                                              Convention c) {
        if (groups.empty()) {
            throw InvalidArgument(std::string(name) + ": an optimizer needs at least one group");
        }
        std::vector<typename Opt<T>::ParamGroup> typed;
        for (const GroupSpec& g : groups) {
            auto options = Defaults(c);
            apply_hyper(options, g.hyper, name);
            typed.push_back({g.params, options});
        }
        return std::make_unique<Opt<T>>(store, typename Opt<T>::ParamGroups{std::move(typed)});
    }
};

// The state an optimizer keeps and saves, by name: its arena buffers, or the per-tensor state
// of one that keeps none (Adafactor's row_var, col_var, variance), or both where it names them
// all (NovoGrad's exp_avg and per-tensor exp_avg_sq).
template <class Opt>
constexpr std::span<const std::string_view> saved_state() {
    if constexpr (requires { Opt::saved_state_names(); }) {
        return Opt::saved_state_names();
    } else if constexpr (requires { Opt::tensor_state_names(); }) {
        return Opt::tensor_state_names();
    } else {
        return Opt::kBuffers;
    }
}

template <template <class> class Opt, auto Defaults>
constexpr OptimizerInfo entry(std::string_view name, std::string_view label,
                              std::string_view summary, StepTraffic traffic, bool matrices_only = false) {
    using M = Make<Opt, Defaults>;
    return {name,        label, summary, saved_state<Opt<float>>(), traffic, &M::defaults,
            &M::template make<float>, &M::template make<double>, matrices_only};
}

constexpr OptimizerInfo learning_rate_free(OptimizerInfo info) {
    info.learning_rate_free = true;
    return info;
}

constexpr OptimizerInfo with_closure(OptimizerInfo info) {
    info.needs_closure = true;
    return info;
}

constexpr OptimizerInfo beyond_diagonal(OptimizerInfo info) {
    info.beyond_diagonal = true;
    return info;
}

// Traffic: p and g, plus every state buffer the default step keeps (registry_test checks it
// against the buffers a default step really allocates), pass by pass.
const std::array kRegistry = {
    entry<Sgd, SgdOptions::defaults>("sgd", "SGD", "SGD: θ ← θ − γg (the lecture's first rule)", {2, 1}),
    entry<Sgd, momentum_defaults>("momentum", "Momentum",
                                  "SGD with heavy-ball momentum 0.9: v ← αv − γg, θ ← θ + v", {3, 2}),
    entry<Sgd, nag_defaults>("nag", "NAG",
                             "SGD with Nesterov momentum 0.9 (NAG): the step looks ahead along v", {3, 2}),
    entry<Adagrad, AdagradOptions::defaults>(
        "adagrad", "AdaGrad", "AdaGrad: divides by the root of the summed squared gradients", {3, 2}),
    entry<Rmsprop, RmspropOptions::defaults>(
        "rmsprop", "RMSprop", "RMSprop: AdaGrad with a moving average that forgets the past", {3, 2}),
    entry<Adadelta, AdadeltaOptions::defaults>(
        "adadelta", "AdaDelta", "AdaDelta: RMSprop scaled by the RMS of past updates", {4, 3}),
    entry<Adam, AdamOptions::defaults>("adam", "Adam", "Adam: Momentum plus RMSprop, with bias correction", {4, 3}),
    entry<Adam, AdamOptions::adamw_defaults>("adamw", "AdamW", "AdamW: Adam with decoupled weight decay", {4, 3}),
    entry<Adam, amsgrad_defaults>("amsgrad", "AMSGrad",
                                  "AMSGrad: Adam with the running maximum of the second moment", {5, 4}),
    entry<Nadam, NadamOptions::defaults>("nadam", "NAdam", "NAdam: Adam with Nesterov momentum", {4, 3}),
    entry<Adamax, AdamaxOptions::defaults>("adamax", "Adamax", "Adamax: Adam with the infinity norm", {4, 3}),
    entry<Radam, RadamOptions::defaults>("radam", "RAdam",
                                         "RAdam: Adam with a rectified warm-up of the adaptive step", {4, 3}),
    entry<Lion, LionOptions::defaults>("lion", "Lion", "Lion: the sign of a momentum interpolation", {3, 2}),
    // Two passes: p, g, m, v → m, v, u (and the norms); then p, u → p.
    entry<Lamb, LambOptions::defaults>("lamb", "LAMB",
                                       "LAMB: Adam's direction scaled per tensor by the trust ratio ‖θ‖/‖u‖",
                                       {StepPass{4, 3}, StepPass{2, 1}}),
    // Per matrix: p, g, m → p, m around the Newton–Schulz products (GEMMs: bench/, GFLOP/s).
    beyond_diagonal(entry<Muon, MuonOptions::defaults>(
        "muon", "Muon",
        "Muon: momentum orthogonalised by Newton–Schulz iterations, for weight matrices (and kernels, as matrices)", {3, 2}, true)),
    // A vector's step: p, g, v → v (and the norms); then p, g, v → p. (A matrix keeps R + C
    // numbers instead of v and reads g once more for ‖u‖.)
    entry<Adafactor, AdafactorOptions::defaults>(
        "adafactor", "Adafactor",
        "Adafactor: RMSprop with factored second moments (a row and a column per matrix) and a relative step",
        {StepPass{3, 1}, StepPass{3, 1}}),
    entry<ScheduleFreeAdamW, ScheduleFreeAdamWOptions::defaults>(
        "schedule-free-adamw", "Schedule-Free AdamW",
        "Schedule-Free AdamW: no schedule; trains at y between z and the average x, evaluated at x", {4, 3}),
    entry<ScheduleFreeSgd, ScheduleFreeSgdOptions::defaults>(
        "schedule-free-sgd", "Schedule-Free SGD",
        "Schedule-Free SGD: momentum as an interpolation between z and the average x", {3, 2}),
    entry<Rprop, RpropOptions::defaults>(
        "rprop", "Rprop", "Rprop: a step size per parameter, grown while the gradient keeps its sign", {4, 3}),
    // p, g, ax → p, ax (the average: a copy of θ until t0).
    entry<Asgd, AsgdOptions::defaults>(
        "asgd", "ASGD", "ASGD: SGD with a decaying step, evaluated at the running average of θ", {3, 2}),
    // Over every row, as a dense gradient has them; on an embedding, the rows seen only.
    entry<SparseAdam, SparseAdamOptions::defaults>(
        "sparse-adam", "SparseAdam", "SparseAdam: Adam that moves only the rows a sparse gradient reached", {4, 3}),
    entry<Ftrl, FtrlOptions::defaults>(
        "ftrl", "FTRL", "FTRL-Proximal: weights solved from the summed gradients, with L1 for exact zeros", {4, 3}),
    entry<Signum, SignumOptions::defaults>(
        "signum", "Signum", "Signum: every parameter moves by γ against the sign of its gradients' average", {3, 2}),
    entry<Yogi, YogiOptions::defaults>(
        "yogi", "Yogi", "Yogi: Adam whose second moment moves towards g² by an additive (1−β2)·g²", {4, 3}),
    entry<Adabelief, AdabeliefOptions::defaults>(
        "adabelief", "AdaBelief", "AdaBelief: Adam whose second moment averages (g − m)², the gradient's surprise", {4, 3}),
    // p, g, m, v, n, g_prev → all but g.
    entry<Adan, AdanOptions::defaults>(
        "adan", "Adan", "Adan: Adam with a third average, of the gradient's change (Nesterov without a second gradient)", {6, 5}),
    // Two passes: p, g → the norms; then p, g, b → p, b.
    entry<Lars, LarsOptions::defaults>(
        "lars", "LARS", "LARS: SGD with momentum, each tensor's step scaled by the trust ratio η‖θ‖/‖u‖",
        {StepPass{2, 0}, StepPass{3, 2}}),
    entry<Ademamix, AdemamixOptions::defaults>(
        "ademamix", "AdEMAMix", "AdEMAMix: Adam whose numerator adds a slow EMA of the gradient (β3), weighted by α", {5, 4}),
    entry<Adopt, AdoptOptions::defaults>(
        "adopt", "ADOPT", "ADOPT: the gradient normalised by the previous steps' second moment, then averaged", {4, 3}),
    // Two passes: p, g, p0, m, v, s → m, v, s (and the sums for d); then p, m, v → p.
    learning_rate_free(entry<Prodigy, ProdigyOptions::defaults>(
        "prodigy", "Prodigy", "Prodigy: Adam whose step size d is estimated from the distance travelled (lr a multiplier)",
        {StepPass{6, 3}, StepPass{3, 1}})),
    // Two passes: g, m, v, s → m, v, s (and the sums for d; p too with coupled decay); then p, m, v → p.
    learning_rate_free(entry<DadaptAdam, DadaptAdamOptions::adamw_defaults>(
        "dadapt-adamw", "D-Adapt AdamW",
        "D-Adaptation AdamW: Adam whose step size d is a lower bound on the distance to the solution (lr a multiplier)",
        {StepPass{4, 3}, StepPass{3, 1}})),
    // Two passes: p, g, x0 read (the norms); then p, g → p.
    learning_rate_free(entry<Dog, DogOptions::defaults>(
        "dog", "DoG", "DoG: SGD whose step is the distance travelled over the root of the summed squared gradients",
        {StepPass{3, 0}, StepPass{2, 1}})),
    // Two passes: g → ‖g‖ per tensor; then p, g, m → p, m (ν is one number per tensor).
    entry<Novograd, NovogradOptions::defaults>(
        "novograd", "NovoGrad", "NovoGrad: Adam with one second moment per tensor, of ‖g‖², and an undamped first moment",
        {StepPass{1, 0}, StepPass{3, 2}}),
    // Per iteration (up to max_iter a step, each with its evaluation): p, g, d, the history's
    // 2·m vectors read; d, s, y written — dot products, not one pass (bench/: per evaluation).
    beyond_diagonal(with_closure(entry<Lbfgs, LbfgsOptions::defaults>(
        "lbfgs", "L-BFGS",
        "L-BFGS: a quasi-Newton direction from the last steps' gradient changes; re-evaluates the loss within its step",
        {4, 3}))),
#ifdef OPTLAB_HAS_LAPACK  // not in the WebAssembly engine, which has no LAPACK (CMakeLists.txt)
    // A vector's step (a matrix adds its blocks' statistics and inverse roots, and the products):
    // p, g, the filtered gradient and the grafted method's second moment → all but g.
    beyond_diagonal(entry<Shampoo, ShampooOptions::defaults>(
        "shampoo", "Shampoo",
        "Shampoo: each matrix block preconditioned by L^−¼·G·R^−¼ of its gradient statistics, step norm grafted from Adam",
        {4, 3})),
    // A vector's step (Adam's); a matrix adds the statistics and bases and the projections.
    beyond_diagonal(entry<Soap, SoapOptions::defaults>(
        "soap", "SOAP", "SOAP: Adam in the eigenbasis of Shampoo's preconditioners, the basis refreshed every few steps",
        {4, 3})),
#endif
};

const std::array<std::string_view, kRegistry.size()> kNames = [] {
    std::array<std::string_view, kRegistry.size()> names{};
    for (std::size_t i = 0; i < kRegistry.size(); ++i) names[i] = kRegistry[i].name;
    return names;
}();

}  // namespace

std::span<const OptimizerInfo> optimizers() { return kRegistry; }

const OptimizerInfo& optimizer_info(std::string_view name) {
    for (const OptimizerInfo& info : kRegistry) {
        if (info.name == name) return info;
    }
    std::string list;
    for (auto n : kNames) list += (list.empty() ? "" : ", ") + std::string(n);
    throw NotFound("optimizer: unknown name '" + std::string(name) + "' (expected one of " +
                   list + ")");
}

std::span<const std::string_view> optimizer_names() { return kNames; }

std::string_view optimizer_summary(std::string_view name) { return optimizer_info(name).summary; }

HyperParams optimizer_defaults(std::string_view name, Convention convention) {
    return optimizer_info(name).defaults(convention);
}

HyperValue parse_hyper(std::string_view optimizer, std::string_view name, std::string_view text,
                       std::string_view what) {
    const HyperParams defaults = optimizer_defaults(optimizer, Convention::torch);
    const auto it = defaults.find(name);
    const std::string w(what);
    auto pair = [&] {
        const std::size_t comma = text.find_first_of(",/");  // A,B or A/B (compare's arms)
        if (comma != std::string_view::npos && text.substr(0, comma) == "none") {  // torch's None
            return Betas{std::nan(""), parse_number(text.substr(comma + 1), w)};
        }
        return Betas{parse_pair(text, w)};
    };
    auto triple = [&] {
        std::vector<double> v;  // A,B,C or A/B/C (compare's arms)
        for (std::string_view item : split(text, text.find('/') != std::string_view::npos ? '/' : ',')) {
            v.push_back(parse_number(item, w));
        }
        if (v.size() != 3) throw InvalidArgument(w + ": '" + std::string(text) + "' is not three numbers A,B,C");
        return Triple{v[0], v[1], v[2]};
    };
    auto boolean = [&] {
        if (text != "true" && text != "false") throw InvalidArgument(w + ": '" + std::string(text) + "' is not true or false");
        return text == "true";
    };
    if (it == defaults.end()) {  // by its look
        if (text == "true" || text == "false") return HyperValue(text == "true");
        const auto commas = std::count(text.begin(), text.end(), ',');
        if (commas == 1) return HyperValue(pair());
        if (commas == 2) return HyperValue(triple());
        return HyperValue(parse_number(text, w));
    }
    return std::visit(
        [&](const auto& example) -> HyperValue {
            using V = std::remove_cvref_t<decltype(example)>;
            if constexpr (std::is_same_v<V, bool>) return boolean();
            else if constexpr (std::is_same_v<V, double>) return text == "none" ? std::nan("") : parse_number(text, w);
            else if constexpr (std::is_same_v<V, Betas>) return pair();
            else if constexpr (std::is_same_v<V, Triple>) return triple();
            else return std::string(text);
        },
        it->second);
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, ParamStore<T>& store,
                                             const std::vector<GroupSpec>& groups,
                                             Convention convention) {
    const OptimizerInfo& info = optimizer_info(name);
    if constexpr (std::is_same_v<T, float>) {
        return info.make_float(name, store, groups, convention);
    } else {
        return info.make_double(name, store, groups, convention);
    }
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, ParamStore<T>& store,
                                             const HyperParams& hyper, Convention convention) {
    std::vector<std::string> all;
    for (const auto& t : store.tensors()) all.push_back(t.name);
    return make_optimizer<T>(name, store, std::vector<GroupSpec>{{std::move(all), hyper}},
                             convention);
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
