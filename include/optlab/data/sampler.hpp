// SPDX-License-Identifier: MIT
// Which training examples make up each batch. A training loop asks its sampler for batch b of
// the current epoch; the two protocols the lecture uses are two samplers, not two loops:
//   ShuffledSampler        every example once per epoch, in an order drawn afresh each epoch
//                          (torch's DataLoader(shuffle=True)); the last batch may be smaller.
//                          Beyond kStoredOrderLimit examples the order is computed, not
//                          stored (KeyedPermutation): torch keeps randperm(n), 8 bytes per
//                          example, which for words-charlm's 500k one-character examples is
//                          more than its whole model; below it, Fisher-Yates' stored order
//   WithReplacementSampler each batch drawn independently, with replacement (the book's
//                          np.random.choice(train_size, batch_size) per iteration)
// A sampler's whole state is one generator's state, so a checkpoint can resume it exactly.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "optlab/core/rng.hpp"

namespace optlab {

/// A pseudo-random permutation of [0, n) computed one position at a time: a balanced Feistel
/// network of eight rounds on the smallest domain of 2^(2h) >= n values, cycle-walked back into
/// [0, n) (Black & Rogaway, "Ciphers with arbitrary finite domains", 2002). A bijection for any
/// key, so every index appears once; its memory is the key, whatever n is. The domain is under
/// 4n, so a position walks fewer than four times on average. On tiny domains it is visibly
/// not uniform (a Feistel network only makes even permutations of its domain: over the 120
/// orders of five items chi-square is ~300, not ~120), hence the sampler's stored order there.
class KeyedPermutation {
  public:
    KeyedPermutation() = default;
    /// n in 1..2^32.
    KeyedPermutation(std::uint64_t n, std::uint64_t key);
    std::uint64_t size() const { return n_; }
    /// The index at position i of the permutation; i < size().
    std::uint32_t operator()(std::uint64_t i) const;

  private:
    std::uint64_t encrypt(std::uint64_t x) const;
    std::uint64_t n_ = 0;
    unsigned half_bits_ = 0;
    std::uint64_t half_mask_ = 0;
    std::array<std::uint64_t, 8> round_keys_{};
};

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
    /// Up to this many examples the order is drawn by Fisher-Yates and stored (16 KiB);
    /// beyond, it is a KeyedPermutation, whose memory does not grow with the examples.
    static constexpr std::size_t kStoredOrderLimit = 4096;

    /// `examples` > 0 and `batch` in 1..examples.
    ShuffledSampler(std::size_t examples, std::size_t batch, std::uint64_t seed);
    std::int64_t batches_per_epoch() const override;
    void start_epoch() override;
    void end_epoch() override { in_epoch_ = false; }
    std::span<const std::uint32_t> batch(std::int64_t b) override;
    std::string state() const override;
    void set_state(const std::string& hex) override;

  private:
    std::size_t examples_, batch_;
    Rng rng_;
    KeyedPermutation keyed_;            // this epoch's order, beyond kStoredOrderLimit
    std::vector<std::uint32_t> stored_; // this epoch's order, up to kStoredOrderLimit
    std::vector<std::uint32_t> drawn_;  // the current batch, from keyed_
    std::string epoch_start_;           // the generator before this epoch's draw
    bool in_epoch_ = false;
};

/// Evaluation's batches: rows first, first + 1, ... of a split, one batch at a time, so a pass
/// in order holds a batch of indices, not one per example.
class InOrder {
  public:
    explicit InOrder(std::size_t max_batch) : rows_(max_batch) {}
    /// Rows first .. first + count - 1; count <= max_batch; valid until the next call.
    std::span<const std::uint32_t> rows(std::size_t first, std::size_t count);

  private:
    std::vector<std::uint32_t> rows_;
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
