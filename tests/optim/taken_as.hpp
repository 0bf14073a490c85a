// SPDX-License-Identifier: MIT
// What the optimizer-wide tests give every optimizer in the form it takes:
// - a tensor's shape: as written, except that an optimizer for matrices only (the registry's
//   matrices_only: Muon) takes a vector of n as a 1×n matrix and a scalar as 1×1 (tensors of 3
//   or more dimensions it takes as they are, as (first, rest) matrices);
// - a weight decay: where the optimizer has one (Rprop and SparseAdam, as torch's, have none).
#pragma once

#include <string_view>
#include <vector>

#include "optlab/optim/registry.hpp"

namespace optlab::test {

inline std::vector<std::size_t> taken_as(std::string_view optimizer, std::vector<std::size_t> shape) {
    bool matrices_only = false;  // (an unknown name is the test's: make_optimizer refuses it)
    for (const OptimizerInfo& o : optimizers()) matrices_only = matrices_only || (o.name == optimizer && o.matrices_only);
    if (!matrices_only || shape.size() >= 2) return shape;
    if (shape.empty()) return {1, 1};
    return {1, shape[0]};
}

/// {weight_decay: λ} for an optimizer with a weight decay, nothing for one without.
inline HyperParams weight_decay_if_any(std::string_view optimizer, double lambda) {
    if (!optimizer_defaults(optimizer, Convention::torch).contains("weight_decay")) return {};
    return {{"weight_decay", lambda}};
}

}  // namespace optlab::test
