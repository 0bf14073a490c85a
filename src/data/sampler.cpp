// SPDX-License-Identifier: MIT
#include "optlab/data/sampler.hpp"

#include <algorithm>
#include <numeric>

#include "optlab/core/error.hpp"

namespace optlab {

ShuffledSampler::ShuffledSampler(std::size_t examples, std::size_t batch, std::uint64_t seed)
    : batch_(batch), rng_(seed), order_(examples) {
    if (examples == 0) throw InvalidArgument("sampler: no examples to draw from");
    if (batch == 0 || batch > examples) {
        throw_invalid("sampler", "batch", double(batch),
                      "1.." + std::to_string(examples) + " (the examples there are)");
    }
}

std::int64_t ShuffledSampler::batches_per_epoch() const {
    return std::int64_t((order_.size() + batch_ - 1) / batch_);
}

void ShuffledSampler::start_epoch() {
    epoch_start_ = rng_.state_hex();
    in_epoch_ = true;
    // Fisher-Yates from the back, one draw per position.
    std::iota(order_.begin(), order_.end(), 0u);
    for (std::size_t i = order_.size() - 1; i > 0; --i) std::swap(order_[i], order_[rng_.below(i + 1)]);
}

std::span<const std::uint32_t> ShuffledSampler::batch(std::int64_t b) {
    const std::size_t begin = std::size_t(b) * batch_;
    return std::span<const std::uint32_t>(order_).subspan(begin, std::min(batch_, order_.size() - begin));
}

std::string ShuffledSampler::state() const { return in_epoch_ ? epoch_start_ : rng_.state_hex(); }

void ShuffledSampler::set_state(const std::string& hex) {
    rng_.set_state_hex(hex);
    in_epoch_ = false;
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
