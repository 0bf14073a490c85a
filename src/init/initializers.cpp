// SPDX-License-Identifier: MIT
#include "optlab/init/initializers.hpp"

#include <cmath>
#include <vector>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"

namespace optlab {

double calculate_gain(Nonlinearity n, double negative_slope) {
    switch (n) {
        case Nonlinearity::linear:
        case Nonlinearity::sigmoid: return 1.0;
        case Nonlinearity::tanh: return 5.0 / 3.0;
        case Nonlinearity::relu: return std::sqrt(2.0);
        case Nonlinearity::leaky_relu: return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
        case Nonlinearity::selu: return 0.75;
    }
    return 1.0;
}

Nonlinearity parse_nonlinearity(std::string_view name) {
    if (name == "linear" || name == "identity") return Nonlinearity::linear;
    if (name == "sigmoid") return Nonlinearity::sigmoid;
    if (name == "tanh") return Nonlinearity::tanh;
    if (name == "relu") return Nonlinearity::relu;
    if (name == "leaky-relu" || name == "leaky_relu") return Nonlinearity::leaky_relu;
    if (name == "selu") return Nonlinearity::selu;
    throw InvalidArgument("nonlinearity: unknown name '" + std::string(name) +
                          "' (expected linear, sigmoid, tanh, relu, leaky-relu or selu)");
}

double Init::std_for(std::size_t fan_in, std::size_t fan_out) const {
    const double g = gain > 0.0 ? gain : calculate_gain(nonlinearity, negative_slope);
    const double fan = double(fan_out ? fan_out : 1);
    const double in = double(fan_in ? fan_in : 1);
    switch (kind) {
        case Kind::zeros:
        case Kind::constant: return 0.0;
        case Kind::normal:
        case Kind::truncated_normal: return b;
        case Kind::uniform: return (b - a) / std::sqrt(12.0);
        case Kind::xavier_normal:
        case Kind::xavier_uniform: return g * std::sqrt(2.0 / (in + double(fan_out)));
        case Kind::he_normal:
        case Kind::he_uniform: return g / std::sqrt(this->fan_out ? fan : in);
        case Kind::lecun_normal:
        case Kind::lecun_uniform: return 1.0 / std::sqrt(in);
    }
    return 0.0;
}

std::string Init::describe() const {
    auto n = [](double v) { return format_number(v); };
    switch (kind) {
        case Kind::zeros: return "zeros";
        case Kind::constant: return "constant(" + n(a) + ")";
        case Kind::normal: return "normal(mean=" + n(a) + ", std=" + n(b) + ")";
        case Kind::uniform: return "uniform(" + n(a) + ", " + n(b) + ")";
        case Kind::truncated_normal:
            return "truncated_normal(mean=" + n(a) + ", std=" + n(b) + ", [" + n(low) + ", " +
                   n(high) + "])";
        case Kind::xavier_normal: return "xavier_normal";
        case Kind::xavier_uniform: return "xavier_uniform";
        case Kind::he_normal: return fan_out ? "he_normal(fan_out)" : "he_normal";
        case Kind::he_uniform: return fan_out ? "he_uniform(fan_out)" : "he_uniform";
        case Kind::lecun_normal: return "lecun_normal";
        case Kind::lecun_uniform: return "lecun_uniform";
    }
    return "?";
}

namespace {

// The initializers that take no argument, by every name they go by.
struct NamedInit {
    std::string_view name;
    Init::Kind kind;
    bool fan_out = false;
};
constexpr NamedInit kNamed[] = {
    {"zeros", Init::Kind::zeros},
    {"xavier", Init::Kind::xavier_normal},       {"xavier-normal", Init::Kind::xavier_normal},
    {"glorot", Init::Kind::xavier_normal},       {"xavier-uniform", Init::Kind::xavier_uniform},
    {"glorot-uniform", Init::Kind::xavier_uniform},
    {"he", Init::Kind::he_normal},               {"he-normal", Init::Kind::he_normal},
    {"kaiming", Init::Kind::he_normal},          {"he-fan-out", Init::Kind::he_normal, true},
    {"he-uniform", Init::Kind::he_uniform},      {"kaiming-uniform", Init::Kind::he_uniform},
    {"lecun", Init::Kind::lecun_normal},         {"lecun-normal", Init::Kind::lecun_normal},
    {"lecun-uniform", Init::Kind::lecun_uniform},
};

// The initializers with arguments: constant:C, std=S, normal:M,S, uniform:A,B and
// truncated-normal:M,S[,LOW,HIGH]. `fail` throws.
template <class Fail>
void set_arguments(Init& init, const Spec& spec, Fail&& fail) {
    const std::vector<double>& v = spec.args;
    auto count = [&](std::size_t lo, std::size_t hi) {
        if (v.size() < lo || v.size() > hi) fail("wrong number of arguments");
    };
    if (spec.kind == "constant") {
        count(1, 1);
        init.kind = Init::Kind::constant;
        init.a = v[0];
    } else if (spec.kind == "std" || spec.kind == "normal") {
        const bool mean_given = spec.kind == "normal";  // std=S is normal:0,S (the lecture's)
        count(mean_given ? 2 : 1, mean_given ? 2 : 1);
        init.kind = Init::Kind::normal;
        init.a = mean_given ? v[0] : 0.0;
        init.b = v.back();
        if (init.b < 0) fail("std must be >= 0");
    } else if (spec.kind == "uniform") {
        count(2, 2);
        if (!(v[0] < v[1])) fail("needs A < B");
        init.kind = Init::Kind::uniform;
        init.a = v[0];
        init.b = v[1];
    } else {  // truncated-normal, truncated_normal
        count(2, 4);
        if (v.size() == 3) fail("give both LOW and HIGH");
        if (v[1] <= 0) fail("std must be > 0");
        init.kind = Init::Kind::truncated_normal;
        init.a = v[0];
        init.b = v[1];
        if (v.size() == 4) {
            init.low = v[2];
            init.high = v[3];
        }
        if (!(init.low < init.high)) fail("needs LOW < HIGH");
        if (init.high < init.a - 6 * init.b || init.low > init.a + 6 * init.b) {
            fail("[LOW, HIGH] lies more than 6 std from the mean: rejection would never end");
        }
    }
}

}  // namespace

Init parse_init(std::string_view spec, Nonlinearity activation) {
    auto fail = [&](const std::string& why) {
        throw InvalidArgument("init '" + std::string(spec) + "': " + why +
                              " (expected zeros, constant:C, normal:MEAN,STD, std=S, uniform:A,B, "
                              "truncated-normal:MEAN,STD[,LOW,HIGH], xavier, xavier-uniform, he, "
                              "he-uniform, he-fan-out, lecun or lecun-uniform)");
    };
    // "std=S" is the lecture's notation for normal:0,S; everything else is KIND[:ARGS].
    const std::string what = "init '" + std::string(spec) + "'";
    const Spec parsed = spec.starts_with("std=")
                            ? Spec{"std", {parse_number(spec.substr(4), what + ": std")}}
                            : parse_spec(spec, "init");
    Init init;
    init.nonlinearity = activation;
    for (const NamedInit& named : kNamed) {
        if (parsed.kind != named.name) continue;
        if (spec.find(':') != std::string_view::npos) fail("wrong number of arguments");
        init.kind = named.kind;
        init.fan_out = named.fan_out;
        return init;
    }
    for (std::string_view kind : {"constant", "std", "normal", "uniform", "truncated-normal",
                                  "truncated_normal"}) {
        if (parsed.kind == kind) {
            set_arguments(init, parsed, fail);
            return init;
        }
    }
    fail("unknown initializer");
    return init;
}

template <class T>
void initialize(std::span<T> w, std::size_t fan_in, std::size_t fan_out, const Init& init,
                Rng& rng) {
    const double std = init.std_for(fan_in, fan_out);
    switch (init.kind) {
        case Init::Kind::zeros:
            for (T& x : w) x = T(0);
            return;
        case Init::Kind::constant:
            for (T& x : w) x = T(init.a);
            return;
        case Init::Kind::normal:
            for (T& x : w) x = T(init.a + init.b * rng.normal());
            return;
        case Init::Kind::uniform:
            for (T& x : w) x = T(rng.uniform(init.a, init.b));
            return;
        case Init::Kind::truncated_normal:
            for (T& x : w) {
                double v;
                do {
                    v = init.a + init.b * rng.normal();
                } while (v < init.low || v > init.high);
                x = T(v);
            }
            return;
        case Init::Kind::xavier_normal:
        case Init::Kind::he_normal:
        case Init::Kind::lecun_normal:
            for (T& x : w) x = T(std * rng.normal());
            return;
        case Init::Kind::xavier_uniform:
        case Init::Kind::he_uniform:
        case Init::Kind::lecun_uniform: {
            const double bound = std * std::sqrt(3.0);  // U(±b) has std b/√3
            for (T& x : w) x = T(rng.uniform(-bound, bound));
            return;
        }
    }
}

template void initialize(std::span<float>, std::size_t, std::size_t, const Init&, Rng&);
template void initialize(std::span<double>, std::size_t, std::size_t, const Init&, Rng&);

}  // namespace optlab
