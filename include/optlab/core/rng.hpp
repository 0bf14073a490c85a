// SPDX-License-Identifier: MIT
// optlab's own random numbers: xoshiro256** seeded through splitmix64, with its own uniform
// and normal distributions. std::normal_distribution is implementation-defined (libstdc++ and
// libc++ give different numbers for one seed); these give the same stream everywhere, and the
// generator's whole state is four integers, so a checkpoint can save and restore it exactly.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace optlab {

class Rng {
  public:
    using State = std::array<std::uint64_t, 4>;

    explicit Rng(std::uint64_t seed = 0) { seed_with(seed); }

    void seed_with(std::uint64_t seed);
    std::uint64_t next_u64();
    /// Uniform in [0, 1): the top 53 bits over 2^53.
    double uniform();
    /// Uniform in [a, b).
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    /// Uniform integer in [0, n), unbiased (rejection of the top 2^64 mod n values); n > 0.
    std::uint64_t below(std::uint64_t n);
    /// Standard normal, by Marsaglia's polar method (the pair's second value is discarded, so
    /// the state alone determines the stream).
    double normal();
    double normal(double mean, double std) { return mean + std * normal(); }

    const State& state() const { return s_; }
    void set_state(const State& s) { s_ = s; }
    /// The state as 64 hex digits, and back (for checkpoint metadata).
    std::string state_hex() const;
    /// Throws InvalidArgument unless `hex` is 64 hex digits, not all zero.
    void set_state_hex(const std::string& hex);

  private:
    State s_{};
};

}  // namespace optlab
