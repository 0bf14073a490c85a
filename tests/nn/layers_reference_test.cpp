// SPDX-License-Identifier: MIT
// The image, embedding and loss layers against PyTorch 1.13 on the same weights and inputs:
// outputs, losses and every gradient, dL/dx too (tests/reference/layers.py wrote
// torch_layers.json, in torch's layouts; here they are converted to optlab's channels-last
// images and (in, out) weights). float64 to 1e-10, float32 to float32's rounding of the same
// sums.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "optlab/core/parallel.hpp"
#include "optlab/nn/conv.hpp"
#include "optlab/nn/embedding.hpp"
#include "optlab/nn/network.hpp"

namespace optlab::nn {
namespace {

using nlohmann::json;

const json& cases() {
    static const json all = json::parse(std::ifstream(std::string(OPTLAB_SOURCE_DIR) + "/tests/reference/torch_layers.json"));
    return all.at("cases");
}

std::vector<std::size_t> shape_of(const json& j) { return j.get<std::vector<std::size_t>>(); }

// NCHW → (N, H, W, C) and back.
std::vector<double> to_channels_last(const std::vector<double>& v, const std::vector<std::size_t>& nchw) {
    const std::size_t n = nchw[0], c = nchw[1], h = nchw[2], w = nchw[3];
    std::vector<double> out(v.size());
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < c; ++k)
            for (std::size_t y = 0; y < h; ++y)
                for (std::size_t x = 0; x < w; ++x) out[((i * h + y) * w + x) * c + k] = v[((i * c + k) * h + y) * w + x];
    return out;
}

// A parameter in optlab's layout: Conv2d (C', C, k, k) → (k·k·C, C'); Linear (out, in) →
// (in, out); an Embedding's (vocabulary, D) and vectors as they are.
std::vector<double> to_optlab(const std::vector<double>& v, const std::vector<std::size_t>& shape,
                              bool embedding) {
    std::vector<double> out(v.size());
    if (shape.size() == 4) {
        const std::size_t co = shape[0], ci = shape[1], kh = shape[2], kw = shape[3];
        for (std::size_t o = 0; o < co; ++o)
            for (std::size_t c = 0; c < ci; ++c)
                for (std::size_t y = 0; y < kh; ++y)
                    for (std::size_t x = 0; x < kw; ++x) out[((y * kw + x) * ci + c) * co + o] = v[((o * ci + c) * kh + y) * kw + x];
        return out;
    }
    if (shape.size() == 2 && !embedding) {
        const std::size_t rows = shape[0], cols = shape[1];
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < cols; ++c) out[c * rows + r] = v[r * cols + c];
        return out;
    }
    return v;
}

// A case's tensor in optlab's layout (images channels-last).
std::vector<double> tensor(const json& c, const std::string& key, const std::string& shape_key) {
    std::vector<double> v = c.at(key).get<std::vector<double>>();
    const std::vector<std::size_t> shape = shape_of(c.at(shape_key));
    return shape.size() == 4 ? to_channels_last(v, shape) : v;
}

template <class T>
void expect_close(const std::vector<double>& want, const T* got, const std::string& what) {
    // float32: the same sums in float32, added in another order than torch's kernels add
    // them — relative to the size of the numbers.
    const double tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-10;
    double scale = 0;
    for (double v : want) scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(double(got[i]), want[i], tolerance * (1 + scale)) << what << ", element " << i;
    }
}

template <class T>
using Builder = typename Network<T>::Builder;

// A model's first layer, passing its input through, for its dL/dx: a Network's first layer
// skips dL/dx (no optimizer needs it), so this one keeps the dL/dy the model's layers hand it.
template <class T>
class InputGradient final : public Layer<T> {
  public:
    InputGradient(std::size_t features, std::size_t max_batch) : features_(features), dx_(features * max_batch, T(-7)) {}
    std::string name() const override { return "InputGradient"; }
    std::size_t out_features() const override { return features_; }
    void forward_part(const T* x, T* y, std::size_t rows, bool, Part part) override {
        const auto [r0, r1] = part.share_rows(rows);
        std::copy(x + r0 * features_, x + r1 * features_, y + r0 * features_);
    }
    void backward_part(const T*, const T*, const T* dy, T*, std::size_t rows, Part part) override {
        const auto [r0, r1] = part.share_rows(rows);
        std::copy(dy + r0 * features_, dy + r1 * features_, dx_.begin() + std::ptrdiff_t(r0 * features_));
    }
    bool forward_by_rows() const override { return true; }
    bool backward_by_rows() const override { return true; }
    bool dx_by_rows() const override { return true; }
    const T* dx() const { return dx_.data(); }

  private:
    std::size_t features_;
    std::vector<T> dx_;  // dL/dx, -7 where nothing was written
};

// The layers of a case, in the order torch's model has them, added through `add`; returns
// torch's names of the parameters in the order the store holds them.
template <class T>
std::vector<std::string> add_layers(const json& c, Builder<T>& add) {
    const std::string name = c.at("name");
    const std::vector<std::size_t> xs = shape_of(c.at("x_shape"));
    const ImageShape image = xs.size() == 4 ? ImageShape{xs[2], xs[3], xs[1]} : ImageShape{};
    auto conv = [&](ImageShape in, std::size_t out, std::size_t k, std::size_t s, std::size_t p, const char* prefix) {
        return add.add(std::make_unique<Conv2d<T>>(add.store(), prefix, in, out, k, s, p, add.max_batch())).out_shape();
    };
    if (name.rfind("conv_k", 0) == 0) {  // conv_k3_s1_p1
        const std::size_t out = shape_of(c.at("params").at("weight").at("shape"))[0];
        conv(image, out, std::size_t(name[6] - '0'), std::size_t(name[9] - '0'), std::size_t(name[12] - '0'), "conv");
        return {"weight", "bias"};
    }
    if (name.rfind("maxpool", 0) == 0 || name.rfind("avgpool", 0) == 0) {  // maxpool_k3_s2
        const Pooling kind = name[0] == 'm' ? Pooling::max : Pooling::average;
        add.add(std::make_unique<Pool2d<T>>(kind, image, std::size_t(name[9] - '0'), std::size_t(name[12] - '0'), add.max_batch()));
        return {};
    }
    if (name == "flatten") {
        add.add(std::make_unique<Flatten<T>>(image));
        return {};
    }
    if (name == "embedding") {
        add.add(std::make_unique<Embedding<T>>(add.store(), "embedding", 7, 4, 3));
        return {"weight"};
    }
    if (name == "linear_bce") {
        add.add(std::make_unique<Linear<T>>(add.store(), "linear", 4, 5));
        return {"weight", "bias"};
    }
    if (name == "conv_stack") {
        ImageShape s = conv(image, 4, 3, 1, 1, "conv1");
        add.add(std::make_unique<ActivationLayer<T>>(Activation::relu, s.size()));
        s = add.add(std::make_unique<Pool2d<T>>(Pooling::max, s, 2, 2, add.max_batch())).out_shape();
        s = conv(s, 6, 3, 1, 1, "conv2");
        add.add(std::make_unique<ActivationLayer<T>>(Activation::relu, s.size()));
        s = add.add(std::make_unique<Pool2d<T>>(Pooling::max, s, 2, 2, add.max_batch())).out_shape();
        add.add(std::make_unique<Flatten<T>>(s));
        add.add(std::make_unique<Linear<T>>(add.store(), "linear", s.size(), 5));
        return {"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"};
    }
    if (name == "embedding_mlp") {
        add.add(std::make_unique<Embedding<T>>(add.store(), "embedding", 7, 3, 3));
        add.add(std::make_unique<Linear<T>>(add.store(), "hidden", 9, 8));
        add.add(std::make_unique<ActivationLayer<T>>(Activation::tanh, 8));
        add.add(std::make_unique<Linear<T>>(add.store(), "out", 8, 7));
        return {"embedding.weight", "hidden.weight", "hidden.bias", "out.weight", "out.bias"};
    }
    ADD_FAILURE() << "no optlab model for the reference case " << name;
    return {};
}

template <class T>
void run(const json& c) {
    const std::string name = c.at("name"), kind = c.at("loss_kind");
    const std::vector<std::size_t> xs = shape_of(c.at("x_shape"));
    const bool ids = name.rfind("embedding", 0) == 0;  // token ids in, which have no gradient
    const std::size_t rows = name == "embedding" ? 4 : xs[0];
    const std::size_t in_features = ids ? 3 : c.at("x").size() / rows;
    const Loss loss = kind == "cross_entropy" ? Loss::cross_entropy
                      : kind == "bce"         ? Loss::binary_cross_entropy
                                              : Loss::mse;
    const double loss_tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    ASSERT_EQ(c.contains("x_grad"), !ids) << name << ": torch records dL/dx for every input but token ids";
    std::vector<std::string> torch_names;
    InputGradient<T>* input_gradient = nullptr;  // a model's dL/dx (a single layer's is seen directly)
    Network<T> net(in_features, loss, rows, [&](Builder<T>& add) {
        if (kind != "sum_r" && !ids) input_gradient = &add.add(std::make_unique<InputGradient<T>>(in_features, rows));
        torch_names = add_layers<T>(c, add);
    });
    ParamStore<T>& store = net.store();
    ASSERT_EQ(store.num_tensors(), torch_names.size()) << name;
    for (std::size_t i = 0; i < torch_names.size(); ++i) {
        const json& p = c.at("params").at(torch_names[i]);
        const std::vector<double> v = to_optlab(p.at("value").get<std::vector<double>>(), shape_of(p.at("shape")),
                                                 name == "embedding" || torch_names[i] == "embedding.weight");
        ASSERT_EQ(v.size(), store.info(i).size) << name << ": " << torch_names[i];
        std::copy(v.begin(), v.end(), store.view(i).param.begin());
    }
    const std::vector<double> x = tensor(c, "x", "x_shape");
    const std::vector<T> input(x.begin(), x.end());
    set_num_threads(1);
    const T* y = net.forward(input.data(), rows, true);
    expect_close(tensor(c, "y", "y_shape"), y, name + ": output");

    store.zero_grad();
    if (kind == "cross_entropy") {
        const std::vector<std::uint8_t> labels = c.at("labels").get<std::vector<std::uint8_t>>();
        EXPECT_NEAR(net.loss(labels.data(), rows), c.at("loss").get<double>(), loss_tolerance);
        net.backward(labels.data(), rows);
    } else if (kind == "bce") {
        const std::vector<double> t = c.at("targets").get<std::vector<double>>();
        const std::vector<T> targets(t.begin(), t.end());
        EXPECT_NEAR(net.loss(targets.data(), rows), c.at("loss").get<double>(), loss_tolerance);
        net.backward(targets.data(), rows);
    }
    if (input_gradient != nullptr) expect_close(tensor(c, "x_grad", "x_shape"), input_gradient->dx(), name + ": dL/dx");
    if (kind == "sum_r") {
        // One layer with dL/dy = r, called directly so that its dL/dx is seen too.
        Layer<T>& layer = *net.layers().front();
        const std::vector<double> r = tensor(c, "r", "y_shape");
        const std::vector<T> dy(r.begin(), r.end());
        std::vector<T> dx(input.size(), T(-7));  // every element must be written
        layer.backward(input.data(), y, dy.data(), dx.data(), rows);
        if (!ids) expect_close(tensor(c, "x_grad", "x_shape"), dx.data(), name + ": dL/dx");
    }
    for (std::size_t i = 0; i < torch_names.size(); ++i) {
        const json& p = c.at("params").at(torch_names[i]);
        const std::vector<double> g =
            to_optlab(c.at("grads").at(torch_names[i]).get<std::vector<double>>(), shape_of(p.at("shape")),
                                                 name == "embedding" || torch_names[i] == "embedding.weight");
        expect_close(g, store.view(i).grad.data(), name + ": gradient of " + torch_names[i]);
    }
    set_num_threads(2);
}

class TorchLayers : public ::testing::TestWithParam<std::size_t> {};

TEST_P(TorchLayers, ForwardAndBackwardMatchPytorch) {
    const json& c = cases().at(GetParam());
    if (c.at("dtype") == "float64") {
        run<double>(c);
    } else {
        run<float>(c);
    }
}

INSTANTIATE_TEST_SUITE_P(Reference, TorchLayers, ::testing::Range<std::size_t>(0, cases().size()),
                         [](const auto& info) {
                             const json& c = cases().at(info.param);
                             return c.at("name").template get<std::string>() + "_" + c.at("dtype").template get<std::string>();
                         });

}  // namespace
}  // namespace optlab::nn
