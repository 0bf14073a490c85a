// SPDX-License-Identifier: MIT
// Every layer's backward pass against central finite differences of the loss, in float64.
#include "optlab/nn/network.hpp"

#include <gtest/gtest.h>

#include <cblas.h>

#include <cmath>

#include "optlab/core/error.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/init/initializers.hpp"

namespace optlab::nn {
namespace {

struct Config {
    const char* name;
    Activation activation;
    bool batchnorm;
    double dropout;
    Loss loss;
};
void PrintTo(const Config& c, std::ostream* os) { *os << c.name; }

NetSpec spec_of(const Config& c, std::vector<std::size_t> sizes) {
    NetSpec spec;
    spec.sizes = std::move(sizes);
    spec.activation = c.activation;
    spec.batchnorm = c.batchnorm;
    spec.dropout = c.dropout;
    spec.loss = c.loss;
    return spec;
}

class FiniteDifferences : public ::testing::TestWithParam<Config> {};

TEST_P(FiniteDifferences, BackwardMatchesTheNumericalGradient) {
    const Config& c = GetParam();
    const std::size_t rows = 7;
    Network<double> net(spec_of(c, {6, 5, 4, 3}), rows, 11);
    Rng rng(2);
    net.init(parse_init("normal:0,0.8"), rng);
    // BatchNorm's γ, β away from 1, 0 so their gradients are exercised in general position.
    for (std::size_t i = 0; i < net.store().num_tensors(); ++i) {
        if (net.store().info(i).name.rfind("bn", 0) == 0) {
            for (double& v : net.store().view(i).param) v += 0.3 * rng.normal();
        }
    }
    std::vector<double> x(rows * 6);
    for (double& v : x) v = rng.normal();
    const std::uint8_t labels[rows] = {0, 1, 2, 1, 0, 2, 2};
    const Rng::State dropout_state = net.dropout_rng().state();

    // The loss with the same dropout mask every time.
    auto loss = [&] {
        net.dropout_rng().set_state(dropout_state);
        net.forward(x.data(), rows, true);
        return net.loss(labels, rows);
    };
    net.store().zero_grad();
    loss();
    net.backward(labels, rows);
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
        EXPECT_NEAR(analytic[i], numeric, 1e-6 + 1e-5 * std::abs(numeric))
            << c.name << ": parameter " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Layers, FiniteDifferences,
    ::testing::Values(Config{"relu", Activation::relu, false, 0.0, Loss::cross_entropy},
                      Config{"leaky_relu", Activation::leaky_relu, false, 0.0, Loss::cross_entropy},
                      Config{"sigmoid", Activation::sigmoid, false, 0.0, Loss::cross_entropy},
                      Config{"tanh", Activation::tanh, false, 0.0, Loss::cross_entropy},
                      Config{"mse", Activation::tanh, false, 0.0, Loss::mse},
                      Config{"batchnorm", Activation::relu, true, 0.0, Loss::cross_entropy},
                      Config{"batchnorm_tanh", Activation::tanh, true, 0.0, Loss::mse},
                      Config{"dropout", Activation::relu, false, 0.3, Loss::cross_entropy},
                      Config{"everything", Activation::sigmoid, true, 0.25, Loss::cross_entropy}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Network, CrossEntropyIsLogSoftmaxAndCountsArgmax) {
    NetSpec spec;
    spec.sizes = {2, 3};
    Network<double> net(spec, 2);
    auto w = net.store().param("layer1.weight");  // (2, 3)
    std::fill(w.begin(), w.end(), 0.0);
    w[0] = 1.0;  // output 0 = x0
    w[4] = 2.0;  // output 1 = 2·x1
    const double x[4] = {3.0, 0.0, 0.0, 1.0};
    const std::uint8_t y[2] = {0, 2};
    net.forward(x, 2, false);
    const double l0 = std::log(std::exp(3.0) + 2.0) - 3.0;
    const double l1 = std::log(2.0 + std::exp(2.0)) - 0.0;
    EXPECT_NEAR(net.loss(y, 2), (l0 + l1) / 2, 1e-12);
    EXPECT_EQ(net.count_correct(y, 2), 1u);
}

TEST(Network, RefusesBadSpecsAndLabels) {
    EXPECT_THROW(parse_net_sizes("784"), InvalidArgument);
    EXPECT_THROW(parse_net_sizes("784-0-10"), InvalidArgument);
    EXPECT_THROW(parse_net_sizes("784--10"), InvalidArgument);
    EXPECT_THROW(parse_net_sizes("784-x-10"), InvalidArgument);
    EXPECT_THROW(parse_net_sizes("1000000-1000000-10"), InvalidArgument);
    EXPECT_EQ(parse_net_sizes("784-100-10"), (std::vector<std::size_t>{784, 100, 10}));
    EXPECT_THROW(parse_activation("gelu"), InvalidArgument);
    NetSpec spec;
    spec.sizes = {2, 3};
    Network<float> net(spec, 4);
    const float x[2] = {1, 2};
    const std::uint8_t bad[1] = {3};
    net.forward(x, 1, false);
    EXPECT_THROW(net.loss(bad, 1), InvalidArgument);
    EXPECT_THROW(net.forward(x, 5, false), InvalidArgument);
}

TEST(Network, ParametersLiveInOneArenaWithNamedViews) {
    NetSpec spec;
    spec.sizes = {784, 100, 10};
    spec.batchnorm = true;
    Network<float> net(spec, 8);
    EXPECT_EQ(net.store().num_parameters(), 784u * 100 + 100 + 100 + 100 + 100 * 10 + 10);
    EXPECT_TRUE(net.store().contains("layer1.weight"));
    EXPECT_TRUE(net.store().contains("bn1.weight"));
    EXPECT_EQ(net.buffers().size(), 2u);
    EXPECT_EQ(net.describe(), "Linear(784, 100) → BatchNorm(100) → ReLU → Linear(100, 10)");
}

// A program that embeds optlab and uses OpenBLAS for its own products keeps its BLAS threads:
// optlab's passes use one BLAS thread per optlab thread and put the caller's count back.
TEST(Network, LeavesTheCallersOpenBlasThreadsAsTheyWere) {
    NetSpec spec;
    spec.sizes = {16, 32, 10};
    for (int callers : {2, 3}) {
        openblas_set_num_threads(callers);
        ASSERT_EQ(openblas_get_num_threads(), callers);
        Network<float> net(spec, 8);
        EXPECT_EQ(openblas_get_num_threads(), callers) << "building a network";
        std::vector<float> x(8 * 16, 0.5f);
        const std::uint8_t labels[8] = {0, 1, 2, 3, 4, 5, 6, 7};
        net.forward(x.data(), 8, true);
        EXPECT_EQ(openblas_get_num_threads(), callers) << "forward";
        net.loss(labels, 8);
        net.backward(labels, 8);
        EXPECT_EQ(openblas_get_num_threads(), callers) << "backward";
    }
    openblas_set_num_threads(1);
}

// Forward and backward split the batch between optlab's threads (rows for Linear and the
// activations, features for BatchNorm, W's rows for dW). Every output and gradient is the same
// sum on any number of threads — up to the BLAS's rounding, since OpenBLAS may order a sum
// differently for a block of another height — even for a batch that does not divide evenly
// or has fewer rows than threads; on the same threads, runs are identical bit for bit.
template <class T>
void expect_close(const std::vector<T>& want, const std::vector<T>& got, const std::string& what) {
    ASSERT_EQ(want.size(), got.size()) << what;
    const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-13;
    for (std::size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(double(want[i]), double(got[i]), tolerance * (1 + std::abs(double(want[i]))))
            << what << ", element " << i;
    }
}

template <class T>
void expect_same_on_any_threads(const Config& c) {
    struct Result {
        std::vector<T> outputs, grads, running;
        double loss;
    };
    auto run = [&](int threads, std::size_t rows) {
        set_num_threads(threads);
        Network<T> net(spec_of(c, {37, 29, 23, 10}), 64, 5);
        Rng rng(3);
        net.init(parse_init("he-normal"), rng);
        std::vector<T> x(rows * 37);
        for (T& v : x) v = T(rng.normal());
        std::vector<std::uint8_t> labels(rows);
        for (std::size_t r = 0; r < rows; ++r) labels[r] = std::uint8_t(r * 7 % 10);
        Result out;
        net.store().zero_grad();
        for (int step = 0; step < 2; ++step) {  // twice: the gradients accumulate
            const T* z = net.forward(x.data(), rows, true);
            out.outputs.assign(z, z + rows * 10);
            out.loss = net.loss(labels.data(), rows);
            net.backward(labels.data(), rows);
        }
        out.grads.assign(net.store().grads().begin(), net.store().grads().end());
        for (const auto& [name, buffer] : net.buffers()) out.running.insert(out.running.end(), buffer->begin(), buffer->end());
        net.forward(x.data(), rows, false);  // evaluation: running statistics, no dropout
        out.outputs.insert(out.outputs.end(), net.activations(net.layers().size() - 1),
                           net.activations(net.layers().size() - 1) + rows * 10);
        return out;
    };
    for (std::size_t rows : {std::size_t{2}, std::size_t{3}, std::size_t{33}, std::size_t{64}}) {
        const Result one = run(1, rows);
        for (int threads : {2, 3}) {
            const Result many = run(threads, rows);
            const std::string what = std::string(c.name) + ", " + std::to_string(rows) + " rows, " +
                                     std::to_string(threads) + " threads";
            expect_close(one.outputs, many.outputs, what + ": outputs");
            expect_close(one.grads, many.grads, what + ": gradients");
            expect_close(one.running, many.running, what + ": running statistics");
            EXPECT_NEAR(one.loss, many.loss, 1e-6 * one.loss) << what;
            const Result again = run(threads, rows);
            EXPECT_EQ(many.outputs, again.outputs) << what;
            EXPECT_EQ(many.grads, again.grads) << what;
        }
    }
    set_num_threads(2);
}

// The loss: each row's on the threads, added up in row order, so the same outputs give the
// same loss to the last bit on any number of threads — and the loss is the formula's mean
// (cross-entropy per row; binary cross-entropy and squared error per element).
TEST(Network, TheLossOfTheSameOutputsIsTheSameOnAnyThreads) {
    for (Loss loss : {Loss::cross_entropy, Loss::mse, Loss::binary_cross_entropy}) {
        const std::size_t rows = 45, classes = 7;
        Network<float> net(spec_of(Config{"", Activation::tanh, false, 0.0, loss}, {5, 9, classes}), rows, 2);
        Rng rng(8);
        net.init(parse_init("xavier"), rng);
        std::vector<float> x(rows * 5), targets(rows * classes);
        for (float& v : x) v = float(3 * rng.normal());
        for (float& t : targets) t = float(rng.uniform());
        std::vector<std::uint8_t> labels(rows);
        for (std::size_t r = 0; r < rows; ++r) labels[r] = std::uint8_t(r * 5 % classes);
        set_num_threads(1);
        const float* z = net.forward(x.data(), rows, false);
        double expected = 0;  // the formula, row by row, element by element
        for (std::size_t r = 0; r < rows; ++r) {
            double row = 0, sum_exp = 0;
            for (std::size_t j = 0; j < classes; ++j) {
                const double zj = z[r * classes + j], t = targets[r * classes + j];
                if (loss == Loss::mse) row += (zj - (j == labels[r])) * (zj - (j == labels[r]));
                if (loss == Loss::binary_cross_entropy) row += std::max(zj, 0.0) - zj * t + std::log1p(std::exp(-std::abs(zj)));
                sum_exp += std::exp(zj);
            }
            expected += loss == Loss::cross_entropy ? std::log(sum_exp) - z[r * classes + labels[r]] : row;
        }
        expected /= loss == Loss::cross_entropy ? double(rows) : double(rows * classes);
        auto loss_on = [&](int threads) {
            set_num_threads(threads);
            return loss == Loss::binary_cross_entropy ? net.loss(targets.data(), rows) : net.loss(labels.data(), rows);
        };
        const double one = loss_on(1);
        EXPECT_NEAR(one, expected, 1e-7 * expected) << int(loss);  // softmax shifts by the max in float
        for (int threads : {2, 3, 4}) EXPECT_EQ(loss_on(threads), one) << int(loss) << ", " << threads << " threads";
    }
    set_num_threads(2);
}

class AnyThreads : public ::testing::TestWithParam<Config> {};

TEST_P(AnyThreads, SplittingTheBatchChangesNothingFloat) { expect_same_on_any_threads<float>(GetParam()); }
TEST_P(AnyThreads, SplittingTheBatchChangesNothingDouble) { expect_same_on_any_threads<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Layers, AnyThreads,
    ::testing::Values(Config{"relu", Activation::relu, false, 0.0, Loss::cross_entropy},
                      Config{"tanh_mse", Activation::tanh, false, 0.0, Loss::mse},
                      Config{"batchnorm", Activation::relu, true, 0.0, Loss::cross_entropy},
                      Config{"dropout", Activation::leaky_relu, false, 0.3, Loss::cross_entropy},
                      Config{"everything", Activation::sigmoid, true, 0.25, Loss::cross_entropy}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace optlab::nn
