// SPDX-License-Identifier: MIT
#include "optlab/problems/catalogue.hpp"

#include "optlab/core/error.hpp"
#include "optlab/nn/conv.hpp"
#include "optlab/problems/autoencoder.hpp"
#include "optlab/problems/char_lm.hpp"
#include "optlab/problems/noisy_quadratic.hpp"

namespace optlab {

namespace {

constexpr std::string_view kNetwork2d =
    "MLP on (x1, x2) (--features), hidden 4,2 tanh by default (--hidden, --activation, --l2), tanh output, "
    "½(output − label)²";

constexpr ProblemInfo kProblems[] = {
    {"quadratic", "a 100-dimensional noisy quadratic with a deep-learning-like Hessian (DeepOBS quadratic_deep)",
     "1000 training, 1000 validation and 1000 test points from N(0, 0.6²·I), fixed seeds", "θ ∈ R^100 from 1; ½(θ − x)ᵀQ(θ − x)",
     "test loss", true, false, 20, 128, "θ = 1 (fixed)", false},
    {"fmnist-logreg", "softmax regression on Fashion-MNIST: convex", "Fashion-MNIST (dataset-fashion-mnist)",
     "784-10 linear, softmax cross-entropy", "test accuracy", false, true, 3, 128, "zeros", true},
    {"fmnist-mlp", "the lecture's network: 784-100-100-100-100-10, ReLU", "Fashion-MNIST (dataset-fashion-mnist)",
     "784-100-100-100-100-10 ReLU MLP (--net, --activation, ...)", "test accuracy", false, true, 5, 128, "he", true},
    {"fmnist-cnn", "a small convolutional network: weight sharing, pooling, a deeper gradient path",
     "Fashion-MNIST (dataset-fashion-mnist)",
     "conv 3×3 1→16 p1, ReLU, max-pool 2, conv 3×3 16→32 p1, ReLU, max-pool 2, linear 1568→10", "test accuracy",
     false, true, 2, 128, "he", true},
    {"fmnist-autoencoder", "an autoencoder: regression of 784 outputs through a 64-unit bottleneck",
     "Fashion-MNIST images (dataset-fashion-mnist)",
     "784-256-64-256-784, ReLU inside, sigmoid output, binary cross-entropy per pixel",
     "test reconstruction error (mean squared error per pixel)", true, true, 3, 128, "he", true},
    {"words-charlm", "a character-level language model (Bengio et al. 2003): embeddings, sparse gradients",
     "English words of wamerican (/usr/share/dict/words), split 80/10/10 by word",
     "3 previous characters embedded in 10 dims, tanh 200, softmax over a–z and end-of-word",
     "test perplexity (loss: nats per character)", true, false, 2, 128, "xavier", true},
    // TensorFlow Playground's four classification sets (problems/classify2d.hpp).
    {"2d-circle", "TensorFlow Playground's two circles: a small MLP on 2-D points, live in the explorable",
     "500 points drawn from --seed (--points, --noise, --train-ratio)", kNetwork2d, "test accuracy", false, false, 20,
     10, "xavier", true, true},
    {"2d-xor", "TensorFlow Playground's XOR quadrants: a small MLP on 2-D points, live in the explorable",
     "500 points drawn from --seed (--points, --noise, --train-ratio)", kNetwork2d, "test accuracy", false, false, 20,
     10, "xavier", true, true},
    {"2d-gauss", "TensorFlow Playground's two Gaussians: a small MLP on 2-D points, live in the explorable",
     "500 points drawn from --seed (--points, --noise, --train-ratio)", kNetwork2d, "test accuracy", false, false, 20,
     10, "xavier", true, true},
    {"2d-spiral", "TensorFlow Playground's two spirals: a small MLP on 2-D points, live in the explorable",
     "500 points drawn from --seed (--points, --noise, --train-ratio)", kNetwork2d, "test accuracy", false, false, 20,
     10, "xavier", true, true},
};

template <class T>
using Builder = typename nn::Network<T>::Builder;

// conv 3×3 1→16 p1, ReLU, max-pool 2 → conv 3×3 16→32 p1, ReLU, max-pool 2 → linear 32·7·7 → 10.
// Each ReLU runs after its max-pool, fused into it, on a quarter of the numbers: the same
// function and the same gradient, since max(relu(a), relu(b)) = relu(max(a, b)) and both send
// the gradient to the window's first largest input when it is positive and nowhere otherwise
// (docs/problems.md).
void fmnist_cnn(Builder<float>& add) {
    nn::ImageShape s{28, 28, 1};
    auto conv = [&](std::size_t out, const char* name) {
        s = add.add(std::make_unique<nn::Conv2d<float>>(add.store(), name, s, out, 3, 1, 1, add.max_batch())).out_shape();
        s = add.add(std::make_unique<nn::Pool2d<float>>(nn::Pooling::max, s, 2, 2, add.max_batch(), /*relu=*/true))
                .out_shape();
    };
    conv(16, "conv1");
    conv(32, "conv2");
    add.add(std::make_unique<nn::Flatten<float>>(s));
    add.add(std::make_unique<nn::Linear<float>>(add.store(), "linear", s.size(), 10));
}

void check_images(const ProblemInfo& info, const ClassificationData& images) {
    if (!images.train || !images.test) throw InvalidArgument(std::string(info.name) + ": no images given");
    if (info.name == "fmnist-cnn" && images.train->features != 784) {  // the others take any size
        throw InvalidArgument(std::string(info.name) + ": takes 28×28 images (784 values), the data has " +
                              std::to_string(images.train->features) + " per image");
    }
}

}  // namespace

std::span<const ProblemInfo> problem_catalogue() { return kProblems; }

const ProblemInfo& problem_info(std::string_view name) {
    std::string names;
    for (const ProblemInfo& p : kProblems) {
        if (p.name == name) return p;
        names += (names.empty() ? "" : ", ") + std::string(p.name);
    }
    throw InvalidArgument("problem: unknown name '" + std::string(name) + "' (expected one of " + names + ")");
}

std::unique_ptr<Problem> make_problem(const ProblemSettings& s, const ClassificationData& images) {
    const ProblemInfo& info = problem_info(s.name);
    const std::string init_spec = s.init.empty() ? std::string(info.init) : s.init;
    if (info.images) check_images(info, images);
    if (info.name == "quadratic") return std::make_unique<NoisyQuadratic>();
    if (info.name.starts_with("2d-")) {
        Classify2dSpec spec = s.classify2d;
        spec.dataset = std::string(info.name.substr(3));
        spec.init = init_spec;
        spec.seed = s.seed;
        spec.max_batch = s.max_batch;
        return std::make_unique<Classify2d>(spec);
    }
    if (info.name == "fmnist-mlp") {
        return std::make_unique<ImageClassification>(s.mlp, parse_init(init_spec, nn::nonlinearity_of(s.mlp.activation)),
                                                     images, s.max_batch, s.seed);
    }
    if (info.name == "fmnist-logreg") {
        nn::NetSpec logreg;
        logreg.sizes = {images.train->features, images.classes};
        return std::make_unique<ImageClassification>(logreg, parse_init(init_spec, Nonlinearity::linear), images,
                                                     s.max_batch, s.seed);
    }
    if (info.name == "fmnist-cnn") {
        return std::make_unique<ImageClassification>(fmnist_cnn, parse_init(init_spec, Nonlinearity::relu), images,
                                                     s.max_batch, s.seed);
    }
    if (info.name == "fmnist-autoencoder") {
        return std::make_unique<ImageAutoencoder>(std::vector<std::size_t>{256, 64, 256},
                                                  parse_init(init_spec, Nonlinearity::relu), images, s.max_batch,
                                                  s.seed);
    }
    return std::make_unique<CharLanguageModel>(s.words, parse_init(init_spec, Nonlinearity::tanh), s.max_batch, s.seed);
}

}  // namespace optlab
