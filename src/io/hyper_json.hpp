// SPDX-License-Identifier: MIT
// Private: hyper-parameters to and from JSON (the optimizer-state and checkpoint metadata).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "optlab/core/error.hpp"
#include "optlab/optim/hyper.hpp"

namespace optlab::detail {

inline nlohmann::json hyper_to_json(const HyperParams& hyper) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& entry : hyper) {
        const std::string& name = entry.first;  // (clang 14 cannot capture a structured binding)
        std::visit([&](const auto& v) { out[name] = v; }, entry.second);
    }
    return out;
}

/// `where` names the file and group in errors.
inline HyperParams hyper_from_json(const nlohmann::json& j, const std::string& where) {
    HyperParams out;
    if (!j.is_object()) throw IoError(where + ": hyper is not an object");
    for (const auto& [name, v] : j.items()) {
        if (v.is_boolean()) {
            out[name] = v.get<bool>();
        } else if (v.is_number()) {
            out[name] = v.get<double>();
        } else if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number()) {
            out[name] = Betas{v[0].get<double>(), v[1].get<double>()};
        } else {
            throw IoError(where + ": hyper-parameter '" + name + "' has value " + v.dump() +
                          " (expected a number, a boolean or a pair)");
        }
    }
    return out;
}

}  // namespace optlab::detail
