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

bool is_word(const std::string& line) {
    return !line.empty() && std::all_of(line.begin(), line.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// Each line, without a trailing CR (lists written on Windows).
template <class Visit>
void for_each_line(std::ifstream& in, Visit&& visit) {
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        visit(line);
    }
}

}  // namespace

void WordSplits::example(const Split& split, std::size_t i, std::uint8_t* context, std::uint8_t& target) const {
    const std::size_t k = std::size_t(std::upper_bound(split.first_example.begin(), split.first_example.end(),
                                                       std::uint32_t(i)) - split.first_example.begin()) - 1;
    const std::uint32_t word = order[split.begin + k];
    const std::size_t start = starts[word], length = starts[word + 1] - start, j = i - split.first_example[k];
    target = j < length ? letters[start + j] : 0;
    for (std::size_t t = 0; t < kContext; ++t) {
        const std::size_t back = kContext - t;  // context[t] is the token `back` places before
        context[t] = j >= back ? letters[start + j - back] : 0;
    }
}

std::size_t WordSplits::bytes() const {
    std::size_t n = letters.size() + 4 * (starts.size() + order.size());
    for (const Split* s : {&train, &validation, &test}) n += 4 * s->first_example.size();
    return n;
}

WordSplits load_word_splits(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw IoError("words-charlm: cannot read the word list " + path.string() +
                      " (install Debian's wamerican package: apt-get install wamerican)");
    }
    // Twice through the file: count, then fill vectors of exactly that size (no growth by
    // doubling, whose copies would be the largest thing the run ever held).
    std::size_t words = 0, letters = 0;
    for_each_line(in, [&](const std::string& line) {
        if (is_word(line)) ++words, letters += line.size();
    });
    WordSplits s;
    s.letters.reserve(letters);
    s.starts.reserve(words + 1);
    in.clear();
    in.seekg(0);
    for_each_line(in, [&](const std::string& line) {
        if (!is_word(line) || s.starts.size() == words) return;
        s.starts.push_back(std::uint32_t(s.letters.size()));
        for (char c : line) s.letters.push_back(std::uint8_t(c - 'a' + 1));
    });
    s.starts.push_back(std::uint32_t(s.letters.size()));
    auto word = [&](std::uint32_t w) {
        return std::basic_string_view<std::uint8_t>(s.letters.data() + s.starts[w], s.starts[w + 1] - s.starts[w]);
    };
    s.order.resize(s.starts.size() - 1);
    std::iota(s.order.begin(), s.order.end(), 0u);
    // Sorted and de-duplicated (the same split whatever the file's order), then a fixed shuffle:
    // Fisher–Yates with optlab's generator.
    std::sort(s.order.begin(), s.order.end(), [&](std::uint32_t a, std::uint32_t b) { return word(a) < word(b); });
    s.order.erase(std::unique(s.order.begin(), s.order.end(),
                              [&](std::uint32_t a, std::uint32_t b) { return word(a) == word(b); }),
                  s.order.end());
    const std::size_t n = s.order.size();
    if (n < 100) {
        throw InvalidArgument("words-charlm: " + path.string() + " has " + std::to_string(n) +
                              " words of lower-case a–z letters (expected at least 100, one word per line)");
    }
    Rng rng(2003);
    for (std::size_t i = n - 1; i > 0; --i) std::swap(s.order[i], s.order[rng.below(i + 1)]);
    const std::size_t train = n * 8 / 10, validation = n / 10;
    auto split = [&](std::size_t begin, std::size_t end) {
        WordSplits::Split out;
        out.begin = begin;
        out.end = end;
        out.first_example.reserve(end - begin + 1);
        std::uint32_t examples = 0;
        for (std::size_t k = begin; k < end; ++k) {
            out.first_example.push_back(examples);
            examples += std::uint32_t(word(s.order[k]).size() + 1);  // its letters and its end
        }
        out.first_example.push_back(examples);
        return out;
    };
    s.train = split(0, train);
    s.validation = split(train, train + validation);
    s.test = split(train + validation, n);
    return s;
}

CharLanguageModel::CharLanguageModel(const std::filesystem::path& words, const Init& init, std::size_t max_batch,
                                     std::uint64_t seed)
    : data_(load_word_splits(words)),
      net_(WordSplits::kContext, nn::Loss::cross_entropy, max_batch,
           [](nn::Network<float>::Builder& add) {
               add.add(std::make_unique<nn::Embedding<float>>(add.store(), "embedding", kTokens, kEmbedding,
                                                              WordSplits::kContext));
               add.add(std::make_unique<nn::Linear<float>>(add.store(), "hidden", WordSplits::kContext * kEmbedding,
                                                           kHidden));
               add.add(std::make_unique<nn::ActivationLayer<float>>(nn::Activation::tanh, kHidden));
               add.add(std::make_unique<nn::Linear<float>>(add.store(), "out", kHidden, kTokens));
           },
           seed + 2),
      labels_(max_batch),
      in_order_(max_batch) {
    Rng init_rng(seed);
    net_.init(init, init_rng);
}

std::string CharLanguageModel::describe() const {
    return "character language model " + net_.describe() + "; " + std::to_string(net_.store().num_parameters()) +
           " parameters; " + std::to_string(data_.train.words()) + " training words";
}

void CharLanguageModel::gather(const WordSplits::Split& split, std::span<const std::uint32_t> rows) {
    float* x = net_.input();
    std::uint8_t context[WordSplits::kContext];
    for (std::size_t r = 0; r < rows.size(); ++r) {
        data_.example(split, rows[r], context, labels_[r]);
        for (std::size_t k = 0; k < WordSplits::kContext; ++k) x[r * WordSplits::kContext + k] = context[k];
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
    const WordSplits::Split& data = split == Split::test ? data_.test : data_.validation;
    const std::size_t n = data.examples();
    double loss = 0;
    for (std::size_t begin = 0; begin < n; begin += net_.max_batch()) {
        const std::size_t rows = std::min(net_.max_batch(), n - begin);
        gather(data, in_order_.rows(begin, rows));
        net_.forward(net_.input(), rows, false);
        loss += net_.loss(labels_.data(), rows) * double(rows);
    }
    loss /= double(n);
    return {loss, std::exp(loss)};
}

std::string CharLanguageModel::sample(Rng& rng, double temperature, std::size_t max_length) {
    if (!(temperature > 0 && std::isfinite(temperature))) throw_invalid("sample", "temperature", temperature, "> 0");
    std::string word;
    float context[WordSplits::kContext] = {};
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
        std::rotate(context, context + 1, context + WordSplits::kContext);
        context[WordSplits::kContext - 1] = float(next);
    }
    return word;
}

std::uint64_t CharLanguageModel::data_bytes() const { return data_.bytes(); }

std::uint64_t CharLanguageModel::model_bytes() const {
    return 2 * net_.store().arena_size() * sizeof(float) + net_.activation_bytes();
}

}  // namespace optlab
