// SPDX-License-Identifier: MIT
#include "optlab/io/hyper_json.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"

namespace optlab {

std::string hyper_to_json(const HyperParams& hyper) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& entry : hyper) {
        const std::string& name = entry.first;  // (clang 14 cannot capture a structured binding)
        std::visit([&](const auto& v) {
            if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, Betas>) {
                out[name] = {v[0], v[1]};  // NaN (unset) is written as null
            } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, Triple>) {
                out[name] = {v[0], v[1], v[2]};
            } else {
                out[name] = v;
            }
        }, entry.second);
    }
    return out.dump();
}

HyperParams hyper_from_json(std::string_view text, const std::string& where) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw IoError(where + ": hyper is not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw IoError(where + ": hyper is not an object");
    HyperParams out;
    for (const auto& [name, v] : j.items()) {
        if (v.is_boolean()) {
            out[name] = v.get<bool>();
        } else if (v.is_number()) {
            out[name] = v.get<double>();
        } else if (v.is_null()) {
            out[name] = std::nan("");  // an unset number (torch's None), NaN in memory
        } else if (v.is_array() && v.size() == 2 && (v[0].is_number() || v[0].is_null()) &&
                   (v[1].is_number() || v[1].is_null())) {
            // null: an unset member (Adafactor's ε1, torch's None), NaN in memory (JSON has none)
            auto item = [](const nlohmann::json& x) { return x.is_null() ? std::nan("") : x.get<double>(); };
            out[name] = Betas{item(v[0]), item(v[1])};
        } else if (v.is_array() && v.size() == 3 && v[0].is_number() && v[1].is_number() && v[2].is_number()) {
            out[name] = Triple{v[0].get<double>(), v[1].get<double>(), v[2].get<double>()};
        } else if (v.is_string()) {
            out[name] = v.get<std::string>();
        } else {
            throw IoError(where + ": hyper-parameter '" + name + "' has value " + v.dump() +
                          " (expected a number, none, a boolean, a pair, three numbers or a name)");
        }
    }
    return out;
}

}  // namespace optlab
