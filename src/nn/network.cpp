// SPDX-License-Identifier: MIT
#include "optlab/nn/network.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <cblas.h>

#include "../core/blas_threads.hpp"
#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"

namespace optlab::nn {

std::string NetSpec::sizes_string() const {
    std::string out;
    for (std::size_t i = 0; i < sizes.size(); ++i) out += (i ? "-" : "") + std::to_string(sizes[i]);
    return out;
}

std::vector<std::size_t> parse_net_sizes(std::string_view spec) {
    auto fail = [&](const std::string& why) {
        throw InvalidArgument("net '" + std::string(spec) + "': " + why +
                              " (expected sizes joined by '-', e.g. 784-100-100-10)");
    };
    std::vector<std::size_t> sizes;
    for (std::string_view item : split(spec, '-')) {
        try {
            sizes.push_back(std::size_t(parse_integer(item, "size", 1, 1'000'000)));
        } catch (const InvalidArgument&) {
            fail("'" + std::string(item) + "' is not an integer in 1..1000000");
        }
    }
    if (sizes.size() < 2) fail("needs at least an input and an output size");
    double params = 0;
    for (std::size_t i = 1; i < sizes.size(); ++i) params += double(sizes[i - 1] + 1) * double(sizes[i]);
    if (params > 1e9) fail("has more than 10^9 parameters");
    return sizes;
}

Activation parse_activation(std::string_view name) {
    if (name == "relu") return Activation::relu;
    if (name == "leaky-relu" || name == "leaky_relu") return Activation::leaky_relu;
    if (name == "sigmoid") return Activation::sigmoid;
    if (name == "tanh") return Activation::tanh;
    throw InvalidArgument("activation: unknown name '" + std::string(name) +
                          "' (expected relu, leaky-relu, sigmoid or tanh)");
}

std::string_view to_string(Activation a) {
    switch (a) {
        case Activation::relu: return "relu";
        case Activation::leaky_relu: return "leaky-relu";
        case Activation::sigmoid: return "sigmoid";
        case Activation::tanh: return "tanh";
    }
    return "?";
}

Nonlinearity nonlinearity_of(Activation a) {
    switch (a) {
        case Activation::relu: return Nonlinearity::relu;
        case Activation::leaky_relu: return Nonlinearity::leaky_relu;
        case Activation::sigmoid: return Nonlinearity::sigmoid;
        case Activation::tanh: return Nonlinearity::tanh;
    }
    return Nonlinearity::linear;
}

Loss parse_loss(std::string_view name) {
    if (name == "cross-entropy" || name == "cross_entropy") return Loss::cross_entropy;
    if (name == "mse") return Loss::mse;
    if (name == "binary-cross-entropy" || name == "bce") return Loss::binary_cross_entropy;
    throw InvalidArgument("loss: unknown name '" + std::string(name) +
                          "' (expected cross-entropy, mse or binary-cross-entropy)");
}

std::string_view to_string(Loss l) {
    switch (l) {
        case Loss::cross_entropy: return "cross-entropy";
        case Loss::mse: return "mse";
        case Loss::binary_cross_entropy: return "binary-cross-entropy";
    }
    return "?";
}

template <class T>
Network<T>::Network(const NetSpec& spec, std::size_t max_batch, std::uint64_t dropout_seed)
    : spec_(spec), max_batch_(max_batch), dropout_rng_(dropout_seed) {
    if (spec.sizes.size() < 2) throw InvalidArgument("network: needs at least two sizes");
    if (max_batch == 0) throw InvalidArgument("network: the batch size must be > 0");
    if (spec.sizes.back() > 256 && spec.loss == Loss::cross_entropy) {
        throw InvalidArgument("network: labels are bytes, so at most 256 classes");
    }
    const std::size_t n = spec.sizes.size() - 1;  // Linear layers
    std::size_t bn = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t in = spec.sizes[i], out = spec.sizes[i + 1];
        layers_.push_back(std::make_unique<Linear<T>>(store_, "layer" + std::to_string(i + 1), in, out));
        if (i + 1 == n) break;  // the last Linear feeds the loss directly
        if (spec.batchnorm) {
            layers_.push_back(std::make_unique<BatchNorm<T>>(store_, "bn" + std::to_string(++bn),
                                                             out, max_batch));
        }
        layers_.push_back(std::make_unique<ActivationLayer<T>>(spec.activation, out, spec.leaky_slope));
        if (spec.dropout > 0.0) {
            layers_.push_back(std::make_unique<Dropout<T>>(out, max_batch, spec.dropout, dropout_rng_));
        }
    }
    finish();
}

template <class T>
std::size_t Network<T>::Builder::features() const {
    return net_.layers_.empty() ? net_.spec_.sizes.front() : net_.layers_.back()->out_features();
}

template <class T>
Network<T>::Network(std::size_t in_features, Loss loss, std::size_t max_batch,
                    const std::function<void(Builder&)>& build, std::uint64_t dropout_seed)
    : max_batch_(max_batch), dropout_rng_(dropout_seed) {
    if (in_features == 0) throw InvalidArgument("network: the input must have at least one feature");
    if (max_batch == 0) throw InvalidArgument("network: the batch size must be > 0");
    spec_.sizes = {in_features};
    spec_.loss = loss;
    Builder builder(*this);
    build(builder);
    if (layers_.empty()) throw InvalidArgument("network: no layers");
    spec_.sizes.push_back(layers_.back()->out_features());
    if (loss == Loss::cross_entropy && num_classes() > 256) {
        throw InvalidArgument("network: labels are bytes, so at most 256 classes");
    }
    finish();
}

template <class T>
void Network<T>::finish() {
    const std::size_t max_batch = max_batch_;
    acts_.emplace_back(max_batch * spec_.sizes.front());
    for (const auto& layer : layers_) acts_.emplace_back(max_batch * layer->out_features());
    // No buffer for the gradient of the input: backward() never computes it.
    grads_.emplace_back();
    for (std::size_t i = 1; i < acts_.size(); ++i) grads_.emplace_back(acts_[i].size());
    probs_.resize(max_batch * num_classes());
    row_losses_.resize(max_batch);
    // Row shares on cache-line boundaries in every activation buffer (each starts on a line).
    row_grain_ = line_grain(in_features() * sizeof(T));
    for (const auto& layer : layers_) row_grain_ = std::lcm(row_grain_, line_grain(layer->out_features() * sizeof(T)));
    // Runs of layers that one parallel region can do without waiting between them.
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        const bool joins = i > 0 && layers_[i]->forward_by_rows() && layers_[i - 1]->forward_by_rows();
        if (joins) {
            forward_runs_.back().second = i + 1;
        } else {
            forward_runs_.emplace_back(i, i + 1);
        }
    }
    // A run whose activations for one part's rows would overflow the core's L2 cache walks
    // the part's rows in chunks of about 512 KiB of activations, each chunk through every
    // layer of the run: the CNN's first convolution writes 50 kB per image, which the pooling
    // after it then read back from L3. Smaller runs (the MLP's: ~1 kB per row) stay whole, as
    // their products are more efficient on more rows.
    for (const auto& [first, last] : forward_runs_) {
        std::size_t row_bytes = 0;
        for (std::size_t i = first; i < last; ++i) row_bytes += layers_[i]->out_features() * sizeof(T);
        // Decided on half a batch (a part's rows on two threads) whatever the thread count, so
        // a network runs the same way wherever it is built.
        const std::size_t budget = std::size_t(512) << 10, share = (max_batch + 1) / 2;
        const bool chunked = last - first > 1 && share * row_bytes > 2 * budget;
        forward_chunks_.push_back(chunked ? std::max<std::size_t>(1, budget / row_bytes) : 0);
    }
    for (std::size_t i = layers_.size(); i-- > 0;) {
        const bool joins = i + 1 < layers_.size() && layers_[i]->backward_by_rows() && layers_[i + 1]->dx_by_rows();
        if (joins) {
            backward_runs_.back().second = i;
        } else {
            backward_runs_.emplace_back(i + 1, i);
        }
    }
}

template <class T>
void Network<T>::init(const Init& weights, Rng& rng) {
    for (const auto& layer : layers_) layer->init(weights, rng);
}

// The products run side by side on optlab's threads, one BLAS thread each (BlasThreadScope,
// core/blas_threads.hpp): splitting a batch's rows between our threads keeps both cores busy
// through the elementwise layers too, where OpenBLAS's own threads would wait (and spin)
// between products.

template <class T>
const T* Network<T>::forward(const T* x, std::size_t rows, bool training) {
    if (rows == 0 || rows > max_batch_) {
        throw InvalidArgument("network: batch of " + std::to_string(rows) +
                              " rows (expected 1.." + std::to_string(max_batch_) + ")");
    }
    if (x != acts_[0].data()) std::copy(x, x + rows * in_features(), acts_[0].begin());
    layers_.front()->check_input(acts_[0].data(), rows);
    for (const auto& layer : layers_) layer->check_batch(rows, training);
    const BlasThreadScope one_blas_thread(1);
    for (std::size_t k = 0; k < forward_runs_.size(); ++k) {
        const std::size_t first = forward_runs_[k].first, last = forward_runs_[k].second;  // layers first .. last − 1
        const std::size_t chunk = forward_chunks_[k];
        parallel_run([&](Part part) {
            part.row_grain = row_grain_;
            auto layers = [&](Part piece) {
                for (std::size_t i = first; i < last; ++i) {
                    layers_[i]->forward_part(acts_[i].data(), acts_[i + 1].data(), rows, training, piece);
                }
            };
            const auto [r0, r1] = part.share_rows(rows);
            if (chunk == 0 || r1 - r0 <= chunk) return layers(part);
            for (std::size_t c0 = r0; c0 < r1; c0 += chunk) {
                Part piece = part;
                piece.chunked = true;
                piece.chunk_begin = c0;
                piece.chunk_end = std::min(r1, c0 + chunk);
                layers(piece);
            }
        });
    }
    return acts_.back().data();
}

// The losses: each row's on optlab's threads (the exponentials and logarithms are most of a
// small network's loss), into row_losses_, then added up here in row order, so the total does
// not depend on the number of threads.

template <class T>
double Network<T>::loss(const std::uint8_t* labels, std::size_t rows) {
    if (spec_.loss == Loss::binary_cross_entropy) {
        throw InvalidArgument("network: binary cross-entropy takes targets in [0, 1], not class labels");
    }
    const std::size_t c = num_classes();
    for (std::size_t r = 0; r < rows; ++r) {
        if (labels[r] >= c) {
            throw InvalidArgument("network: label " + std::to_string(labels[r]) + " in row " +
                                  std::to_string(r) + " is not below the " + std::to_string(c) +
                                  " classes");
        }
    }
    const T* z = acts_.back().data();
    const bool mse = spec_.loss == Loss::mse;
    parallel_run([&](Part part) {
        part.row_grain = row_grain_;
        const auto [r0, r1] = part.share_rows(rows);
        for (std::size_t r = r0; r < r1; ++r) {
            const T* zr = z + r * c;
            if (mse) {
                double sum = 0.0;
                for (std::size_t j = 0; j < c; ++j) {
                    const double d = double(zr[j]) - (j == labels[r] ? 1.0 : 0.0);
                    sum += d * d;
                }
                row_losses_[r] = sum;
                continue;
            }
            // log-softmax through the log-sum-exp of the shifted outputs
            const T m = *std::max_element(zr, zr + c);
            double sum = 0.0;
            for (std::size_t j = 0; j < c; ++j) sum += std::exp(double(zr[j] - m));
            const double lse = double(m) + std::log(sum);
            T* pr = probs_.data() + r * c;
            for (std::size_t j = 0; j < c; ++j) pr[j] = T(std::exp(double(zr[j]) - lse));
            row_losses_[r] = lse - double(zr[labels[r]]);  // −log softmax(z)[label]
        }
    });
    double total = 0.0;
    for (std::size_t r = 0; r < rows; ++r) total += row_losses_[r];
    return mse ? total / double(rows * c) : total / double(rows);
}

template <class T>
void Network<T>::backward(const std::uint8_t* labels, std::size_t rows) {
    const std::size_t c = num_classes();
    T* dz = grads_.back().data();
    const T* z = acts_.back().data();
    if (spec_.loss == Loss::mse) {
        const T scale = T(2.0 / double(rows * c));
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t j = 0; j < c; ++j) {
                dz[r * c + j] = scale * (z[r * c + j] - T(j == labels[r] ? 1 : 0));
            }
        }
    } else {
        const T inv_rows = T(1.0 / double(rows));
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t j = 0; j < c; ++j) {
                dz[r * c + j] = (probs_[r * c + j] - T(j == labels[r] ? 1 : 0)) * inv_rows;
            }
        }
    }
    backward_layers(rows);
}

template <class T>
double Network<T>::loss(const T* targets, std::size_t rows) {
    const std::size_t c = num_classes(), n = rows * c;
    const bool bce = spec_.loss == Loss::binary_cross_entropy;
    if (!bce && spec_.loss != Loss::mse) throw InvalidArgument("network: cross-entropy takes class labels, not targets");
    if (bce) {
        for (std::size_t i = 0; i < n; ++i) {
            const double t = double(targets[i]);
            if (!(t >= 0.0 && t <= 1.0)) {
                throw InvalidArgument("network: target " + format_number(t) + " in row " + std::to_string(i / c) +
                                      " is not in [0, 1]");
            }
        }
    }
    const T* z = acts_.back().data();
    parallel_run([&](Part part) {
        part.row_grain = row_grain_;
        const auto [r0, r1] = part.share_rows(rows);
        for (std::size_t r = r0; r < r1; ++r) {
            double sum = 0.0;
            for (std::size_t i = r * c; i < (r + 1) * c; ++i) {
                const double zi = double(z[i]), t = double(targets[i]);
                if (bce) {
                    sum += std::max(zi, 0.0) - zi * t + std::log1p(std::exp(-std::abs(zi)));
                    probs_[i] = T(1.0 / (1.0 + std::exp(-zi)));  // σ(z), for backward
                } else {
                    sum += (zi - t) * (zi - t);
                }
            }
            row_losses_[r] = sum;
        }
    });
    double total = 0.0;
    for (std::size_t r = 0; r < rows; ++r) total += row_losses_[r];
    return total / double(n);
}

template <class T>
void Network<T>::backward(const T* targets, std::size_t rows) {
    const std::size_t n = rows * num_classes();
    const T* z = acts_.back().data();
    T* dz = grads_.back().data();
    const T scale = T((spec_.loss == Loss::mse ? 2.0 : 1.0) / double(n));
    for (std::size_t i = 0; i < n; ++i) {
        dz[i] = spec_.loss == Loss::mse ? scale * (z[i] - targets[i]) : (probs_[i] - targets[i]) * scale;
    }
    backward_layers(rows);
}

template <class T>
void Network<T>::backward_layers(std::size_t rows) {
    const BlasThreadScope one_blas_thread(1);
    for (const auto& run : backward_runs_) {  // layers run.first − 1 down to run.second
        parallel_run([&](Part part) {
            part.row_grain = row_grain_;
            for (std::size_t i = run.first; i-- > run.second;) {
                // The input needs no gradient: the first layer skips its dx product.
                T* dx = i == 0 ? nullptr : grads_[i].data();
                layers_[i]->backward_part(acts_[i].data(), acts_[i + 1].data(), grads_[i + 1].data(), dx, rows,
                                          part);
            }
        });
    }
}

template <class T>
std::size_t Network<T>::count_correct(const std::uint8_t* labels, std::size_t rows) const {
    const std::size_t c = num_classes();
    const T* z = acts_.back().data();
    std::size_t correct = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* zr = z + r * c;
        correct += std::size_t(std::max_element(zr, zr + c) - zr) == labels[r];
    }
    return correct;
}

template <class T>
std::vector<std::pair<std::string, std::vector<T>*>> Network<T>::buffers() {
    std::vector<std::pair<std::string, std::vector<T>*>> out;
    for (const auto& layer : layers_) {
        if (auto* bn = dynamic_cast<BatchNorm<T>*>(layer.get())) {
            out.emplace_back(bn->prefix() + ".running_mean", &bn->running_mean());
            out.emplace_back(bn->prefix() + ".running_var", &bn->running_var());
        }
    }
    return out;
}

template <class T>
std::size_t Network<T>::activation_bytes() const {
    std::size_t n = probs_.size();
    for (const auto& a : acts_) n += a.size();
    for (const auto& g : grads_) n += g.size();
    std::size_t kept = 0;  // what the layers keep for backward: patches, masks, x̂
    for (const auto& layer : layers_) kept += layer->activation_bytes();
    return n * sizeof(T) + kept;
}

template <class T>
std::string Network<T>::describe() const {
    std::string out;
    for (const auto& layer : layers_) out += (out.empty() ? "" : " → ") + layer->name();
    return out;
}

template class Network<float>;
template class Network<double>;

}  // namespace optlab::nn
