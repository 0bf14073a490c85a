// SPDX-License-Identifier: MIT
// Bring your own optimizer (docs/python.md#bring-your-own-optimizer): optlab.Problem — a
// catalogue problem as the trainer makes it, its parameters and gradients as NumPy views, its
// batches, and training runs through the one training loop — and optlab.suite.run, the suite's
// protocol. Optimizers written in Python reach the trainer and the suite through the app's
// OptimizerCatalogue: each becomes an optlab::Optimizer whose step calls the object's
// step(grads) with the GIL held, only around that call (external.cpp).
#pragma once

#include "binding.hpp"
#include "optlab/train/optimizer_catalogue.hpp"

namespace optlab::python {

/// Optimizers written in Python as the catalogue the trainer and the suite take: `entries` is
/// a sequence of (name, class, origin, default lr or None), checked by optlab/_external.py.
OptimizerCatalogue catalogue_from_python(py::handle entries);

/// optlab._optlab.Problem (problem.cpp) and _run_suite (suite.cpp).
void bind_problem(py::module_& m);
void bind_suite(py::module_& m);

/// Everything above: the one call module.cpp makes.
inline void bind_training(py::module_& m) {
    bind_problem(m);
    bind_suite(m);
}

}  // namespace optlab::python
