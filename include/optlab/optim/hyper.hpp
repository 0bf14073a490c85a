// SPDX-License-Identifier: MIT
// Hyper-parameters by name, the way PyTorch's param_group dicts hold them: the common currency
// of the command line, the optimizer registry and saved optimizer state. Typed option structs
// (AdamOptions, ...) are what C++ code writes; each lists its fields once, in `fields()`, and
// the helpers here move values between the two forms.
#pragma once

#include <array>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "optlab/core/error.hpp"

namespace optlab {

using Betas = std::array<double, 2>;
/// One hyper-parameter's value: a flag, a number, or a pair (betas).
using HyperValue = std::variant<bool, double, Betas>;
/// Hyper-parameters keyed by PyTorch's argument names ("lr", "betas", "weight_decay", ...).
using HyperParams = std::map<std::string, HyperValue, std::less<>>;

/// "true", "0.001" (shortest round-trip form) or "(0.9, 0.999)".
std::string to_string(const HyperValue& v);

/// The fields of an options struct as HyperParams.
template <class Options>
HyperParams to_hyper(const Options& options) {
    HyperParams out;
    Options::fields(options, [&](std::string_view name, const auto& value) {
        out.emplace(std::string(name), HyperValue(value));
    });
    return out;
}

/// Overwrites the fields of `options` named in `values`. A name the options do not have, or a
/// value of the wrong kind, throws InvalidArgument naming the optimizer and the field.
template <class Options>
void apply_hyper(Options& options, const HyperParams& values, std::string_view optimizer) {
    std::size_t used = 0;
    Options::fields(options, [&](std::string_view name, auto& field) {
        auto it = values.find(name);
        if (it == values.end()) return;
        using Field = std::remove_cvref_t<decltype(field)>;
        if (const Field* v = std::get_if<Field>(&it->second)) {
            field = *v;
        } else if constexpr (std::is_same_v<Field, double>) {
            throw InvalidArgument(std::string(optimizer) + ": hyper-parameter " +
                                  std::string(name) + " expects a number, got " +
                                  to_string(it->second));
        } else {
            throw InvalidArgument(std::string(optimizer) + ": hyper-parameter " +
                                  std::string(name) + " expects " +
                                  (std::is_same_v<Field, bool> ? "true or false" : "a pair") +
                                  ", got " + to_string(it->second));
        }
        ++used;
    });
    if (used != values.size()) {
        for (const auto& entry : values) {
            // (not a structured binding: clang 14 cannot capture one in the lambda below)
            const std::string& name = entry.first;
            bool known = false;
            Options::fields(options, [&](std::string_view field, const auto&) {
                known = known || field == name;
            });
            if (!known) {
                throw InvalidArgument(std::string(optimizer) + " has no hyper-parameter '" + name +
                                      "'");
            }
        }
    }
}

// ---- validation helpers, shared by every optimizer's constructor ----------------------------
// Each throws InvalidArgument("<optimizer>: invalid <field> = <value> (expected <range>)").

[[noreturn]] void throw_invalid(std::string_view optimizer, std::string_view field, double value,
                                std::string_view expected);

/// value >= 0 and finite (lr, weight_decay, eps, momentum, lr_decay ...).
inline void check_non_negative(std::string_view optimizer, std::string_view field, double value) {
    if (!(value >= 0.0) || !std::isfinite(value)) {
        throw_invalid(optimizer, field, value, "a finite number >= 0");
    }
}
/// 0 <= value < 1 (betas, RMSprop alpha).
inline void check_unit_open(std::string_view optimizer, std::string_view field, double value) {
    if (!(value >= 0.0 && value < 1.0)) throw_invalid(optimizer, field, value, "0 <= value < 1");
}
/// 0 <= value <= 1 (AdaDelta rho, SGD dampening).
inline void check_unit_closed(std::string_view optimizer, std::string_view field, double value) {
    if (!(value >= 0.0 && value <= 1.0)) throw_invalid(optimizer, field, value, "0 <= value <= 1");
}
inline void check_betas(std::string_view optimizer, const Betas& betas) {
    check_unit_open(optimizer, "betas[0]", betas[0]);
    check_unit_open(optimizer, "betas[1]", betas[1]);
}
/// What every Adam-family optimizer checks: lr, betas, eps and weight_decay.
inline void check_adam_family(std::string_view optimizer, double lr, const Betas& betas, double eps,
                              double weight_decay) {
    check_non_negative(optimizer, "lr", lr);
    check_betas(optimizer, betas);
    check_non_negative(optimizer, "eps", eps);
    check_non_negative(optimizer, "weight_decay", weight_decay);
}

}  // namespace optlab
