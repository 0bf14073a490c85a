// SPDX-License-Identifier: MIT
// The inputs of tests/reference/generate.py, regenerated bit for bit: splitmix64 and exact
// conversions, so the reference file needs to store only the expected results.
#pragma once

#include <cstdint>
#include <vector>

namespace optlab::test {

class SplitMix64 {
  public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// (2u − 1) with u the top 53 bits over 2^53: exact in double, in [-1, 1).
    double symmetric() { return 2.0 * (double(next() >> 11) * 0x1p-53) - 1.0; }

  private:
    std::uint64_t state_;
};

struct ReferenceInputs {
    std::vector<std::vector<double>> params;              // [tensor][element]
    std::vector<std::vector<std::vector<double>>> grads;  // [step-1][tensor][element]
};

inline ReferenceInputs reference_inputs(std::uint64_t seed, const std::vector<std::size_t>& sizes,
                                        int steps) {
    static constexpr double kScales[] = {1.0, 0.1, 3.0, 1e-3};
    SplitMix64 rng(seed);
    ReferenceInputs in;
    for (std::size_t n : sizes) {
        std::vector<double> t(n);
        for (double& x : t) x = 2.0 * rng.symmetric();
        in.params.push_back(std::move(t));
    }
    for (int k = 1; k <= steps; ++k) {
        std::vector<std::vector<double>> step;
        for (std::size_t n : sizes) {
            std::vector<double> t(n);
            for (double& x : t) x = rng.symmetric() * kScales[k % 4];
            if (k % 13 == 0) std::fill(t.begin(), t.end(), 0.0);
            step.push_back(std::move(t));
        }
        in.grads.push_back(std::move(step));
    }
    return in;
}

}  // namespace optlab::test
