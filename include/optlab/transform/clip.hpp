// SPDX-License-Identifier: MIT
// Gradient clipping: small transforms applied to the gradient arena before the optimizer step
// (Optax's clip pieces, ensmallen's GradientClipping wrapper), in any combination with any
// optimizer.
//
//   value:        g ← clamp(g, −c, c)                                   (torch clip_grad_value_)
//   norm:         per tensor, g ← g·c/max(‖g‖₂, c)                      (Keras clipnorm)
//   global_norm:  over every tensor, g ← g·min(1, c/(‖g‖₂ + 1e-6))      (torch clip_grad_norm_)
#pragma once

#include <optional>
#include <string_view>

#include "optlab/core/param_store.hpp"

namespace optlab {

struct GradClip {
    enum class Kind { value, norm, global_norm };
    Kind kind = Kind::global_norm;
    double threshold = 1.0;  // c > 0

    /// Throws InvalidArgument unless threshold is finite and > 0.
    void validate() const;
    /// Clips the gradients of every tensor in `store`; returns the norm before clipping
    /// (global_norm, norm: the largest tensor norm; value: the largest |g|). A non-finite norm
    /// leaves the gradients as they are and is returned, for the caller's NaN policy.
    template <class T>
    double apply(ParamStore<T>& store) const;
};

/// "value", "norm" or "global-norm" (also "global_norm"); throws InvalidArgument otherwise.
GradClip::Kind parse_clip_kind(std::string_view name);
/// "KIND:THRESHOLD" (e.g. "global-norm:1"), validated; "" is no clipping (nullopt).
std::optional<GradClip> parse_clip(std::string_view spec);
std::string_view to_string(GradClip::Kind kind);

}  // namespace optlab
