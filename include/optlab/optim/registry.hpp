// SPDX-License-Identifier: MIT
// Every optimizer by name: the one table everything else derives from — the command line's
// choices and help, `optlab optimizers`, the figures' labels, the step benchmark's memory
// traffic and the tests' lists. Adding an optimizer adds one entry here (src/optim/registry.cpp;
// docs/contributing.md has the whole checklist).
// `optlab optimizers` lists them, in the registry's order (registry.cpp). `momentum` and `nag` are SGD with momentum 0.9 (nag: Nesterov's); `adamw` is Adam with
// decoupled weight decay; `amsgrad` is Adam with amsgrad on. Hyper-parameters not given take
// the optimizer's defaults in the chosen convention.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

/// One parameter group for make_optimizer: tensor names and the hyper-parameters that differ
/// from the optimizer's defaults.
struct GroupSpec {
    std::vector<std::string> params;
    HyperParams hyper;
};

/// The arrays a pass over memory streams, per parameter: it reads `reads` of them (p, g and
/// state) and writes `writes` of those back.
struct StepPass {
    int reads = 0;
    int writes = 0;
};

/// The memory traffic of an optimizer's default step: one pass over the arena (every
/// optimizer of the lecture), or two (LAMB: moments and norms, then the step).
struct StepTraffic {
    StepPass first;
    StepPass second{};  // {0, 0}: no second pass
    constexpr StepTraffic(int reads, int writes) : first{reads, writes} {}
    constexpr StepTraffic(StepPass a, StepPass b) : first(a), second(b) {}
    int passes() const { return second.reads > 0 ? 2 : 1; }
    /// Bytes moved per parameter of `element_size` bytes (float32: 4).
    double bytes_per_param(std::size_t element_size = 4) const {
        return double(element_size) * double(first.reads + first.writes + second.reads + second.writes);
    }
};

template <class T>
using OptimizerFactory = std::unique_ptr<Optimizer<T>> (*)(std::string_view name,
                                                           ParamStore<T>&,
                                                           const std::vector<GroupSpec>&,
                                                           Convention);

/// One registered optimizer.
struct OptimizerInfo {
    std::string_view name;                      // registry name: "nadam"
    std::string_view label;                     // legends and tables: "NAdam"
    std::string_view summary;                   // one line: what it does
    std::span<const std::string_view> buffers;  // state it may keep and save ("exp_avg", ...)
    StepTraffic traffic;                        // of its default step (the benchmark's shape)
    HyperParams (*defaults)(Convention);        // every hyper-parameter with its default
    OptimizerFactory<float> make_float;
    OptimizerFactory<double> make_double;
    bool matrices_only = false;                 // refuses tensors of fewer than 2 dimensions (Muon)
    /// Estimates its own step size; lr is a multiplier of it, 1 by default (Prodigy,
    /// D-Adaptation, DoG). The suite's defaults phase is their honest comparison.
    bool learning_rate_free = false;
    /// Evaluates the loss and gradient again within its step, through a closure
    /// (Optimizer::step(closure)): L-BFGS. A run counts its evaluations beside its steps.
    bool needs_closure = false;
    /// Preconditions with more than a scale per coordinate: Kronecker factors of the gradient
    /// statistics (Shampoo, SOAP), the momentum matrix orthogonalised (Muon), a quasi-Newton
    /// inverse Hessian from the last steps (L-BFGS). The report asks whether they win per step
    /// and still per second.
    bool beyond_diagonal = false;
};

/// The registry, in the lecture's order.
std::span<const OptimizerInfo> optimizers();
/// The entry called `name`; throws InvalidArgument listing every name otherwise.
const OptimizerInfo& optimizer_info(std::string_view name);

/// Every registered name, in the registry's order.
std::span<const std::string_view> optimizer_names();
/// A one-line description, e.g. "Adam: Momentum plus RMSprop, with bias correction".
std::string_view optimizer_summary(std::string_view name);
/// The hyper-parameters of `name` with their defaults under `convention`.
HyperParams optimizer_defaults(std::string_view name, Convention convention);

/// A hyper-parameter's value from text, read as optimizer `optimizer`'s default of that name
/// is: a number, "A,B" (A may be "none": unset), "A,B,C", "true"/"false", or a name. A name the
/// optimizer does not have is read by the text's look, for apply_hyper to refuse by name.
/// Throws InvalidArgument naming `what` (the flag) for text of the wrong kind.
HyperValue parse_hyper(std::string_view optimizer, std::string_view name, std::string_view text,
                       std::string_view what);

/// Builds optimizer `name` over every tensor of `store`. Throws InvalidArgument for an unknown
/// name, a hyper-parameter the optimizer does not have, or a value out of range.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, ParamStore<T>& store,
                                             const HyperParams& hyper = {},
                                             Convention convention = Convention::torch);

/// Builds optimizer `name` with several parameter groups (torch's list of param_group dicts).
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, ParamStore<T>& store,
                                             const std::vector<GroupSpec>& groups,
                                             Convention convention = Convention::torch);

extern template std::unique_ptr<Optimizer<float>> make_optimizer(std::string_view,
                                                                 ParamStore<float>&,
                                                                 const HyperParams&, Convention);
extern template std::unique_ptr<Optimizer<float>> make_optimizer(std::string_view,
                                                                 ParamStore<float>&,
                                                                 const std::vector<GroupSpec>&,
                                                                 Convention);
extern template std::unique_ptr<Optimizer<double>> make_optimizer(std::string_view,
                                                                  ParamStore<double>&,
                                                                  const std::vector<GroupSpec>&,
                                                                  Convention);
extern template std::unique_ptr<Optimizer<double>> make_optimizer(std::string_view,
                                                                  ParamStore<double>&,
                                                                  const HyperParams&, Convention);

}  // namespace optlab
