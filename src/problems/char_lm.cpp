// SPDX-License-Identifier: MIT
#include "optlab/problems/char_lm.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "optlab/core/error.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/nn/embedding.hpp"

namespace optlab {

namespace {

void add_word(const std::string& word, CharExamples& out) {
    std::array<std::uint8_t, CharExamples::kContext> context{};  // end tokens before the start
    for (std::size_t i = 0; i <= word.size(); ++i) {
        const std::uint8_t next = i < word.size() ? std::uint8_t(word[i] - 'a' + 1) : 0;
        out.contexts.push_back(context);
        out.targets.push_back(next);
        std::rotate(context.begin(), context.begin() + 1, context.end());
        context.back() = next;
    }
    ++out.words;
}

}  // namespace

WordSplits load_word_splits(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw IoError("words-charlm: cannot read the word list " + path.string() +
                      " (install Debian's wamerican package: apt-get install wamerican)");
    }
    std::vector<std::string> words;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && std::all_of(line.begin(), line.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
            words.push_back(line);
        }
    }
    std::sort(words.begin(), words.end());  // the same split whatever the file's order
    words.erase(std::unique(words.begin(), words.end()), words.end());
    if (words.size() < 100) {
        throw InvalidArgument("words-charlm: " + path.string() + " has " + std::to_string(words.size()) +
                              " words of lower-case a–z letters (expected at least 100, one word per line)");
    }
    Rng rng(2003);  // a fixed split: Fisher–Yates with optlab's generator
    for (std::size_t i = words.size() - 1; i > 0; --i) std::swap(words[i], words[rng.below(i + 1)]);
    WordSplits s;
    const std::size_t n = words.size(), train = n * 8 / 10, validation = n / 10;
    for (std::size_t i = 0; i < n; ++i) add_word(words[i], i < train ? s.train : i < train + validation ? s.validation : s.test);
    return s;
}

CharLanguageModel::CharLanguageModel(const std::filesystem::path& words, const Init& init, std::size_t max_batch,
                                     std::uint64_t seed)
    : data_(load_word_splits(words)),
      net_(CharExamples::kContext, nn::Loss::cross_entropy, max_batch,
           [](nn::Network<float>::Builder& add) {
               add.add(std::make_unique<nn::Embedding<float>>(add.store(), "embedding", kTokens, kEmbedding,
                                                              CharExamples::kContext));
               add.add(std::make_unique<nn::Linear<float>>(add.store(), "hidden", CharExamples::kContext * kEmbedding,
                                                           kHidden));
               add.add(std::make_unique<nn::ActivationLayer<float>>(nn::Activation::tanh, kHidden));
               add.add(std::make_unique<nn::Linear<float>>(add.store(), "out", kHidden, kTokens));
           },
           seed + 2),
      labels_(max_batch) {
    Rng init_rng(seed);
    net_.init(init, init_rng);
    in_order_.resize(std::max(data_.validation.targets.size(), data_.test.targets.size()));
    std::iota(in_order_.begin(), in_order_.end(), 0u);
}

std::string CharLanguageModel::describe() const {
    return "character language model " + net_.describe() + "; " + std::to_string(net_.store().num_parameters()) +
           " parameters; " + std::to_string(data_.train.words) + " training words";
}

void CharLanguageModel::gather(const CharExamples& split, std::span<const std::uint32_t> rows) {
    float* x = net_.input();
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t k = 0; k < CharExamples::kContext; ++k) x[r * CharExamples::kContext + k] = split.contexts[rows[r]][k];
        labels_[r] = split.targets[rows[r]];
    }
}

BatchResult CharLanguageModel::train_batch(std::span<const std::uint32_t> batch, bool backward) {
    gather(data_.train, batch);
    const std::size_t rows = batch.size();
    net_.forward(net_.input(), rows, true);
    BatchResult r;
    r.loss = net_.loss(labels_.data(), rows);
    r.metric_sum = std::exp(r.loss) * double(rows);  // the batch's perplexity, per example
    if (backward) net_.backward(labels_.data(), rows);
    return r;
}

Evaluation CharLanguageModel::evaluate(Split split) {
    const CharExamples& data = split == Split::test ? data_.test : data_.validation;
    const std::size_t n = data.targets.size();
    double loss = 0;
    for (std::size_t begin = 0; begin < n; begin += net_.max_batch()) {
        const std::size_t rows = std::min(net_.max_batch(), n - begin);
        gather(data, std::span<const std::uint32_t>(in_order_).subspan(begin, rows));
        net_.forward(net_.input(), rows, false);
        loss += net_.loss(labels_.data(), rows) * double(rows);
    }
    loss /= double(n);
    return {loss, std::exp(loss)};
}

std::string CharLanguageModel::sample(Rng& rng, double temperature, std::size_t max_length) {
    if (!(temperature > 0 && std::isfinite(temperature))) throw_invalid("sample", "temperature", temperature, "> 0");
    std::string word;
    float context[CharExamples::kContext] = {};
    std::vector<double> p(kTokens);
    while (word.size() < max_length) {
        const float* z = net_.forward(context, 1, false);
        const double top = *std::max_element(z, z + kTokens);
        double sum = 0;
        for (std::size_t j = 0; j < kTokens; ++j) sum += p[j] = std::exp((double(z[j]) - top) / temperature);
        double u = rng.uniform() * sum;
        std::size_t next = 0;
        while (next + 1 < kTokens && u >= p[next]) u -= p[next++];
        if (next == 0) break;
        word += char('a' + next - 1);
        std::rotate(context, context + 1, context + CharExamples::kContext);
        context[CharExamples::kContext - 1] = float(next);
    }
    return word;
}

std::uint64_t CharLanguageModel::data_bytes() const {
    std::uint64_t bytes = 0;
    for (const CharExamples* s : {&data_.train, &data_.validation, &data_.test}) {
        bytes += s->contexts.size() * CharExamples::kContext + s->targets.size();
    }
    return bytes;
}

std::uint64_t CharLanguageModel::model_bytes() const {
    return 2 * net_.store().arena_size() * sizeof(float) + net_.activation_bytes();
}

}  // namespace optlab
