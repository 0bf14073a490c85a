// SPDX-License-Identifier: MIT
// The optimizers a training run can name: every optimizer of the registry, and optimizers
// brought from outside it under a name of their own — an update rule written in Python, given
// to the Python package's optlab.Problem.train or optlab.suite.run (docs/python.md#bring-your-
// own-optimizer). The trainer and the suite ask this catalogue, not the registry, to make a
// run's optimizer and to know its label, its default learning rate and what it can train, so
// a brought optimizer runs through the same loop, protocol and files as the built-in ones. A
// catalogue of the registry alone (the default) is what the command line uses.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "optlab/core/param_store.hpp"
#include "optlab/optim/convention.hpp"
#include "optlab/optim/hyper.hpp"
#include "optlab/optim/optimizer.hpp"
#include "optlab/train/config.hpp"

namespace optlab {

/// An optimizer brought from outside the registry.
struct ExternalOptimizer {
    std::string origin;  // what made it, kept in its suite arms: "python:mymodule.MySGD"
    double default_lr;   // the lr it runs at when given none, its own (NaN: it has none)
    /// Makes it over every tensor of `store`, with `hyper` as given (the suite gives only lr,
    /// or nothing for the optimizer's defaults). The pointer keeps the store alive for as long
    /// as the optimizer holds it (a Python optimizer's NumPy views do).
    std::function<std::unique_ptr<Optimizer<float>>(std::shared_ptr<ParamStore<float>>, const HyperParams&)> make;
};

class OptimizerCatalogue {
  public:
    /// The registry alone.
    OptimizerCatalogue() = default;

    /// Adds `name`. Refuses (InvalidArgument) a registry name in any case — its runs and arms
    /// would be taken for the registry optimizer's — and a name added before.
    void add(const std::string& name, ExternalOptimizer optimizer);
    /// The external optimizer called `name`; null for a registry name (or none).
    const ExternalOptimizer* external(std::string_view name) const;
    /// Throws NotFound, listing every name, when `name` is neither the registry's nor added.
    void check(std::string_view name) const;

    /// Legends and tables: the registry's label ("Adam"), or an external optimizer's name.
    std::string label(std::string_view name) const;
    /// The learning rate of its defaults (an external optimizer's own; NaN when it has none).
    double default_lr(std::string_view name, Convention convention) const;
    /// Whether it trains weights of 2 or more dimensions only (Muon); never an external optimizer.
    bool matrices_only(std::string_view name) const;
    /// "" for the registry; an external optimizer's origin.
    std::string origin(std::string_view name) const;

    /// The optimizer of a training run over `store`, as `config` says: a registry optimizer as
    /// make_model_optimizer makes it (Muon beside AdamW) with config's hyper-parameters and
    /// convention, or an external one from config's hyper-parameters; then wrapped (Lookahead,
    /// weight EMA) as config says.
    std::unique_ptr<Optimizer<float>> make(const TrainConfig& config, std::shared_ptr<ParamStore<float>> store) const;

  private:
    // Shared, so copies of a catalogue (a suite's protocol and its workers) are cheap and
    // never copy what an external factory holds.
    std::map<std::string, std::shared_ptr<const ExternalOptimizer>, std::less<>> external_;
};

}  // namespace optlab
