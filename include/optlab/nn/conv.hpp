// SPDX-License-Identifier: MIT
// Layers on images: each row of a batch is one image stored channels-last, (height, width,
// channels) row-major. A float convolution of stride 1 runs direct kernels that keep its sums
// in vector registers (src/nn/conv_direct.hpp); any other is one matrix product of im2col's
// patches with the weight, the Linear layer's product.
//
//   Conv2d     y[o, c'] = b[c'] + Σ_{ky,kx,c} x[o·s − p + (ky, kx), c] · W[(ky·k + kx)·C + c, c']
//              W: (k·k·C, C') row-major — torch's (C', C, k, k) transposed and reordered;
//              zero padding p, stride s, Ho = ⌊(H + 2p − k)/s⌋ + 1 (torch.nn.Conv2d)
//   MaxPool2d  y = max over each k×k window, stride s, no padding; dL/dx goes to the window's
//              first largest element, NaN winning (torch.nn.MaxPool2d)
//   AvgPool2d  y = mean over each k×k window, stride s, no padding (torch.nn.AvgPool2d)
//              either may apply a ReLU to its output: y = relu(pool(x)), in the same pass
//   Flatten    reorders (H, W, C) to torch's (C, H, W), so the Linear layer after it holds
//              torch's weight for torch.nn.Flatten on an NCHW tensor
//
// Initialisation (Network::init): the weight as a (fan_in = k·k·C, fan_out = k·k·C') matrix,
// torch's fans for a convolution; the bias zero.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "optlab/core/aligned.hpp"
#include "optlab/nn/layers.hpp"

namespace optlab::nn {

/// An image's shape, channels-last.
struct ImageShape {
    std::size_t height = 0, width = 0, channels = 0;
    std::size_t size() const { return height * width * channels; }
    std::string to_string() const;  // "28×28×1"
};

template <class T>
class Conv2d final : public Layer<T> {
  public:
    /// Adds "<prefix>.weight" (k·k·C, C') and "<prefix>.bias" (C') to `store`; keeps the
    /// inputs (direct path) or patches (im2col path) of up to `max_rows` images for backward.
    Conv2d(ParamStore<T>& store, const std::string& prefix, ImageShape in, std::size_t out_channels,
           std::size_t kernel, std::size_t stride, std::size_t padding, std::size_t max_rows);
    std::string name() const override;
    std::size_t out_features() const override { return out_.size(); }
    ImageShape out_shape() const { return out_; }
    void init(const Init& weights, Rng& rng) override;
    /// The part's images: y = b + the correlation of x with W, directly or as im2col's
    /// patches·W.
    void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) override;
    /// dW and db over the whole batch — direct: per chunk of images into partials, the parts
    /// sharing the chunks, added in chunk order by the last part to finish; im2col: patchesᵀ·dy,
    /// the parts sharing W's rows — and dx on the part's images: the correlation of dy with W's
    /// taps reversed (direct) or col2im(dy·Wᵀ).
    void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) override;
    bool forward_by_rows() const override { return true; }
    bool dx_by_rows() const override { return true; }
    std::size_t activation_bytes() const override {
        return (cols_.size() + dcols_.size() + padded_.size() + dy_padded_.size() + w_flipped_.size() +
                partials_.size()) *
               sizeof(T);
    }
    /// Whether this layer runs the direct kernels (src/nn/conv_direct.hpp: float, stride 1, a
    /// CPU with AVX2 and FMA, decided when the layer is built) or im2col and OpenBLAS.
    bool direct() const { return direct_; }

  private:
    std::size_t patch_size() const { return kernel_ * kernel_ * in_.channels; }
    void im2col(const T* image, T* patches) const;
    void col2im(const T* patches, T* image) const;  // adds into image
    void forward_direct(const T* x, T* y, std::size_t rows, Part part);
    void backward_direct(const T* dy, T* dx, std::size_t rows, Part part);

    ParamStore<T>& store_;
    std::string prefix_;
    ImageShape in_, out_;
    std::size_t kernel_, stride_, padding_;
    std::size_t weight_, bias_;
    std::size_t chunk_;              // images whose patches one product takes (≈ 512 KiB)
    AlignedVector<T> cols_, dcols_;  // (rows·Ho·Wo, k·k·C): patches and their gradient
    // The direct path: each image with its zero border (kept for dW), each image's dy with the
    // border of the transposed correlation that gives dx, and W turned for it — taps in
    // reverse, (k·k·C', C). The borders are zeroed once; only the insides are written.
    bool direct_ = false;
    ImageShape padded_in_, padded_dy_;
    AlignedVector<T> padded_, dy_padded_, w_flipped_;
    AlignedVector<T> partials_;            // per chunk of images: its dW, then its db
    std::atomic<std::size_t> finished_{0};  // parts done with their chunks in this backward
    std::vector<std::size_t> window_, dy_window_;  // each weight row's offset in padded_ / dy_padded_
};

enum class Pooling { max, average };

template <class T>
class Pool2d final : public Layer<T> {
  public:
    /// Max pooling keeps, for up to `max_rows` images, where each window's maximum was.
    /// relu: y = relu(pool(x)), dL/dx through both — a ReLU after the pool fused into it
    /// (Keras's activation argument), one pass over the numbers instead of two.
    Pool2d(Pooling kind, ImageShape in, std::size_t kernel, std::size_t stride, std::size_t max_rows,
           bool relu = false);
    std::string name() const override;
    std::size_t out_features() const override { return out_.size(); }
    ImageShape out_shape() const { return out_; }
    void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) override;
    std::size_t activation_bytes() const override {
        return argmax_.size() * sizeof(std::int32_t) + masked_.size() * sizeof(T);
    }
    /// Max: dy goes to the window position forward chose (the first largest, or the last NaN).
    void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) override;
    bool forward_by_rows() const override { return true; }
    bool backward_by_rows() const override { return true; }
    bool dx_by_rows() const override { return true; }

  private:
    bool tiles() const;  // stride = kernel and the windows cover the image exactly
    Pooling kind_;
    ImageShape in_, out_;
    std::size_t kernel_, stride_;
    std::vector<std::int32_t> argmax_;  // max: per output element, its window position
    std::vector<std::size_t> window_;   // per window position, its offset from the corner
    bool direct_ = false;               // max pooling of float channels in 8s on AVX2 (conv_direct.hpp)
    bool relu_ = false;
    std::vector<T> masked_;  // relu without the AVX2 backward: dy where y > 0, else 0
};

template <class T>
class Flatten final : public Layer<T> {
  public:
    explicit Flatten(ImageShape in) : in_(in) {}
    std::string name() const override { return "Flatten"; }
    std::size_t out_features() const override { return in_.size(); }
    void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) override;
    void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) override;
    bool forward_by_rows() const override { return true; }
    bool backward_by_rows() const override { return true; }
    bool dx_by_rows() const override { return true; }

  private:
    ImageShape in_;
};

extern template class Conv2d<float>;
extern template class Conv2d<double>;
extern template class Pool2d<float>;
extern template class Pool2d<double>;
extern template class Flatten<float>;
extern template class Flatten<double>;

}  // namespace optlab::nn
