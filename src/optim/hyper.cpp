// SPDX-License-Identifier: MIT
#include "optlab/optim/hyper.hpp"

#include <array>
#include <cmath>
#include <utility>

#include "optlab/core/text.hpp"

namespace optlab {

std::string to_string(const HyperValue& v) {
    if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    // An unset number (torch's None: AdEMAMix's warm-ups, Prodigy's beta3) is NaN.
    if (const double* d = std::get_if<double>(&v)) return std::isnan(*d) ? "none" : format_number(*d);
    if (const std::string* name = std::get_if<std::string>(&v)) return *name;
    if (const Triple* t = std::get_if<Triple>(&v)) {
        return "(" + format_number((*t)[0]) + ", " + format_number((*t)[1]) + ", " + format_number((*t)[2]) + ")";
    }
    const Betas& p = std::get<Betas>(v);
    // An unset member of a pair (Adafactor's ε1, torch's None) is NaN.
    auto item = [](double x) { return std::isnan(x) ? std::string("none") : format_number(x); };
    return "(" + item(p[0]) + ", " + item(p[1]) + ")";
}

std::string_view describe_hyper(std::string_view name) {
    // PyTorch's vocabulary, one line each; the symbols are docs/optimizers.md's.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 68> kMeaning = {{
        {"lr", "learning rate γ (Prodigy, D-Adaptation, DoG: the multiplier of their estimated step size, 1)"},
        {"momentum", "momentum factor μ"},
        {"dampening", "momentum dampening τ (torch)"},
        {"weight_decay", "weight decay λ"},
        {"nesterov", "Nesterov momentum"},
        {"maximize", "ascend instead of descend"},
        {"lr_decay", "AdaGrad's lr decay: γ/(1 + (t−1)·lr_decay)"},
        {"initial_accumulator_value", "the initial sum of squared gradients (AdaGrad's, FTRL's n); Yogi's start of m and v"},
        {"eps", "ε, added to the denominator (Adafactor: the pair ε1,ε2; ε1 none: the dtype's epsilon)"},
        {"alpha", "RMSprop's decay α of the squared-gradient average; ASGD's power α of the step's decay; AdEMAMix's weight α of the slow EMA"},
        {"centered", "centered RMSprop: divide by the variance estimate"},
        {"rho", "AdaDelta's decay ρ"},
        {"betas", "decay rates β1,β2 of the moment estimates (Adan: β1,β2,β3, of m, of the gradient's change, of n; AdEMAMix: β1,β2,β3, β3 the slow EMA's)"},
        {"amsgrad", "AMSGrad: the running maximum of the second moment"},
        {"decoupled_weight_decay", "decoupled weight decay θ ← θ(1 − γλ), as AdamW"},
        {"momentum_decay", "NAdam's momentum decay ψ"},
        {"eps_root", "ε_root, added to the second moment inside the root"},
        {"warmup_steps", "steps of linear learning-rate warm-up (Schedule-Free)"},
        {"r", "Schedule-Free's weights grow as t^r"},
        {"weight_lr_power", "Schedule-Free's weights grow as lr_max^p"},
        {"beta2_decay", "Adafactor's β̂ = t^beta2_decay, the weight of new statistics"},
        {"d", "Adafactor's clipping threshold of the update's RMS"},
        {"ns_coefficients", "Muon's Newton–Schulz coefficients a,b,c: X ← aX + (bS + cS²)X, S = XXᵀ"},
        {"ns_steps", "Muon's number of Newton–Schulz iterations"},
        {"adjust_lr_fn", "Muon's step scale: original (√max(1, A/B)) or match_rms_adamw (0.2·√max(A, B))"},
        {"etas", "Rprop's factors η−,η+ of a step size when the gradient flips, keeps its sign"},
        {"step_sizes", "Rprop's smallest and largest step sizes Δmin,Δmax"},
        {"lambd", "ASGD's decay λ: η = γ/(1 + λγt)^α, and θ shrinks by λη each step"},
        {"t0", "ASGD's step after which the average of θ begins"},
        {"learning_rate_power", "FTRL's −q: the per-coordinate lr is γ/n^q"},
        {"l1_regularization_strength", "FTRL's L1 strength λ1: |z| ≤ λ1 gives θ = 0"},
        {"l2_regularization_strength", "FTRL's stabilising L2 strength λ2"},
        {"l2_shrinkage_regularization_strength", "FTRL's shrinkage L2 strength λs, added to the gradient as 2λs·θ"},
        {"beta", "FTRL's β, added to n^q in the denominator; Signum's decay β of the gradients' average"},
        {"trust_coefficient", "LARS's η: the trust ratio is η·‖θ‖/(‖u‖ + ε), per tensor"},
        {"trust_ratio_mask", "LARS: scale this group's tensors by the trust ratio (false: r = 1)"},
        {"beta3_warmup", "AdEMAMix's steps T over which β3's half-life grows linearly from β1's (none: no warm-up)"},
        {"alpha_warmup", "AdEMAMix's steps T over which α grows linearly from 0 (none: no warm-up)"},
        {"clip_exponent", "ADOPT's clip: the normalised gradient is clamped to ±(t−1)^p (none: no clip)"},
        {"decouple", "decoupled weight decay (AdamW's) instead of the L2 term in the gradient"},
        {"beta3", "Prodigy's decay β3 of its sums for d (none: √β2)"},
        {"d0", "the initial estimate d0 of the distance to the solution, d (Prodigy, D-Adaptation)"},
        {"d_coef", "Prodigy's multiplier of the estimate d̂"},
        {"growth_rate", "the largest factor by which d may grow in a step (none: no limit, the reference's inf)"},
        {"use_bias_correction", "Adam's bias correction in the step size d·γ (Prodigy, D-Adaptation)"},
        {"layer_scale", "D-Adaptation's scale ρ of a group's step d·γ and of its weight in d's sums"},
        {"reps_rel", "DoG's first distance r_ε, relative to 1 + ‖θ0‖"},
        {"init_eta", "DoG's first step size η, instead of reps_rel's (none: from reps_rel)"},
        {"max_iter", "L-BFGS's iterations per step, each re-evaluating the loss on the step's batch"},
        {"max_eval", "L-BFGS's evaluations of the loss per step (0: ⌊max_iter·5/4⌋, torch's None)"},
        {"tolerance_grad", "L-BFGS stops its step when ‖g‖_∞ ≤ this"},
        {"tolerance_change", "L-BFGS stops its step when the step or the loss changes less than this"},
        {"history_size", "L-BFGS's number of (step, gradient change) pairs kept"},
        {"line_search_fn", "L-BFGS's line search: fixed (torch's None: the step lr) or strong_wolfe"},
        {"cap_line_search", "L-BFGS: cap the line search's evaluations at max_eval (torch 2.10, pytorch#161488)"},
        {"safeguard_warmup", "Prodigy's s grows by (d/d0)·d instead of (d/d0)·d·γ, for warm-up schedules"},
        {"shampoo_beta", "SOAP's decay of its preconditioner statistics L, R (negative: β2)"},
        {"precondition_frequency", "steps between refreshes of the preconditioner (SOAP: its eigenbasis; Shampoo: its inverse roots)"},
        {"max_precond_dim", "SOAP: dimensions longer than this are not preconditioned"},
        {"merge_dims", "SOAP: merge neighbouring dimensions while their product stays within max_precond_dim"},
        {"precondition_1d", "SOAP: precondition vectors too (an n×n statistic), not only tensors of 2 or more dimensions"},
        {"normalize_grads", "SOAP: divide each tensor's update by its RMS"},
        {"correct_bias", "SOAP: Adam's bias correction of the step size"},
        {"max_preconditioner_dim", "Shampoo: a matrix is cut into blocks of at most this many rows and columns"},
        {"start_preconditioning_step", "Shampoo: the step from which the preconditioner is used (-1: precondition_frequency); the grafted method alone before"},
        {"grafting", "Shampoo: the method whose step norm each block takes, adam or adagrad"},
        {"grafting_beta2", "Shampoo: the decay β2 of the grafted Adam's second moment"},
        {"grafting_eps", "Shampoo: ε of the grafted method's denominator"},
    }};
    for (const auto& [key, meaning] : kMeaning) {
        if (key == name) return meaning;
    }
    return {};
}

Synonym synonym_of(std::string_view other_name) {
    static constexpr std::array<std::pair<std::string_view, Synonym>, 6> kSynonyms = {{
        {"rho", {"alpha", "Keras' RMSprop rho is PyTorch's alpha, the decay of the squared average"}},
        {"learning_rate", {"lr", "Keras' learning_rate is lr"}},
        {"epsilon", {"eps", "Keras' epsilon is eps"}},
        {"beta_1", {"betas", "Keras' beta_1 and beta_2 are the pair betas"}},
        {"beta_2", {"betas", "Keras' beta_1 and beta_2 are the pair betas"}},
        {"initial_accumulator", {"initial_accumulator_value", "PyTorch's name"}},
    }};
    for (const auto& [name, synonym] : kSynonyms) {
        if (name == other_name) return synonym;
    }
    return {};
}

}  // namespace optlab
