// SPDX-License-Identifier: MIT
#include "optlab/data/sampler.hpp"

#include <algorithm>
#include <numeric>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {

// splitmix64's finaliser: every input bit flips about half the output bits.
std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

KeyedPermutation::KeyedPermutation(std::uint64_t n, std::uint64_t key) : n_(n) {
    if (n == 0 || n > (std::uint64_t(1) << 32)) {
        throw_invalid("permutation", "size", double(n), "1..2^32 indices");
    }
    while ((std::uint64_t(1) << (2 * half_bits_)) < n) ++half_bits_;
    half_bits_ = std::max(half_bits_, 1u);
    half_mask_ = (std::uint64_t(1) << half_bits_) - 1;
    for (auto& k : round_keys_) k = mix(key += 0x9e3779b97f4a7c15ULL);
}

std::uint64_t KeyedPermutation::encrypt(std::uint64_t x) const {
    std::uint64_t left = x >> half_bits_, right = x & half_mask_;
    for (const std::uint64_t k : round_keys_) {
        const std::uint64_t next = left ^ (mix(right ^ k) & half_mask_);
        left = right;
        right = next;
    }
    return (left << half_bits_) | right;
}

std::uint32_t KeyedPermutation::operator()(std::uint64_t i) const {
    // Cycle-walking: a bijection of the domain, applied until it lands below n, is a bijection
    // of [0, n).
    std::uint64_t x = encrypt(i);
    while (x >= n_) x = encrypt(x);
    return std::uint32_t(x);
}

ShuffledSampler::ShuffledSampler(std::size_t examples, std::size_t batch, std::uint64_t seed)
    : examples_(examples), batch_(batch), rng_(seed) {
    if (examples == 0) throw InvalidArgument("sampler: no examples to draw from");
    if (examples > (std::size_t(1) << 32)) {
        throw_invalid("sampler", "examples", double(examples), "at most 2^32 (indices are 32-bit)");
    }
    if (batch == 0 || batch > examples) {
        throw_invalid("sampler", "batch", double(batch),
                      "1.." + std::to_string(examples) + " (the examples there are)");
    }
}

std::int64_t ShuffledSampler::batches_per_epoch() const {
    return std::int64_t((examples_ + batch_ - 1) / batch_);
}

void ShuffledSampler::start_epoch() {
    epoch_start_ = rng_.state_hex();
    in_epoch_ = true;
    if (examples_ > kStoredOrderLimit) {
        keyed_ = KeyedPermutation(examples_, rng_.next_u64());
        drawn_.reserve(batch_);
        return;
    }
    // Fisher-Yates from the back, one draw per position.
    stored_.resize(examples_);
    std::iota(stored_.begin(), stored_.end(), 0u);
    for (std::size_t i = examples_ - 1; i > 0; --i) std::swap(stored_[i], stored_[rng_.below(i + 1)]);
}

std::span<const std::uint32_t> ShuffledSampler::batch(std::int64_t b) {
    const std::size_t begin = std::size_t(b) * batch_, end = std::min(begin + batch_, examples_);
    if (examples_ <= kStoredOrderLimit) return std::span<const std::uint32_t>(stored_).subspan(begin, end - begin);
    drawn_.clear();
    for (std::size_t i = begin; i < end; ++i) drawn_.push_back(keyed_(i));
    return drawn_;
}

std::string ShuffledSampler::state() const { return in_epoch_ ? epoch_start_ : rng_.state_hex(); }

void ShuffledSampler::set_state(const std::string& hex) {
    rng_.set_state_hex(hex);
    in_epoch_ = false;
}

std::span<const std::uint32_t> InOrder::rows(std::size_t first, std::size_t count) {
    const std::span<std::uint32_t> out = std::span<std::uint32_t>(rows_).first(count);
    std::iota(out.begin(), out.end(), std::uint32_t(first));
    return out;
}

WithReplacementSampler::WithReplacementSampler(std::size_t examples, std::size_t batch,
                                               std::int64_t batches, std::uint64_t seed)
    : examples_(examples), batches_(batches), rng_(seed), drawn_(batch) {
    if (examples == 0) throw InvalidArgument("sampler: no examples to draw from");
    if (batch == 0 || batch > examples) {
        throw_invalid("sampler", "batch", double(batch), "1.." + std::to_string(examples));
    }
    if (batches < 1) throw_invalid("sampler", "batches", double(batches), "an integer >= 1");
}

std::span<const std::uint32_t> WithReplacementSampler::batch(std::int64_t) {
    for (auto& i : drawn_) i = std::uint32_t(rng_.below(examples_));
    return drawn_;
}

}  // namespace optlab
