// SPDX-License-Identifier: MIT
// TensorFlow Playground's classification problems (problems/classify2d.hpp). The sets follow
// Playground's src/dataset.ts (classifyCircleData, classifyXORData, classifyTwoGaussData,
// classifySpiralData) draw for draw; the split follows its playground.ts (shuffle all the
// points, the first train_ratio of them train).
#include "optlab/problems/classify2d.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "optlab/core/error.hpp"
#include "optlab/core/plain_math.hpp"
#include "optlab/core/text.hpp"
#include "optlab/init/initializers.hpp"
#include "optlab/optim/combined.hpp"

namespace optlab {

namespace {

constexpr std::string_view kDatasets[] = {"circle", "xor", "gauss", "spiral"};
constexpr std::string_view kFeatures[] = {"x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"};
constexpr double kPi = 3.14159265358979323846;
constexpr std::size_t kMaxLayers = 6, kMaxUnits = 8;

// Generators of the data and of the initial weights, apart from each other and from the
// sampler's (the run's seed + 3).
constexpr std::uint64_t kDataSalt = 0x2D0DA7Aull, kInitSalt = 0x2D01417ull;

double uniform(Rng& rng, double a, double b) { return rng.uniform() * (b - a) + a; }

// A standard normal as Playground's normalRandom draws it: Marsaglia's polar method, its log
// the plain one.
double standard_normal(Rng& rng) {
    double v1, v2, s;
    do {
        v1 = 2 * rng.uniform() - 1;
        v2 = 2 * rng.uniform() - 1;
        s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s == 0);
    return std::sqrt(-2 * plain::log(s) / s) * v1;
}

// cos t as sin(t + π/2): one plain function for both coordinates.
double cosine(double t) { return plain::sin(t + kPi / 2); }

void push(Points2d& p, double x1, double x2, double label) {
    p.x1.push_back(x1);
    p.x2.push_back(x2);
    p.label.push_back(label);
}

void circle(Points2d& p, std::size_t count, double noise, Rng& rng) {
    const double radius = 5;
    auto label = [&](double x, double y) { return std::sqrt(x * x + y * y) < radius * 0.5 ? 1.0 : -1.0; };
    // Inside the circle, then a ring around it; a label is the side the noisy point falls on.
    for (const auto& [r0, r1] : {std::pair{0.0, radius * 0.5}, std::pair{radius * 0.7, radius}}) {
        for (double i = 0; i < double(count) / 2; ++i) {
            const double r = uniform(rng, r0, r1), angle = uniform(rng, 0, 2 * kPi);
            const double x = r * plain::sin(angle), y = r * cosine(angle);
            const double nx = uniform(rng, -radius, radius) * noise, ny = uniform(rng, -radius, radius) * noise;
            push(p, x, y, label(x + nx, y + ny));
        }
    }
}

void xor_quadrants(Points2d& p, std::size_t count, double noise, Rng& rng) {
    const double padding = 0.3;  // keeps the points off the axes
    for (std::size_t i = 0; i < count; ++i) {
        double x = uniform(rng, -5, 5);
        x += x > 0 ? padding : -padding;
        double y = uniform(rng, -5, 5);
        y += y > 0 ? padding : -padding;
        const double nx = uniform(rng, -5, 5) * noise, ny = uniform(rng, -5, 5) * noise;
        push(p, x, y, (x + nx) * (y + ny) >= 0 ? 1.0 : -1.0);
    }
}

void gauss(Points2d& p, std::size_t count, double noise, Rng& rng) {
    const double variance = 0.5 + (4 - 0.5) * noise / 0.5;  // noise 0 → 0.5, noise 0.5 → 4
    for (const auto& [centre, label] : {std::pair{2.0, 1.0}, std::pair{-2.0, -1.0}}) {
        for (double i = 0; i < double(count) / 2; ++i) {
            const double x = centre + std::sqrt(variance) * standard_normal(rng);
            const double y = centre + std::sqrt(variance) * standard_normal(rng);
            push(p, x, y, label);
        }
    }
}

void spiral(Points2d& p, std::size_t count, double noise, Rng& rng) {
    const double n = double(count) / 2;
    for (const auto& [delta, label] : {std::pair{0.0, 1.0}, std::pair{kPi, -1.0}}) {
        for (double i = 0; i < n; ++i) {
            const double r = i / n * 5, t = 1.75 * i / n * 2 * kPi + delta;
            const double x = r * plain::sin(t) + uniform(rng, -1, 1) * noise;
            const double y = r * cosine(t) + uniform(rng, -1, 1) * noise;
            push(p, x, y, label);
        }
    }
}

std::string list(std::span<const std::string_view> names) {
    std::string out;
    for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

std::vector<std::string_view> split_commas(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        parts.push_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) return parts;
        start = comma + 1;
    }
}

// "--noise 0.8: expected a number from 0 to 0.5 (...)": the flag of `optlab train` that sets it.
[[noreturn]] void refuse(std::string_view flag, double value, std::string_view expected) {
    throw InvalidArgument(std::string(flag) + " " + format_number(value) + ": expected " + std::string(expected));
}

}  // namespace

std::span<const std::string_view> datasets_2d() { return kDatasets; }
std::span<const std::string_view> features_2d() { return kFeatures; }

Points2d draw_points_2d(std::string_view dataset, std::size_t count, double noise, Rng& rng) {
    Points2d p;
    if (dataset == "circle") {
        circle(p, count, noise, rng);
    } else if (dataset == "xor") {
        xor_quadrants(p, count, noise, rng);
    } else if (dataset == "gauss") {
        gauss(p, count, noise, rng);
    } else if (dataset == "spiral") {
        spiral(p, count, noise, rng);
    } else {
        throw InvalidArgument("2-D dataset: unknown name '" + std::string(dataset) + "' (expected one of " +
                              list(kDatasets) + ")");
    }
    return p;
}

std::vector<std::size_t> parse_hidden_2d(std::string_view text) {
    const std::string expected = "1 to 6 layer sizes of 1 to 8 units, comma-separated, e.g. 8,8";
    std::vector<std::size_t> sizes;
    for (std::string_view part : split_commas(text)) {
        if (part.size() != 1 || part[0] < '1' || part[0] > char('0' + kMaxUnits)) {
            throw InvalidArgument("--hidden '" + std::string(text) + "': expected " + expected);
        }
        sizes.push_back(std::size_t(part[0] - '0'));
    }
    if (sizes.size() > kMaxLayers) throw InvalidArgument("--hidden '" + std::string(text) + "': expected " + expected);
    return sizes;
}

std::vector<std::string> parse_features_2d(std::string_view text) {
    std::vector<std::string> names;
    for (std::string_view part : split_commas(text)) {
        if (std::find(std::begin(kFeatures), std::end(kFeatures), part) == std::end(kFeatures)) {
            throw InvalidArgument("--features '" + std::string(text) + "': '" + std::string(part) +
                                  "' is not a feature (expected some of " + list(kFeatures) + ")");
        }
        if (std::find(names.begin(), names.end(), part) != names.end()) {
            throw InvalidArgument("--features '" + std::string(text) + "': '" + std::string(part) + "' is given twice");
        }
        names.emplace_back(part);
    }
    return names;
}

void Classify2dSpec::validate() const {
    if (std::find(std::begin(kDatasets), std::end(kDatasets), dataset) == std::end(kDatasets)) {
        throw InvalidArgument("2-D dataset: unknown name '" + dataset + "' (expected one of " + list(kDatasets) + ")");
    }
    if (points < 10 || points > 10000) refuse("--points", double(points), "an integer from 10 to 10000");
    if (!(noise >= 0 && noise <= 0.5)) refuse("--noise", noise, "a number from 0 to 0.5 (Playground's 0 to 50 %)");
    if (!(train_ratio >= 0.1 && train_ratio <= 0.9)) {
        refuse("--train-ratio", train_ratio, "a number from 0.1 to 0.9 (Playground's 10 to 90 %)");
    }
    if (features.empty()) throw InvalidArgument("--features: expected at least one feature");
    std::string joined;
    for (const std::string& f : features) joined += (joined.empty() ? "" : ",") + f;
    parse_features_2d(joined);  // each a feature, none twice
    if (hidden.empty() || hidden.size() > kMaxLayers) {
        refuse("--hidden: layers", double(hidden.size()), "1 to 6 layers");
    }
    for (std::size_t units : hidden) {
        if (units < 1 || units > kMaxUnits) refuse("--hidden: units", double(units), "1 to 8 units a layer");
    }
    if (activation != "relu" && activation != "tanh" && activation != "sigmoid" && activation != "linear") {
        throw InvalidArgument("--activation '" + activation + "': a 2-D problem's network takes relu, tanh, sigmoid or linear");
    }
    const Init init_kind = parse_init(init);
    using K = Init::Kind;
    if (init_kind.kind == K::truncated_normal) {
        throw InvalidArgument("--init '" + init + "': a 2-D problem's network takes zeros, constant:C, std=S, normal:M,S, "
                              "uniform:A,B, xavier, xavier-uniform, he, he-uniform, lecun or lecun-uniform");
    }
    if (!(l2 >= 0) || !std::isfinite(l2)) refuse("--l2", l2, "a finite number >= 0");
    const std::size_t train = std::size_t(std::floor(double(points) * train_ratio));
    if (max_batch < 1 || max_batch > train) {
        refuse("--batch", double(max_batch),
               "1 to the " + std::to_string(train) + " training points (" + std::to_string(points) + " × " +
                   format_number(train_ratio) + ")");
    }
}

// ---- the problem ----------------------------------------------------------------------------

Classify2d::Classify2d(const Classify2dSpec& spec) : spec_(spec) {
    spec_.validate();
    act_ = spec_.activation == "relu" ? Act::relu
           : spec_.activation == "sigmoid" ? Act::sigmoid
           : spec_.activation == "linear" ? Act::linear
                                          : Act::tanh;

    // The points, shuffled (Playground's Fisher–Yates, from the last position down), then split.
    Rng data_rng(spec_.seed ^ kDataSalt);
    Points2d all = draw_points_2d(spec_.dataset, spec_.points, spec_.noise, data_rng);
    for (std::size_t counter = all.size(); counter > 0; --counter) {
        const std::size_t index = std::size_t(data_rng.below(counter));
        std::swap(all.x1[counter - 1], all.x1[index]);
        std::swap(all.x2[counter - 1], all.x2[index]);
        std::swap(all.label[counter - 1], all.label[index]);
    }
    const std::size_t split = std::size_t(std::floor(double(all.size()) * spec_.train_ratio));
    for (std::size_t i = 0; i < all.size(); ++i) push(i < split ? train_ : test_, all.x1[i], all.x2[i], all.label[i]);
    if (spec_.max_batch > train_.size()) {
        refuse("--batch", double(spec_.max_batch), "at most the " + std::to_string(train_.size()) + " training points");
    }
    const std::size_t nf = spec_.features.size();
    for (const std::string& name : spec_.features) {
        feature_index_.push_back(std::size_t(std::find(std::begin(kFeatures), std::end(kFeatures), name) - std::begin(kFeatures)));
    }
    for (auto [points, features] : {std::pair{&train_, &train_features_}, std::pair{&test_, &test_features_}}) {
        features->resize(points->size() * nf);
        for (std::size_t i = 0; i < points->size(); ++i) features_of(points->x1[i], points->x2[i], &(*features)[i * nf]);
    }

    // The network: features → hidden... → 1, each layer's weight (in, out) and bias.
    sizes_.push_back(nf);
    sizes_.insert(sizes_.end(), spec_.hidden.begin(), spec_.hidden.end());
    sizes_.push_back(1);
    for (std::size_t k = 1; k < sizes_.size(); ++k) {
        store_.add("layer" + std::to_string(k) + ".weight", {sizes_[k - 1], sizes_[k]});
        store_.add("layer" + std::to_string(k) + ".bias", {sizes_[k]});
    }
    const float* base = store_.params().data();
    for (std::size_t k = 1; k < sizes_.size(); ++k) {
        w_at_.push_back(std::size_t(store_.param("layer" + std::to_string(k) + ".weight").data() - base));
        b_at_.push_back(std::size_t(store_.param("layer" + std::to_string(k) + ".bias").data() - base));
    }
    // Initial weights: the spec's initializer, its std from each layer's fans (the hidden
    // activation's gain; the output layer's too), drawn here with the plain log so that the page
    // draws them alike; biases 0 (the lecture's; Playground starts them at 0.1).
    const Nonlinearity nonlinearity = act_ == Act::relu      ? Nonlinearity::relu
                                      : act_ == Act::sigmoid ? Nonlinearity::sigmoid
                                      : act_ == Act::linear  ? Nonlinearity::linear
                                                             : Nonlinearity::tanh;
    const Init init = parse_init(spec_.init, nonlinearity);
    Rng init_rng(spec_.seed ^ kInitSalt);
    using K = Init::Kind;
    for (std::size_t k = 1; k < sizes_.size(); ++k) {
        const std::size_t in = sizes_[k - 1], out = sizes_[k];
        const double std = init.std_for(in, out);
        for (float& w : store_.param("layer" + std::to_string(k) + ".weight")) {
            switch (init.kind) {
                case K::zeros: w = 0; break;
                case K::constant: w = float(init.a); break;
                case K::uniform: w = float(uniform(init_rng, init.a, init.b)); break;
                case K::xavier_uniform:
                case K::he_uniform:
                case K::lecun_uniform: {
                    const double bound = std * std::sqrt(3.0);
                    w = float(uniform(init_rng, -bound, bound));
                    break;
                }
                case K::normal: w = float(init.a + init.b * standard_normal(init_rng)); break;
                default: w = float(std * standard_normal(init_rng)); break;  // xavier, he, lecun
            }
        }
    }
    w_.resize(store_.params().size());
    g_.resize(w_.size());
    std::size_t at = 0;
    for (std::size_t size : sizes_) {
        a_at_.push_back(at);
        at += size;
    }
    a_.resize(at);
    delta_.resize(at);
}

std::string Classify2d::describe() const {
    std::string net;
    for (std::size_t s : sizes_) net += (net.empty() ? "" : "-") + std::to_string(s);
    std::string features;
    for (const std::string& f : spec_.features) features += (features.empty() ? "" : ",") + f;
    return "2d-" + spec_.dataset + ": " + std::to_string(spec_.points) + " points (" + std::to_string(train_.size()) +
           " training), noise " + format_number(spec_.noise) + "; features " + features + "; " + net + " " +
           spec_.activation + " MLP, tanh output, ½(y − label)²; init " + spec_.init + ", L2 " + format_number(spec_.l2);
}

// By the features' positions in kFeatures (feature_index_), not their names: the heat map
// asks for 2 500 points a frame.
void Classify2d::features_of(double x1, double x2, double* f) const {
    for (std::size_t i = 0; i < feature_index_.size(); ++i) {
        switch (feature_index_[i]) {
            case 0: f[i] = x1; break;
            case 1: f[i] = x2; break;
            case 2: f[i] = x1 * x1; break;
            case 3: f[i] = x2 * x2; break;
            case 4: f[i] = x1 * x2; break;
            case 5: f[i] = plain::sin(x1); break;
            default: f[i] = plain::sin(x2); break;
        }
    }
}

void Classify2d::load_weights() {
    const std::span<const float> p = store_.params();
    for (std::size_t i = 0; i < p.size(); ++i) w_[i] = double(p[i]);
}

// One example: a_k = act(a_{k−1}·W_k + b_k), the last unit tanh. Sums run over the inputs in
// order, starting from the bias.
double Classify2d::forward(const double* input) {
    std::copy(input, input + sizes_[0], a_.begin());
    const std::size_t layers = sizes_.size() - 1;
    for (std::size_t k = 1; k <= layers; ++k) {
        const std::size_t in = sizes_[k - 1], out = sizes_[k];
        const double* w = &w_[w_at_[k - 1]];
        const double* b = &w_[b_at_[k - 1]];
        const double* x = &a_[a_at_[k - 1]];
        double* y = &a_[a_at_[k]];
        for (std::size_t j = 0; j < out; ++j) {
            double z = b[j];
            for (std::size_t i = 0; i < in; ++i) z += x[i] * w[i * out + j];
            if (k == layers) {
                y[j] = plain::tanh(z);
            } else {
                switch (act_) {
                    case Act::relu: y[j] = z > 0 ? z : 0.0; break;
                    case Act::tanh: y[j] = plain::tanh(z); break;
                    case Act::sigmoid: y[j] = plain::sigmoid(z); break;
                    case Act::linear: y[j] = z; break;
                }
            }
        }
    }
    return a_[a_at_.back()];
}

// dL/dz of the output unit is given; back through the layers, adding each weight's and bias's
// derivative to g_.
void Classify2d::backward(double d_output) {
    const std::size_t layers = sizes_.size() - 1;
    const double out_value = a_[a_at_.back()];
    delta_[a_at_.back()] = d_output * (1 - out_value * out_value);  // through the output's tanh
    for (std::size_t k = layers; k >= 1; --k) {
        const std::size_t in = sizes_[k - 1], out = sizes_[k];
        const double* w = &w_[w_at_[k - 1]];
        double* gw = &g_[w_at_[k - 1]];
        double* gb = &g_[b_at_[k - 1]];
        const double* x = &a_[a_at_[k - 1]];
        const double* d = &delta_[a_at_[k]];
        for (std::size_t j = 0; j < out; ++j) gb[j] += d[j];
        for (std::size_t i = 0; i < in; ++i) {
            for (std::size_t j = 0; j < out; ++j) gw[i * out + j] += x[i] * d[j];
        }
        if (k == 1) break;
        double* dx = &delta_[a_at_[k - 1]];
        for (std::size_t i = 0; i < in; ++i) {
            double sum = 0;
            for (std::size_t j = 0; j < out; ++j) sum += w[i * out + j] * d[j];
            const double a = x[i];
            switch (act_) {
                case Act::relu: dx[i] = a > 0 ? sum : 0.0; break;
                case Act::tanh: dx[i] = sum * (1 - a * a); break;
                case Act::sigmoid: dx[i] = sum * (a * (1 - a)); break;
                case Act::linear: dx[i] = sum; break;
            }
        }
    }
}

BatchResult Classify2d::train_batch(std::span<const std::uint32_t> batch, bool backward_pass) {
    load_weights();
    if (backward_pass) std::fill(g_.begin(), g_.end(), 0.0);
    const std::size_t nf = spec_.features.size();
    double loss = 0, correct = 0;
    for (std::uint32_t example : batch) {
        const double y = forward(&train_features_[std::size_t(example) * nf]);
        const double label = train_.label[example];
        loss += 0.5 * (y - label) * (y - label);
        correct += (y >= 0 ? 1.0 : -1.0) == label ? 1 : 0;
        if (backward_pass) backward(y - label);
    }
    const double rows = double(batch.size());
    if (backward_pass) {
        // The batch's mean, and λ·w for the weights (the L2 penalty λ/2·Σw², not in the loss
        // reported, as Playground reports it), added to the store's gradients.
        std::span<float> grads = store_.grads();
        for (std::size_t k = 0; k + 1 < sizes_.size(); ++k) {
            const std::size_t n = sizes_[k] * sizes_[k + 1];
            for (std::size_t i = w_at_[k]; i < w_at_[k] + n; ++i) g_[i] = g_[i] / rows + spec_.l2 * w_[i];
            for (std::size_t i = b_at_[k]; i < b_at_[k] + sizes_[k + 1]; ++i) g_[i] = g_[i] / rows;
        }
        for (std::size_t i = 0; i < grads.size(); ++i) grads[i] += float(g_[i]);
    }
    return {loss / rows, correct};
}

Evaluation Classify2d::mean_over(const Points2d& points) {
    load_weights();
    const std::vector<double>& features = &points == &train_ ? train_features_ : test_features_;
    const std::size_t nf = spec_.features.size();
    double loss = 0, correct = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const double y = forward(&features[i * nf]);
        loss += 0.5 * (y - points.label[i]) * (y - points.label[i]);
        correct += (y >= 0 ? 1.0 : -1.0) == points.label[i] ? 1 : 0;
    }
    const double n = double(points.size());
    return {loss / n, correct / n};
}

Evaluation Classify2d::evaluate(Split split) {
    if (split == Split::validation) throw InvalidArgument("problem 2d-" + spec_.dataset + " has no validation split");
    return mean_over(test_);
}

void Classify2d::output_grid(double x0, double x1, double y0, double y1, int nx, int ny, std::span<double> out) {
    if (nx < 2 || ny < 2 || out.size() < std::size_t(nx) * std::size_t(ny)) {
        throw InvalidArgument("output_grid: expected nx, ny >= 2 and room for nx × ny values");
    }
    load_weights();
    double f[std::size(kFeatures)];
    for (int j = 0; j < ny; ++j) {
        const double y = y0 + (y1 - y0) * j / (ny - 1);
        for (int i = 0; i < nx; ++i) {
            features_of(x0 + (x1 - x0) * i / (nx - 1), y, f);
            out[std::size_t(j) * std::size_t(nx) + std::size_t(i)] = forward(f);
        }
    }
}

std::uint64_t Classify2d::data_bytes() const {
    return (3 * (train_.size() + test_.size()) + train_features_.size() + test_features_.size()) * sizeof(double);
}

std::uint64_t Classify2d::model_bytes() const {
    return 2 * store_.params().size() * sizeof(float) + (w_.size() + g_.size() + a_.size() + delta_.size()) * sizeof(double);
}

// ---- a run, step by step ------------------------------------------------------------------

Classify2dRun::Classify2dRun(const Classify2dSpec& spec, std::string_view optimizer, const HyperParams& hyper,
                             Convention convention)
    : problem_(spec),
      optimizer_(make_model_optimizer<float>(optimizer, problem_.store(), hyper, convention)),
      sampler_(problem_.train_examples(), spec.max_batch, spec.seed + 3) {}

bool Classify2dRun::step(Losses& out) {
    if (stopped()) return false;
    if (batch_in_epoch_ == 0) sampler_.start_epoch();
    optimizer_->zero_grad();
    const auto batch = sampler_.batch(batch_in_epoch_);
    const BatchResult r = problem_.train_batch(batch, /*backward=*/true);
    bool finite = std::isfinite(r.loss);
    for (float g : problem_.store().grads()) finite = finite && std::isfinite(g);
    if (!finite) {
        stop_reason_ = "non-finite loss or gradient at step " + std::to_string(steps_ + 1) + " (loss " +
                       format_number(r.loss) + "); lower the learning rate";
        return false;
    }
    if (optimizer_->needs_closure()) {
        // L-BFGS: the same batch again as often as its step asks, as the training loop does (its
        // first call is the evaluation just made).
        bool evaluated = true;
        optimizer_->step([&]() -> double {
            if (std::exchange(evaluated, false)) return r.loss;
            optimizer_->zero_grad();
            return problem_.train_batch(batch, /*backward=*/true).loss;
        });
    } else {
        optimizer_->step();
    }
    ++steps_;
    if (++batch_in_epoch_ == sampler_.batches_per_epoch()) {
        sampler_.end_epoch();
        batch_in_epoch_ = 0;
    }
    optimizer_->eval();
    out = {r.loss, problem_.evaluate(Split::test).loss};
    optimizer_->train();
    return true;
}

}  // namespace optlab
