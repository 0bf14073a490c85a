// SPDX-License-Identifier: MIT
// Hyper-parameters by name, the way PyTorch's param_group dicts hold them: the common currency
// of the command line, the optimizer registry and saved optimizer state. Typed option structs
// (AdamOptions, ...) are what C++ code writes; each lists its fields once, as Fields that know
// their names (core/fields.hpp), and the helpers here move values between the two forms.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "optlab/core/error.hpp"
#include "optlab/core/fields.hpp"

namespace optlab {

/// A pair of numbers: betas (β1, β2), Adafactor's eps (ε1, ε2). A member may be unset — NaN,
/// torch's None (Adafactor's ε1), "none" on the command line and null in JSON — and two unset
/// members are equal, so a state holding one compares equal to itself.
struct Betas : std::array<double, 2> {
    friend bool operator==(const Betas& a, const Betas& b) {
        auto same = [](double x, double y) { return x == y || (x != x && y != y); };
        return same(a[0], b[0]) && same(a[1], b[1]);
    }
};
/// Three numbers: Muon's Newton–Schulz coefficients (a, b, c).
using Triple = std::array<double, 3>;
/// One hyper-parameter's value: a flag, a number, a pair (betas), three numbers, or a name
/// (Muon's adjust_lr_fn).
using HyperValue = std::variant<bool, double, Betas, Triple, std::string>;
/// Hyper-parameters keyed by PyTorch's argument names ("lr", "betas", "weight_decay", ...).
using HyperParams = std::map<std::string, HyperValue, std::less<>>;

/// "true", "0.001" (shortest round-trip form), "(0.9, 0.999)", "(3.4445, -4.775, 2.0315)" or
/// the name itself.
std::string to_string(const HyperValue& v);

/// What a hyper-parameter means, for help texts ("learning rate γ"); empty for a name no
/// optimizer has. Every field of every registered optimizer has one (registry_test checks).
std::string_view describe_hyper(std::string_view name);

/// Another library's name for one of PyTorch's (Keras' RMSprop "rho" is "alpha"): the name
/// optlab uses and a note, or empty names. Error messages point the way with it.
struct Synonym {
    std::string_view name, note;
};
Synonym synonym_of(std::string_view other_name);

/// The fields of an options struct as HyperParams.
template <class Options>
HyperParams to_hyper(const Options& options) {
    HyperParams out;
    for_each_field(options, [&](std::string_view name, const auto& value) {
        out.emplace(std::string(name), HyperValue(value));
    });
    return out;
}

/// Overwrites the fields of `options` named in `values`. A name the options do not have, or a
/// value of the wrong kind, throws InvalidArgument naming the optimizer and the field.
template <class Options>
void apply_hyper(Options& options, const HyperParams& values, std::string_view optimizer) {
    std::size_t used = 0;
    for_each_field(options, [&](std::string_view name, auto& field) {
        auto it = values.find(name);
        if (it == values.end()) return;
        using Value = std::remove_cvref_t<decltype(field)>;
        if (const Value* v = std::get_if<Value>(&it->second)) {
            field = *v;
        } else {
            const char* expected = std::is_same_v<Value, double>        ? "a number"
                                   : std::is_same_v<Value, bool>        ? "true or false"
                                   : std::is_same_v<Value, Triple>      ? "three numbers"
                                   : std::is_same_v<Value, std::string> ? "a name"
                                                                        : "a pair";
            throw InvalidArgument(std::string(optimizer) + ": hyper-parameter " +
                                  std::string(name) + " expects " + expected + ", got " +
                                  to_string(it->second));
        }
        ++used;
    });
    if (used == values.size()) return;
    for (const auto& entry : values) {
        // (not a structured binding: clang 14 cannot capture one in the lambda below)
        const std::string& name = entry.first;
        bool known = false;
        for_each_field(options, [&](std::string_view field, const auto&) {
            known = known || field == name;
        });
        if (known) continue;
        std::string message = std::string(optimizer) + " has no hyper-parameter '" + name + "'";
        const Synonym synonym = synonym_of(name);
        for_each_field(options, [&](std::string_view field, const auto&) {
            if (!synonym.name.empty() && field == synonym.name) {
                message += " (" + std::string(synonym.note) + ": use " + std::string(synonym.name) + ")";
            }
        });
        throw InvalidArgument(message);
    }
}

// ---- validation: each throws InvalidArgument("<optimizer>: invalid <field> = <value>
// (expected <range>)"), the field named by its Field ---------------------------------------

template <FieldName Name>
void check_non_negative(std::string_view optimizer, const Field<Name>& f) {
    check_non_negative(optimizer, f.name, f.value);
}
template <FieldName Name>
void check_unit_open(std::string_view optimizer, const Field<Name>& f) {
    check_unit_open(optimizer, f.name, f.value);
}
template <FieldName Name>
void check_unit_closed(std::string_view optimizer, const Field<Name>& f) {
    check_unit_closed(optimizer, f.name, f.value);
}
/// Both betas in [0, 1), named betas[0] and betas[1] as torch names them.
template <FieldName Name>
void check_betas(std::string_view optimizer, const Field<Name, Betas>& betas) {
    check_unit_open(optimizer, std::string(betas.name) + "[0]", betas[0]);
    check_unit_open(optimizer, std::string(betas.name) + "[1]", betas[1]);
}
/// What every Adam-family optimizer checks: lr, betas, eps and weight_decay.
template <class Options>
void check_adam_family(std::string_view optimizer, const Options& o) {
    check_non_negative(optimizer, o.lr);
    check_betas(optimizer, o.betas);
    check_non_negative(optimizer, o.eps);
    check_non_negative(optimizer, o.weight_decay);
}

}  // namespace optlab
