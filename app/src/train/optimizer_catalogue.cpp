// SPDX-License-Identifier: MIT
// The optimizers a run can name: the registry and external ones (train/optimizer_catalogue.hpp).
#include "optlab/train/optimizer_catalogue.hpp"

#include <cctype>

#include "optlab/core/error.hpp"
#include "optlab/optim/combined.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optim/wrappers.hpp"

namespace optlab {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_registry_name(std::string_view name) {
    for (const OptimizerInfo& info : optimizers()) {
        if (info.name == name) return true;
    }
    return false;
}

}  // namespace

void OptimizerCatalogue::add(const std::string& name, ExternalOptimizer optimizer) {
    if (name.empty()) throw InvalidArgument("an optimizer's name is empty");
    // Case apart too: 'SGD' beside 'sgd' reads as one optimizer, and where file names do not
    // keep case their arms' files are one file.
    for (const OptimizerInfo& info : optimizers()) {
        if (lower(info.name) == lower(name)) {
            throw InvalidArgument("optimizer name '" + name + "' is the registry's " + std::string(info.name) + " (" +
                                  std::string(info.label) + "): give yours another name, so that neither's runs are "
                                  "taken for the other's");
        }
    }
    for (const auto& [known, entry] : external_) {
        if (lower(known) == lower(name)) throw InvalidArgument("optimizer name '" + name + "' is given twice");
    }
    if (!optimizer.make) throw InvalidArgument("optimizer '" + name + "': no way to make it");
    external_.emplace(name, std::make_shared<const ExternalOptimizer>(std::move(optimizer)));
}

const ExternalOptimizer* OptimizerCatalogue::external(std::string_view name) const {
    const auto it = external_.find(name);
    return it == external_.end() ? nullptr : it->second.get();
}

void OptimizerCatalogue::check(std::string_view name) const {
    if (external(name) || is_registry_name(name)) return;
    std::string list;
    for (std::string_view n : optimizer_names()) list += (list.empty() ? "" : ", ") + std::string(n);
    for (const auto& [n, entry] : external_) list += ", " + n;
    throw NotFound("optimizer: unknown name '" + std::string(name) + "' (expected one of " + list + ")");
}

std::string OptimizerCatalogue::label(std::string_view name) const {
    if (external(name)) return std::string(name);
    return std::string(optimizer_info(name).label);
}

double OptimizerCatalogue::default_lr(std::string_view name, Convention convention) const {
    if (const ExternalOptimizer* e = external(name)) return e->default_lr;
    return std::get<double>(optimizer_defaults(name, convention).at("lr"));
}

bool OptimizerCatalogue::matrices_only(std::string_view name) const {
    return !external(name) && optimizer_info(name).matrices_only;
}

std::string OptimizerCatalogue::origin(std::string_view name) const {
    const ExternalOptimizer* e = external(name);
    return e ? e->origin : std::string();
}

std::unique_ptr<Optimizer<float>> OptimizerCatalogue::make(const TrainConfig& c,
                                                           std::shared_ptr<ParamStore<float>> store) const {
    if (const ExternalOptimizer* e = external(c.optimizer)) return wrap(e->make(std::move(store), c.hyper), c.wrapping());
    return wrap(make_model_optimizer<float>(c.optimizer, *store, c.hyper, c.convention, c.adamw_lr), c.wrapping());
}

}  // namespace optlab
