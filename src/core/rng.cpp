// SPDX-License-Identifier: MIT
#include "optlab/core/rng.hpp"

#include <cmath>
#include <cstdio>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::seed_with(std::uint64_t seed) {
    // splitmix64 spreads any seed (0 included) over the 256-bit state.
    for (auto& word : s_) {
        std::uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        word = z ^ (z >> 31);
    }
}

std::uint64_t Rng::next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double Rng::uniform() { return double(next_u64() >> 11) * 0x1p-53; }

std::uint64_t Rng::below(std::uint64_t n) {
    if (n == 0) throw InvalidArgument("Rng::below: n must be > 0");
    // Rejects the top (2^64 mod n) values so that x mod n is exactly uniform.
    const std::uint64_t threshold = (0 - n) % n;
    while (true) {
        const std::uint64_t x = next_u64();
        if (x >= threshold) return x % n;
    }
}

double Rng::normal() {
    double u, v, s;
    do {
        u = 2.0 * uniform() - 1.0;
        v = 2.0 * uniform() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * std::sqrt(-2.0 * std::log(s) / s);
}

std::string Rng::state_hex() const {
    char buf[65];
    std::snprintf(buf, sizeof buf, "%016llx%016llx%016llx%016llx", (unsigned long long)s_[0],
                  (unsigned long long)s_[1], (unsigned long long)s_[2], (unsigned long long)s_[3]);
    return buf;
}

void Rng::set_state_hex(const std::string& hex) {
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
        throw InvalidArgument("random state: expected 64 lowercase hex digits, got '" + hex + "'");
    }
    State s{};
    for (int i = 0; i < 4; ++i) s[i] = std::stoull(hex.substr(16 * i, 16), nullptr, 16);
    if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0) {
        throw InvalidArgument("random state: all zero (xoshiro256** would stay at zero)");
    }
    s_ = s;
}

}  // namespace optlab
