// SPDX-License-Identifier: MIT
// A character-level language model after Bengio et al. (2003), "A Neural Probabilistic
// Language Model": the previous 3 characters of a word, each embedded in 10 dimensions, a
// hidden tanh layer of 200, and a softmax over 27 tokens — the end-of-word token (0) and a–z
// (1..26). Data: the English words of Debian's `wamerican` (/usr/share/dict/words), those of
// lower-case a–z only, split by word into 80% training, 10% validation and 10% test with a
// fixed seed (the same split whatever the run's --seed). Every word of n letters gives n + 1
// examples: each letter and then the end, from the three tokens before it (end tokens before
// the word's start). Loss and metric: nats per character (the mean cross-entropy) and the
// perplexity e^loss.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "optlab/data/sampler.hpp"
#include "optlab/nn/network.hpp"
#include "optlab/problems/problem.hpp"

namespace optlab {

/// Where Debian's wamerican installs its word list.
inline const std::filesystem::path kWordListPath = "/usr/share/dict/words";

/// A word list's lower-case a–z words, held compactly: their letters back to back as tokens
/// (1–26), where each word starts, and the words' order after the fixed shuffle. A split is a
/// run of that order; its examples are each word's letters and then its end, word after word,
/// and are found from an example's number (a binary search over the split's words) rather than
/// stored: 3 bytes of context and 1 of target per example would be twice the words' size.
struct WordSplits {
    static constexpr std::size_t kContext = 3;

    struct Split {
        std::size_t begin = 0, end = 0;           // positions in `order`
        std::vector<std::uint32_t> first_example;  // per word, and the total last
        std::size_t words() const { return end - begin; }
        std::size_t examples() const { return first_example.empty() ? 0 : first_example.back(); }
    };

    std::vector<std::uint8_t> letters;  // tokens 1..26, the words back to back
    std::vector<std::uint32_t> starts;  // word w is letters[starts[w] .. starts[w + 1])
    std::vector<std::uint32_t> order;   // the distinct words, sorted, then shuffled
    Split train, validation, test;

    /// Example i of `split`: the kContext tokens before it (end tokens, 0, before the word's
    /// start) and the token to predict (a letter, or 0 for the word's end).
    void example(const Split& split, std::size_t i, std::uint8_t* context, std::uint8_t& target) const;
    std::size_t bytes() const;
};

/// Reads a word list (one word per line) and splits the a–z words 80/10/10 by word. Refuses,
/// naming the path and the package, a missing file, and a list with fewer than 100 such words.
WordSplits load_word_splits(const std::filesystem::path& path);

class CharLanguageModel final : public Problem {
  public:
    static constexpr std::size_t kTokens = 27, kEmbedding = 10, kHidden = 200;

    CharLanguageModel(const std::filesystem::path& words, const Init& init, std::size_t max_batch,
                      std::uint64_t seed);

    ParamStore<float>& store() override { return net_.store(); }
    std::string_view metric_name() const override { return "perplexity"; }
    std::string describe() const override;
    std::size_t train_examples() const override { return data_.train.examples(); }
    std::size_t max_batch() const override { return net_.max_batch(); }
    BatchResult train_batch(std::span<const std::uint32_t> batch, bool backward) override;
    Evaluation evaluate(Split split) override;
    bool has_validation() const override { return true; }
    std::vector<std::pair<std::string, std::vector<float>*>> buffers() override { return {}; }
    std::vector<std::pair<std::string, Rng*>> generators() override { return {}; }
    std::uint64_t data_bytes() const override;
    std::uint64_t model_bytes() const override;

    const WordSplits& data() const { return data_; }
    /// A new word drawn from the model, a letter at a time until the end token (at most
    /// `max_length` letters), each from softmax(z / temperature).
    std::string sample(Rng& rng, double temperature = 1.0, std::size_t max_length = 30);

  private:
    void gather(const WordSplits::Split& split, std::span<const std::uint32_t> rows);

    WordSplits data_;
    nn::Network<float> net_;
    std::vector<std::uint8_t> labels_;
    InOrder in_order_;  // evaluation reads the splits in order
};

}  // namespace optlab
