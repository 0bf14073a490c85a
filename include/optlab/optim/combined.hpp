// SPDX-License-Identifier: MIT
// Optimizers side by side over disjoint tensors of one store, stepped as one: what torch users
// write as two optimizers (Muon for the matrices, AdamW for the rest) and Optax as
// multi_transform. Its groups are the parts' groups in order, its name theirs joined by '+',
// its state theirs together; learning rates and schedules reach every group.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

/// Named `name`, or the parts' names joined by '+'. Throws InvalidArgument when a tensor is in
/// two parts, the parts' stores or conventions differ, or a part evaluates at a point of its
/// own (Schedule-Free, a wrapper).
template <class T>
std::unique_ptr<Optimizer<T>> combine(std::vector<std::unique_ptr<Optimizer<T>>> parts, std::string name = "");

/// Optimizer `name` for a whole model: every tensor of `store` in one group with `hyper`, as
/// make_optimizer; but an optimizer for matrices only (Muon) gets the 2-D tensors and AdamW
/// (its defaults under `convention`, lr `others_lr`) the rest — biases, norms — as PyTorch's
/// and Keras' documentation recommend, combined as "muon+adamw".
template <class T>
std::unique_ptr<Optimizer<T>> make_model_optimizer(std::string_view name, ParamStore<T>& store,
                                                   const HyperParams& hyper, Convention convention,
                                                   double others_lr = 1e-3);

}  // namespace optlab
