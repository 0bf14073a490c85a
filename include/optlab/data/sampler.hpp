// SPDX-License-Identifier: MIT
// Which training examples make up each batch. A training loop asks its sampler for batch b of
// the current epoch; the two protocols the lecture uses are two samplers, not two loops:
//   ShuffledSampler        every example once per epoch, in an order drawn afresh each epoch
//                          (torch's DataLoader(shuffle=True)); the last batch may be smaller
//   WithReplacementSampler each batch drawn independently, with replacement (the book's
//                          np.random.choice(train_size, batch_size) per iteration)
// A sampler's whole state is one generator's state, so a checkpoint can resume it exactly.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "optlab/core/rng.hpp"

namespace optlab {

class BatchSampler {
  public:
    virtual ~BatchSampler() = default;
    /// Batches in one epoch.
    virtual std::int64_t batches_per_epoch() const = 0;
    /// Begins an epoch (draws its order); called before its first batch, and again when a
    /// resumed run continues inside one.
    virtual void start_epoch() = 0;
    /// Ends the epoch begun by start_epoch().
    virtual void end_epoch() = 0;
    /// The examples of batch b (0-based) of the current epoch; valid until the next call.
    virtual std::span<const std::uint32_t> batch(std::int64_t b) = 0;
    /// What a checkpoint keeps: the generator as it was when the current epoch began (or as
    /// it is, between epochs), as hex; set_state() then start_epoch() rebuilds the epoch.
    virtual std::string state() const = 0;
    virtual void set_state(const std::string& hex) = 0;
};

class ShuffledSampler final : public BatchSampler {
  public:
    /// `examples` > 0 and `batch` in 1..examples.
    ShuffledSampler(std::size_t examples, std::size_t batch, std::uint64_t seed);
    std::int64_t batches_per_epoch() const override;
    void start_epoch() override;
    void end_epoch() override { in_epoch_ = false; }
    std::span<const std::uint32_t> batch(std::int64_t b) override;
    std::string state() const override;
    void set_state(const std::string& hex) override;

  private:
    std::size_t batch_;
    Rng rng_;
    std::vector<std::uint32_t> order_;
    std::string epoch_start_;  // the generator before this epoch's shuffle
    bool in_epoch_ = false;
};

class WithReplacementSampler final : public BatchSampler {
  public:
    /// `batches` batches of `batch` examples drawn from [0, examples) make one epoch.
    WithReplacementSampler(std::size_t examples, std::size_t batch, std::int64_t batches,
                           std::uint64_t seed);
    std::int64_t batches_per_epoch() const override { return batches_; }
    void start_epoch() override {}
    void end_epoch() override {}
    std::span<const std::uint32_t> batch(std::int64_t b) override;
    std::string state() const override { return rng_.state_hex(); }
    void set_state(const std::string& hex) override { rng_.set_state_hex(hex); }

  private:
    std::size_t examples_;
    std::int64_t batches_;
    Rng rng_;
    std::vector<std::uint32_t> drawn_;
};

}  // namespace optlab
