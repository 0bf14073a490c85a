// SPDX-License-Identifier: MIT
// The optimizers the optimizer-wide tests step with step() from gradients they set: every
// registered one but those that evaluate the loss themselves within their step through a
// closure (the registry's needs_closure: L-BFGS), whose own tests run torch's closures
// (tests/optim/lbfgs_test.cpp).
#pragma once

#include <string>
#include <vector>

#include "optlab/optim/registry.hpp"

namespace optlab::test {

inline std::vector<std::string> gradient_stepped_optimizers() {
    std::vector<std::string> names;
    for (const OptimizerInfo& o : optimizers()) {
        if (!o.needs_closure) names.emplace_back(o.name);
    }
    return names;
}

}  // namespace optlab::test
