// SPDX-License-Identifier: MIT
// Weight initializers — the lecture's last point: the initial weights decide whether a network
// learns at all. Not std 0 (every unit stays identical) nor 0.01 (signals vanish layer by
// layer); Xavier/Glorot for sigmoid and tanh, He/Kaiming for ReLU.
//
// Formulas follow torch.nn.init, with fan_in and fan_out of a weight stored (in, out):
//   normal(μ, σ)              N(μ, σ²)
//   uniform(a, b)             U(a, b)
//   truncated_normal(μ,σ,a,b) N(μ, σ²) redrawn until it lies in [a, b] (torch trunc_normal_)
//   xavier_normal             σ = gain·√(2/(fan_in + fan_out))
//   xavier_uniform            U(±gain·√(6/(fan_in + fan_out)))
//   he_normal (kaiming)       σ = gain/√fan      (fan = fan_in or fan_out, gain from the
//   he_uniform                U(±gain·√(3/fan))   nonlinearity, √2 for relu)
//   lecun_normal              σ = 1/√fan_in       (the book's "Xavier": std 1/√n)
//   lecun_uniform             U(±√(3/fan_in))
//   zeros, constant(c)
// Random draws come from optlab's Rng, so one seed gives the same weights everywhere.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/core/rng.hpp"

namespace optlab {

enum class Nonlinearity { linear, sigmoid, tanh, relu, leaky_relu, selu };

/// torch.nn.init.calculate_gain: linear/sigmoid 1, tanh 5/3, relu √2,
/// leaky_relu √(2/(1 + slope²)), selu 3/4.
double calculate_gain(Nonlinearity nonlinearity, double negative_slope = 0.01);
Nonlinearity parse_nonlinearity(std::string_view name);

struct Init {
    enum class Kind {
        zeros, constant, normal, uniform, truncated_normal, xavier_normal, xavier_uniform,
        he_normal, he_uniform, lecun_normal, lecun_uniform
    };
    Kind kind = Kind::he_normal;
    double a = 0.0, b = 0.0;        // constant: a; normal: mean a, std b; uniform: [a, b)
    double low = -2.0, high = 2.0;  // truncated_normal's bounds (absolute, as torch)
    double gain = 0.0;              // xavier/he: 0 means "from the nonlinearity"
    bool fan_out = false;           // he: use fan_out instead of fan_in
    Nonlinearity nonlinearity = Nonlinearity::relu;  // for the gain
    double negative_slope = 0.01;   // leaky_relu's slope, for its gain

    /// The standard deviation this initializer draws with for a (fan_in, fan_out) weight
    /// (uniform ones: the std of their uniform distribution).
    double std_for(std::size_t fan_in, std::size_t fan_out) const;
    std::string describe() const;
};

/// Parses an initializer spec: "zeros", "constant:C", "normal:MEAN,STD", "std=S" (the
/// lecture's fixed choices: normal with mean 0), "uniform:A,B",
/// "truncated-normal:MEAN,STD[,LOW,HIGH]", "xavier" (= xavier-normal), "xavier-uniform", "he"
/// (= he-normal), "he-uniform", "he-fan-out", "lecun", "lecun-uniform". `activation` sets the
/// nonlinearity whose gain xavier/he use. Throws InvalidArgument naming the spec.
Init parse_init(std::string_view spec, Nonlinearity activation = Nonlinearity::relu);

/// Fills `w`, a weight of shape (fan_in, fan_out) (a bias: fan_out = its size, fan_in = 1).
template <class T>
void initialize(std::span<T> w, std::size_t fan_in, std::size_t fan_out, const Init& init, Rng& rng);

}  // namespace optlab
