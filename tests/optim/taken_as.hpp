// SPDX-License-Identifier: MIT
// The shape in which a test gives an optimizer a tensor: as written, except that an optimizer
// for matrices only (the registry's matrices_only: Muon) takes a vector of n as a 1×n matrix,
// a scalar as 1×1 and a tensor of 3 or more dimensions with its leading ones folded into rows.
#pragma once

#include <string_view>
#include <vector>

#include "optlab/optim/registry.hpp"

namespace optlab::test {

inline std::vector<std::size_t> taken_as(std::string_view optimizer, std::vector<std::size_t> shape) {
    bool matrices_only = false;  // (an unknown name is the test's: make_optimizer refuses it)
    for (const OptimizerInfo& o : optimizers()) matrices_only = matrices_only || (o.name == optimizer && o.matrices_only);
    if (!matrices_only || shape.size() == 2) return shape;
    if (shape.empty()) return {1, 1};
    if (shape.size() == 1) return {1, shape[0]};
    std::size_t rows = 1;
    for (std::size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
    return {rows, shape.back()};
}

}  // namespace optlab::test
