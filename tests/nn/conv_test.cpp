// SPDX-License-Identifier: MIT
// The image and embedding layers and binary cross-entropy: backward against central finite
// differences in float64, the same numbers on any number of threads, bad shapes and ids
// refused by name, and the embedding's rows seen, which SparseAdam steps alone.
#include <cblas.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <vector>

#include "optlab/core/error.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/core/simd.hpp"
#include "optlab/init/initializers.hpp"
#include "optlab/nn/conv.hpp"
#include "optlab/nn/embedding.hpp"
#include "optlab/nn/network.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab::nn {
namespace {

template <class T>
using Builder = typename Network<T>::Builder;

// A small network of the new layers, its input and its targets.
struct Model {
    const char* name;
    std::size_t in_features;
    Loss loss;
    std::size_t outputs;
    bool ids;  // the input is token ids (an Embedding first)
    std::function<void(Builder<double>&)> build_double;
    std::function<void(Builder<float>&)> build_float;
};
void PrintTo(const Model& m, std::ostream* os) { *os << m.name; }

template <class T>
void conv_net(Builder<T>& add) {  // two convolutions, so the first's dL/dx path is exercised
    ImageShape s{6, 5, 2};
    s = add.add(std::make_unique<Conv2d<T>>(add.store(), "conv1", s, 3, 3, 1, 1, add.max_batch())).out_shape();
    add.add(std::make_unique<ActivationLayer<T>>(Activation::tanh, s.size()));
    s = add.add(std::make_unique<Conv2d<T>>(add.store(), "conv2", s, 4, 3, 2, 1, add.max_batch())).out_shape();
    s = add.add(std::make_unique<Pool2d<T>>(Pooling::max, s, 2, 1, add.max_batch())).out_shape();
    add.add(std::make_unique<Flatten<T>>(s));
    add.add(std::make_unique<Linear<T>>(add.store(), "linear", s.size(), 3));
}
template <class T>
void avg_net(Builder<T>& add) {
    ImageShape s{5, 7, 3};
    s = add.add(std::make_unique<Conv2d<T>>(add.store(), "conv", s, 2, 2, 1, 0, add.max_batch())).out_shape();
    add.add(std::make_unique<ActivationLayer<T>>(Activation::sigmoid, s.size()));
    s = add.add(std::make_unique<Pool2d<T>>(Pooling::average, s, 2, 2, add.max_batch())).out_shape();
    add.add(std::make_unique<Flatten<T>>(s));
    add.add(std::make_unique<Linear<T>>(add.store(), "linear", s.size(), 3));
}
template <class T>
void embedding_net(Builder<T>& add) {
    add.add(std::make_unique<Embedding<T>>(add.store(), "embedding", 9, 4, 3));
    add.add(std::make_unique<Linear<T>>(add.store(), "hidden", 12, 6));
    add.add(std::make_unique<ActivationLayer<T>>(Activation::tanh, 6));
    add.add(std::make_unique<Linear<T>>(add.store(), "out", 6, 9));
}
template <class T>
void autoencoder_net(Builder<T>& add) {
    add.add(std::make_unique<Linear<T>>(add.store(), "encoder", 8, 3));
    add.add(std::make_unique<ActivationLayer<T>>(Activation::relu, 3));
    add.add(std::make_unique<Linear<T>>(add.store(), "decoder", 3, 8));
}

const Model kModels[] = {
    {"conv_maxpool", 60, Loss::cross_entropy, 3, false, conv_net<double>, conv_net<float>},
    {"conv_avgpool_mse", 105, Loss::mse, 3, false, avg_net<double>, avg_net<float>},
    {"embedding", 3, Loss::cross_entropy, 9, true, embedding_net<double>, embedding_net<float>},
    {"autoencoder_bce", 8, Loss::binary_cross_entropy, 8, false, autoencoder_net<double>, autoencoder_net<float>},
};

template <class T>
std::vector<T> input_of(const Model& m, std::size_t rows, Rng& rng) {
    std::vector<T> x(rows * m.in_features);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = m.ids ? T((i * 5 + i / 7) % 9) : T(rng.normal());
    return x;
}

template <class T>
struct Targets {
    std::vector<std::uint8_t> labels;
    std::vector<T> values;
};
template <class T>
Targets<T> targets_of(const Model& m, std::size_t rows) {
    Targets<T> t;
    for (std::size_t r = 0; r < rows; ++r) t.labels.push_back(std::uint8_t(r * 7 % m.outputs));
    for (std::size_t i = 0; i < rows * m.outputs; ++i) t.values.push_back(T(double(i * 37 % 101) / 100.0));
    return t;
}

template <class T>
double loss_of(Network<T>& net, const Model& m, const Targets<T>& t, std::size_t rows) {
    return m.loss == Loss::cross_entropy ? net.loss(t.labels.data(), rows) : net.loss(t.values.data(), rows);
}
template <class T>
void backward_of(Network<T>& net, const Model& m, const Targets<T>& t, std::size_t rows) {
    if (m.loss == Loss::cross_entropy) {
        net.backward(t.labels.data(), rows);
    } else {
        net.backward(t.values.data(), rows);
    }
}

class Gradients : public ::testing::TestWithParam<Model> {};

TEST_P(Gradients, BackwardMatchesFiniteDifferences) {
    const Model& m = GetParam();
    const std::size_t rows = 5;
    Network<double> net(m.in_features, m.loss, rows, m.build_double);
    Rng rng(4);
    net.init(parse_init("normal:0,0.7"), rng);
    const std::vector<double> x = input_of<double>(m, rows, rng);
    const Targets<double> t = targets_of<double>(m, rows);
    auto loss = [&] {
        net.forward(x.data(), rows, true);
        return loss_of(net, m, t, rows);
    };
    net.store().zero_grad();
    loss();
    backward_of(net, m, t, rows);
    const std::vector<double> analytic(net.store().grads().begin(), net.store().grads().end());
    auto params = net.store().params();
    const double h = 1e-6;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const double keep = params[i];
        params[i] = keep + h;
        const double up = loss();
        params[i] = keep - h;
        const double down = loss();
        params[i] = keep;
        const double numeric = (up - down) / (2 * h);
        EXPECT_NEAR(analytic[i], numeric, 1e-6 + 1e-5 * std::abs(numeric)) << m.name << ": parameter " << i;
    }
}

// The batch split between threads (images for the convolutions' patches and dL/dx, W's rows
// for dW, the table's rows for the embedding's gradient): the same numbers on 1, 2 and 3
// threads, up to the BLAS's rounding for blocks of other heights; identical run to run.
template <class T>
void expect_same_on_any_threads(const Model& m) {
    auto run = [&](int threads, std::size_t rows) {
        set_num_threads(threads);
        std::function<void(Builder<T>&)> build;
        if constexpr (std::is_same_v<T, float>) {
            build = m.build_float;
        } else {
            build = m.build_double;
        }
        Network<T> net(m.in_features, m.loss, 16, build);
        Rng rng(9);
        net.init(parse_init("he-normal"), rng);
        const std::vector<T> x = input_of<T>(m, rows, rng);
        const Targets<T> t = targets_of<T>(m, rows);
        net.store().zero_grad();
        const T* y = net.forward(x.data(), rows, true);
        std::vector<T> out(y, y + rows * m.outputs);
        loss_of(net, m, t, rows);
        backward_of(net, m, t, rows);
        out.insert(out.end(), net.store().grads().begin(), net.store().grads().end());
        return out;
    };
    for (std::size_t rows : {std::size_t{1}, std::size_t{3}, std::size_t{16}}) {
        const std::vector<T> one = run(1, rows);
        for (int threads : {2, 3}) {
            const std::vector<T> many = run(threads, rows);
            ASSERT_EQ(one.size(), many.size());
            const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-13;
            for (std::size_t i = 0; i < one.size(); ++i) {
                ASSERT_NEAR(double(one[i]), double(many[i]), tolerance * (1 + std::abs(double(one[i]))))
                    << m.name << ", " << rows << " rows, " << threads << " threads, element " << i;
            }
            EXPECT_EQ(many, run(threads, rows)) << m.name;
        }
    }
    set_num_threads(2);
}

TEST_P(Gradients, SplittingTheBatchChangesNothingFloat) { expect_same_on_any_threads<float>(GetParam()); }
TEST_P(Gradients, SplittingTheBatchChangesNothingDouble) { expect_same_on_any_threads<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Layers, Gradients, ::testing::ValuesIn(kModels),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ImageLayers, ShapesFollowTorchsFormula) {
    ParamStore<float> store;
    // ⌊(H + 2p − k)/s⌋ + 1
    EXPECT_EQ((Conv2d<float>(store, "a", {28, 28, 1}, 16, 3, 1, 1, 1).out_shape().height), 28u);
    EXPECT_EQ((Conv2d<float>(store, "b", {7, 6, 2}, 3, 3, 2, 1, 1).out_shape().width), 3u);
    EXPECT_EQ((Pool2d<float>(Pooling::max, {7, 7, 4}, 2, 2, 1).out_shape().height), 3u);
    EXPECT_EQ((Pool2d<float>(Pooling::average, {5, 6, 2}, 3, 1, 1).out_shape().size()), 3u * 4 * 2);
    EXPECT_EQ(store.info(store.index_of("a.weight")).shape, (std::vector<std::size_t>{9, 16}));
}

// One Conv2d's forward and backward on `rows` images, its work split into `parts` parts run
// one after another (as the network's threads would, each writing only its share); returns y,
// then dW, db and dx.
std::vector<float> conv_pass(ImageShape in, std::size_t out_channels, std::size_t k, std::size_t padding,
                             std::size_t rows, std::size_t parts, bool* direct) {
    // One BLAS thread, as inside a Network: the im2col path's products then run on this
    // thread (OpenBLAS's own workers are invisible to ThreadSanitizer's bookkeeping).
    const int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    ParamStore<float> store;
    Conv2d<float> conv(store, "conv", in, out_channels, k, 1, padding, rows);
    *direct = conv.direct();
    Rng rng(5);
    for (float& v : store.params()) v = float(rng.normal());
    std::vector<float> x(rows * in.size()), y(rows * conv.out_features()), dy(y.size()), dx(x.size());
    for (float& v : x) v = float(rng.normal());
    for (float& v : dy) v = float(rng.normal());
    for (std::size_t i = 0; i < parts; ++i) conv.forward_part(x.data(), y.data(), rows, true, Part{i, parts});
    for (std::size_t i = 0; i < parts; ++i) {
        conv.backward_part(x.data(), y.data(), dy.data(), dx.data(), rows, Part{i, parts});
    }
    std::vector<float> out = y;
    out.insert(out.end(), store.grads().begin(), store.grads().end());
    out.insert(out.end(), dx.begin(), dx.end());
    openblas_set_num_threads(blas_threads);
    return out;
}

// The direct kernels (AVX2) against im2col and OpenBLAS, on shapes that take every block of
// columns (16, 8 and the single last ones) and of pixels and dW rows (6 down to 1), kernels
// 1, 3 and 5 with and without padding; and the same numbers however the work is split (dW over
// several chunks of images on the CNN's shapes).
TEST(ImageLayers, DirectKernelsMatchIm2colOnEveryBlockShape) {
    struct Shape {
        ImageShape in;
        std::size_t out_channels, k, padding;
    };
    const Shape shapes[] = {
        {{14, 14, 16}, 32, 3, 1},  // fmnist-cnn's second convolution
        {{28, 28, 1}, 16, 3, 1},   // and its first
        {{7, 5, 3}, 27, 3, 1},     // 16 + 8 + 3 columns; dx's 3 columns one at a time
        {{6, 9, 8}, 8, 5, 2},      // dx: 8 columns, a border of 2
        {{9, 6, 5}, 13, 5, 0},     // no padding: dx's border is k − 1
        {{4, 4, 24}, 40, 1, 0},    // a 1×1 window
        {{5, 3, 2}, 1, 3, 2},      // one output column; padding k − 1
    };
    for (const Shape& s : shapes) {
        const std::string what = s.in.to_string() + " → " + std::to_string(s.out_channels) + ", k=" +
                                  std::to_string(s.k) + ", p=" + std::to_string(s.padding);
        // The CNN's shapes on 20 images: dW's sums then run over several chunks of images,
        // shared by the parts, and added in chunk order.
        const std::size_t rows = s.in.size() >= 784 ? 20 : 5;
        bool direct = false, im2col_direct = true;
        const std::vector<float> one = conv_pass(s.in, s.out_channels, s.k, s.padding, rows, 1, &direct);
        if (!direct) GTEST_SKIP() << "this CPU (or OPTLAB_SIMD) has no AVX2 and FMA: Conv2d takes im2col only";
        for (std::size_t parts : {2, 3}) {
            bool d = false;
            EXPECT_EQ(one, conv_pass(s.in, s.out_channels, s.k, s.padding, rows, parts, &d)) << what << ", " << parts;
        }
        set_simd_target(SimdTarget::baseline);
        const std::vector<float> reference = conv_pass(s.in, s.out_channels, s.k, s.padding, rows, 1, &im2col_direct);
        set_simd_target(best_simd_target());
        ASSERT_FALSE(im2col_direct);
        ASSERT_EQ(one.size(), reference.size());
        // Sums of up to 25·24 = 600 products of normal numbers: the two orders of summation
        // differ by a few float ulps of the largest partial sum.
        for (std::size_t i = 0; i < one.size(); ++i) {
            ASSERT_NEAR(one[i], reference[i], 2e-4f * (1.0f + std::abs(reference[i]))) << what << ", element " << i;
        }
    }
}

// Numbers with ties, zeros of both signs, negatives and a NaN: what a max-pool after a ReLU sees.
std::vector<float> awkward_numbers(std::size_t n, Rng& rng) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double u = rng.uniform();
        v[i] = u < 0.2 ? 0.0f : u < 0.3 ? -0.0f : u < 0.4 ? 1.5f : float(rng.normal());
    }
    v[n / 3] = std::nanf("");
    return v;
}

// A max-pool's forward (y) and backward (dx), on `rows` images.
std::vector<float> pool_pass(ImageShape in, std::size_t kernel, std::size_t stride, std::size_t rows, bool relu) {
    Pool2d<float> pool(Pooling::max, in, kernel, stride, rows, relu);
    Rng rng(11);
    const std::vector<float> x = awkward_numbers(rows * in.size(), rng);
    std::vector<float> y(rows * pool.out_features()), dx(x.size());
    std::vector<float> dy = awkward_numbers(y.size(), rng);
    dy[1] = std::numeric_limits<float>::infinity();  // stays where it goes, no NaN beside it
    pool.forward_part(x.data(), y.data(), rows, true, Part{});
    pool.backward_part(x.data(), y.data(), dy.data(), dx.data(), rows, Part{});
    y.insert(y.end(), dx.begin(), dx.end());
    return y;
}

// The AVX2 max-pool (float, channels in 8s) against the loops every other case takes: the same
// bits, NaN and the sign of zero included, with tiling windows (its own backward too) and
// overlapping ones.
TEST(ImageLayers, MaxPoolKernelGivesTheLoopsBits) {
    if (!simd_supported(SimdTarget::avx2)) GTEST_SKIP() << "no AVX2 on this CPU";
    struct Shape {
        ImageShape in;
        std::size_t kernel, stride;
    };
    for (const Shape& s : {Shape{{28, 28, 16}, 2, 2}, Shape{{14, 14, 32}, 2, 2}, Shape{{7, 9, 24}, 3, 2},
                           Shape{{9, 9, 8}, 3, 3}, Shape{{6, 6, 8}, 2, 1}}) {
        for (bool relu : {false, true}) {
            const std::vector<float> fast = pool_pass(s.in, s.kernel, s.stride, 3, relu);
            set_simd_target(SimdTarget::baseline);
            const std::vector<float> loops = pool_pass(s.in, s.kernel, s.stride, 3, relu);
            set_simd_target(best_simd_target());
            ASSERT_EQ(fast.size(), loops.size());
            EXPECT_EQ(std::memcmp(fast.data(), loops.data(), fast.size() * sizeof(float)), 0)
                << s.in.to_string() << ", kernel " << s.kernel << ", stride " << s.stride << ", relu " << relu;
        }
    }
}

// fmnist-cnn runs each ReLU after its max-pool. max(relu(a), relu(b)) = relu(max(a, b)), and
// both orders send the gradient to the window's first largest input when it is positive and
// nowhere otherwise: equal outputs and gradients (== : a window of −0 and a negative gives −0
// one way and +0 the other). The pool with the ReLU fused into it gives pool-then-ReLU's bits.
TEST(ImageLayers, ReluAfterMaxPoolIsReluBeforeIt) {
    const ImageShape in{8, 6, 16};
    const std::size_t rows = 4;
    Rng rng(3);
    const std::vector<float> x = awkward_numbers(rows * in.size(), rng);
    Pool2d<float> pool(Pooling::max, in, 2, 2, rows);
    const std::size_t n_out = rows * pool.out_features();
    std::vector<float> dy(n_out);
    for (float& g : dy) g = float(rng.normal());
    ActivationLayer<float> relu_in(Activation::relu, in.size()), relu_out(Activation::relu, pool.out_features());
    // ReLU, then pool (torch's order)
    std::vector<float> r(x.size()), y1(n_out), dr(x.size()), dx1(x.size());
    relu_in.forward_part(x.data(), r.data(), rows, true, Part{});
    pool.forward_part(r.data(), y1.data(), rows, true, Part{});
    pool.backward_part(r.data(), y1.data(), dy.data(), dr.data(), rows, Part{});
    relu_in.backward_part(x.data(), r.data(), dr.data(), dx1.data(), rows, Part{});
    // pool, then ReLU
    std::vector<float> m(n_out), y2(n_out), dm(n_out), dx2(x.size());
    pool.forward_part(x.data(), m.data(), rows, true, Part{});
    relu_out.forward_part(m.data(), y2.data(), rows, true, Part{});
    relu_out.backward_part(m.data(), y2.data(), dy.data(), dm.data(), rows, Part{});
    pool.backward_part(x.data(), m.data(), dm.data(), dx2.data(), rows, Part{});
    // the pool with the ReLU fused into it: the same bits as pool, then ReLU
    Pool2d<float> fused(Pooling::max, in, 2, 2, rows, /*relu=*/true);
    std::vector<float> y3(n_out), dx3(x.size());
    fused.forward_part(x.data(), y3.data(), rows, true, Part{});
    fused.backward_part(x.data(), y3.data(), dy.data(), dx3.data(), rows, Part{});
    EXPECT_EQ(std::memcmp(y2.data(), y3.data(), n_out * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(dx2.data(), dx3.data(), x.size() * sizeof(float)), 0);
    for (std::size_t i = 0; i < n_out; ++i) {
        if (std::isnan(y1[i])) {
            EXPECT_TRUE(std::isnan(y2[i])) << i;
        } else {
            EXPECT_EQ(y1[i], y2[i]) << "output " << i;
        }
    }
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(dx1[i], dx2[i]) << "gradient " << i;
        nonzero += dx1[i] != 0.0f;
    }
    EXPECT_GT(nonzero, x.size() / 8);  // the gradients compared are not all zero
}

// A CNN's forward run holds ~120 kB of activations per image, so the network walks each
// thread's rows in chunks of a few images through all its layers (nn::Network's forward). A
// chunk's rows must come out as each row alone does: no chunk reads or writes another's rows.
TEST(ImageLayers, ChunkedForwardGivesEachRowWhatItGivesAlone) {
    auto build = [](Builder<float>& add) {
        ImageShape s{28, 28, 1};
        s = add.add(std::make_unique<Conv2d<float>>(add.store(), "conv1", s, 16, 3, 1, 1, add.max_batch())).out_shape();
        s = add.add(std::make_unique<Pool2d<float>>(Pooling::max, s, 2, 2, add.max_batch(), true)).out_shape();
        s = add.add(std::make_unique<Conv2d<float>>(add.store(), "conv2", s, 32, 3, 1, 1, add.max_batch())).out_shape();
        s = add.add(std::make_unique<Pool2d<float>>(Pooling::max, s, 2, 2, add.max_batch())).out_shape();
        add.add(std::make_unique<ActivationLayer<float>>(Activation::relu, s.size()));
        add.add(std::make_unique<Flatten<float>>(s));
        add.add(std::make_unique<Linear<float>>(add.store(), "linear", s.size(), 10));
    };
    const std::size_t rows = 48;
    Rng rng(21);
    std::vector<float> x(rows * 784);
    for (float& v : x) v = float(rng.uniform());
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        Network<float> net(784, Loss::cross_entropy, rows, build);
        Rng init(4);
        net.init(parse_init("he-normal"), init);
        const float* y = net.forward(x.data(), rows, true);
        const std::vector<float> batch(y, y + rows * 10);
        for (std::size_t r = 0; r < rows; ++r) {
            const float* alone = net.forward(x.data() + r * 784, 1, true);
            for (std::size_t j = 0; j < 10; ++j) {
                // the Linear's product on 1 row or on a chunk's: OpenBLAS may round differently
                ASSERT_NEAR(batch[r * 10 + j], alone[j], 1e-5f * (1.0f + std::abs(alone[j])))
                    << threads << " threads, row " << r << ", output " << j;
            }
        }
    }
    set_num_threads(2);
}

TEST(ImageLayers, RefuseWindowsThatDoNotFit) {
    ParamStore<float> store;
    EXPECT_THROW(Conv2d<float>(store, "c", {2, 2, 1}, 4, 3, 1, 0, 1), InvalidArgument);
    EXPECT_THROW(Conv2d<float>(store, "d", {5, 5, 1}, 4, 3, 0, 1, 1), InvalidArgument);
    EXPECT_THROW(Conv2d<float>(store, "e", {5, 5, 1}, 4, 3, 1, 3, 1), InvalidArgument);
    EXPECT_THROW(Pool2d<float>(Pooling::max, {1, 4, 2}, 2, 2, 1), InvalidArgument);
    try {
        Conv2d<float>(store, "conv9", {2, 2, 1}, 4, 3, 1, 0, 1);
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("conv9"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("2×2×1"), std::string::npos) << e.what();
    }
}

TEST(Embedding, RefusesIdsOutsideItsVocabularyNamingTheRow) {
    Network<float> net(3, Loss::cross_entropy, 2, embedding_net<float>);
    const float good[] = {0, 8, 3, 1, 2, 3};
    EXPECT_NO_THROW(net.forward(good, 2, true));
    for (float bad : {9.0f, -1.0f, 2.5f, NAN}) {
        const float x[] = {0, 1, 2, 1, bad, 3};
        try {
            net.forward(x, 2, true);
            ADD_FAILURE() << "id " << bad << " accepted";
        } catch (const InvalidArgument& e) {
            EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("[0, 9)"), std::string::npos) << e.what();
        }
    }
}

TEST(Embedding, OnlyTheRowsOfIdsSeenGetAGradient) {
    Network<double> net(3, Loss::cross_entropy, 2, embedding_net<double>);
    Rng rng(1);
    net.init(parse_init("he-normal"), rng);
    const double x[] = {0, 4, 4, 7, 0, 2};
    const std::uint8_t labels[] = {1, 5};
    net.store().zero_grad();
    net.forward(x, 2, true);
    net.loss(labels, 2);
    net.backward(labels, 2);
    const auto grad = net.store().view(net.store().index_of("embedding.weight")).grad;
    for (std::size_t id = 0; id < 9; ++id) {
        double norm = 0;
        for (std::size_t d = 0; d < 4; ++d) norm += std::abs(grad[id * 4 + d]);
        const bool seen = id == 0 || id == 2 || id == 4 || id == 7;
        EXPECT_EQ(norm > 0, seen) << "row " << id;
    }
}

// The rows seen are marked in the store (on any number of threads), an optimizer's zero_grad
// forgets them, and SparseAdam moves only them — moments included — where Adam moves a row
// seen once on every later step (its momentum), as torch's two do on a sparse and a dense
// gradient. The dense layers' tensors get every row from both.
TEST(Embedding, MarksTheRowsSeenAndSparseAdamMovesOnlyThose) {
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        std::map<std::string, std::vector<double>> moved_rows;
        for (const char* optimizer : {"sparse-adam", "adam"}) {
            Network<double> net(3, Loss::cross_entropy, 2, embedding_net<double>);
            Rng rng(1);
            net.init(parse_init("he-normal"), rng);
            ParamStore<double>& store = net.store();
            const std::size_t e = store.index_of("embedding.weight");
            auto opt = make_optimizer<double>(optimizer, store, HyperParams{{"lr", 0.1}});
            const double first[] = {0, 4, 4, 7, 0, 2}, second[] = {1, 1, 3, 8, 3, 1};
            const std::uint8_t labels[] = {1, 5};
            std::vector<double> after_first;
            for (const double* x : {first, second}) {
                opt->zero_grad();
                for (std::uint8_t seen : store.rows_seen(e)) EXPECT_EQ(seen, 0);
                net.forward(x, 2, true);
                net.loss(labels, 2);
                net.backward(labels, 2);
                for (std::size_t id = 0; id < 9; ++id) {
                    EXPECT_EQ(store.rows_seen(e)[id] != 0, std::count(x, x + 6, double(id)) > 0)
                        << "row " << id << " on " << threads << " threads";
                }
                const std::vector<double> before(store.params().begin(), store.params().end());
                opt->step();
                const std::size_t dense_begin = store.info(e).offset + store.info(e).size;
                for (std::size_t i = dense_begin; i < store.arena_size(); ++i) EXPECT_NE(store.params()[i], before[i]);
                std::vector<double> moved;
                for (std::size_t id = 0; id < 9; ++id) {
                    const auto row = store.view(e).param.subspan(id * 4, 4);
                    moved.push_back(!std::equal(row.begin(), row.end(), before.begin() + store.info(e).offset + id * 4));
                }
                moved_rows[optimizer] = moved;
            }
        }
        // The second batch's rows are 1, 3 and 8: SparseAdam moves those only; Adam also the
        // first batch's 0, 2, 4 and 7, whose moments carry them on.
        EXPECT_EQ(moved_rows["sparse-adam"], (std::vector<double>{0, 1, 0, 1, 0, 0, 0, 0, 1}));
        EXPECT_EQ(moved_rows["adam"], (std::vector<double>{1, 1, 1, 1, 1, 0, 0, 1, 1}));
    }
    set_num_threads(2);
}

TEST(BinaryCrossEntropy, IsStableForLargeLogitsAndRefusesTargetsOutsideZeroOne) {
    Network<double> net(8, Loss::binary_cross_entropy, 1, autoencoder_net<double>);
    for (double& w : net.store().params()) w = 0;
    auto bias = net.store().view(net.store().index_of("decoder.bias")).param;
    bias[0] = 800;   // log(1 + e^800) would overflow written naively
    bias[1] = -800;
    const double x[8] = {};
    net.forward(x, 1, true);
    double t[8] = {1, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    EXPECT_NEAR(net.loss(t, 1), 6 * std::log(2.0) / 8, 1e-12);  // the two saturated outputs cost 0
    t[0] = 0;  // now the first output is wrong by 800 nats
    EXPECT_NEAR(net.loss(t, 1), (800 + 6 * std::log(2.0)) / 8, 1e-9);
    t[3] = 1.5;
    EXPECT_THROW(net.loss(t, 1), InvalidArgument);
    const std::uint8_t labels[] = {0};
    EXPECT_THROW(net.loss(labels, 1), InvalidArgument);
}

}  // namespace
}  // namespace optlab::nn

namespace optlab::nn {
namespace {

// The float tanh is evaluated in double with plain arithmetic (vectorised): within an ulp of
// the correctly rounded tanh everywhere, odd, saturating at ±1, NaN through, and the same bits
// under every instruction set the CPU has.
TEST(Tanh, FloatIsWithinAnUlpOfTheCorrectlyRoundedValueOnEveryInstructionSet) {
    std::vector<float> x = {0.0f, -0.0f, 1e-30f, 1e-8f, 3e-4f, 0.4999999f, 0.5f, 0.5000001f, 9.0f, 9.01f,
                            19.99f, 20.0f, 20.5f, 88.0f, 1e30f, INFINITY};
    for (float v = 1e-6f; v < 30.0f; v *= 1.0037f) x.push_back(v);
    const std::size_t half = x.size();
    for (std::size_t i = 0; i < half; ++i) x.push_back(-x[i]);
    x.push_back(NAN);
    ActivationLayer<float> tanh(Activation::tanh, x.size());
    std::vector<float> y(x.size());
    std::vector<std::vector<float>> per_target;
    for (SimdTarget t : {SimdTarget::baseline, SimdTarget::avx2, SimdTarget::avx512}) {
        if (!simd_supported(t)) continue;
        set_simd_target(t);
        tanh.forward(x.data(), y.data(), 1, false);
        per_target.push_back(y);
    }
    set_simd_target(best_simd_target());
    for (const auto& other : per_target) {
        EXPECT_EQ(std::memcmp(other.data(), per_target[0].data(), y.size() * sizeof(float)), 0);
    }
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        const float want = float(std::tanh(double(x[i])));
        const float got = per_target[0][i];
        EXPECT_TRUE(got == want || got == std::nextafter(want, 2.0f) || got == std::nextafter(want, -2.0f))
            << "tanh(" << x[i] << ") = " << got << ", correctly rounded " << want;
        EXPECT_EQ(std::signbit(got), std::signbit(x[i])) << x[i];
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::isinf(x[i])) {
            EXPECT_EQ(per_target[0][i], x[i] > 0 ? 1.0f : -1.0f) << x[i];
        }
    }
    EXPECT_TRUE(std::isnan(per_target[0].back()));
}

}  // namespace
}  // namespace optlab::nn
