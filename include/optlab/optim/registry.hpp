// SPDX-License-Identifier: MIT
// Optimizers by name, for the command line and for code that picks one at run time:
//   sgd momentum nag adagrad rmsprop adadelta adam adamw amsgrad nadam adamax radam lion
// `momentum` and `nag` are SGD with momentum 0.9 (nag: Nesterov's); `adamw` is Adam with
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

/// Every name make_optimizer() accepts, in the lecture's order.
std::span<const std::string_view> optimizer_names();
/// A one-line description, e.g. "Adam (Kingma & Ba 2015): Momentum plus RMSprop".
std::string_view optimizer_summary(std::string_view name);
/// The hyper-parameters of `name` with their defaults under `convention`.
HyperParams optimizer_defaults(std::string_view name, Convention convention);

/// Builds optimizer `name` over every tensor of `store`. Throws InvalidArgument for an unknown
/// name, a hyper-parameter the optimizer does not have, or a value out of range.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, ParamStore<T>& store,
                                             const HyperParams& hyper = {},
                                             Convention convention = Convention::torch);

/// One parameter group for make_optimizer: tensor names and the hyper-parameters that differ
/// from the optimizer's defaults.
struct GroupSpec {
    std::vector<std::string> params;
    HyperParams hyper;
};

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
