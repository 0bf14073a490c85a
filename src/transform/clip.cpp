// SPDX-License-Identifier: MIT
#include "optlab/transform/clip.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"

namespace optlab {

void GradClip::validate() const {
    if (!(threshold > 0.0) || !std::isfinite(threshold)) {
        throw_invalid("clip", "threshold", threshold, "a finite number > 0");
    }
}

namespace {
template <class T>
double sum_of_squares(std::span<const T> g) {
    double s = 0.0;  // accumulated in double: float32 sums of 1e7 squares lose digits
    for (T x : g) s += double(x) * double(x);
    return s;
}
}  // namespace

template <class T>
double GradClip::apply(ParamStore<T>& store) const {
    validate();
    switch (kind) {
        case Kind::value: {
            double largest = 0.0;
            const T c = T(threshold);
            for (std::size_t i = 0; i < store.num_tensors(); ++i) {
                for (T& g : store.view(i).grad) {
                    largest = std::max(largest, double(std::abs(g)));
                    g = std::clamp(g, -c, c);
                }
            }
            return largest;
        }
        case Kind::norm: {
            double largest = 0.0;
            for (std::size_t i = 0; i < store.num_tensors(); ++i) {
                std::span<T> g = store.view(i).grad;
                const double norm = std::sqrt(sum_of_squares<T>(g));
                largest = std::max(largest, norm);
                if (!std::isfinite(norm)) return norm;
                const T scale = T(threshold / std::max(norm, threshold));
                for (T& x : g) x *= scale;
            }
            return largest;
        }
        case Kind::global_norm: {
            std::span<T> all = store.grads();  // every tensor, in one pass
            const double norm = std::sqrt(sum_of_squares<T>(all));
            if (!std::isfinite(norm)) return norm;
            const double coef = threshold / (norm + 1e-6);
            if (coef < 1.0) {
                const T scale = T(coef);
                for (T& x : all) x *= scale;
            }
            return norm;
        }
    }
    return 0.0;
}

template double GradClip::apply(ParamStore<float>&) const;
template double GradClip::apply(ParamStore<double>&) const;

GradClip::Kind parse_clip_kind(std::string_view name) {
    if (name == "value") return GradClip::Kind::value;
    if (name == "norm") return GradClip::Kind::norm;
    if (name == "global-norm" || name == "global_norm") return GradClip::Kind::global_norm;
    throw InvalidArgument("clip: unknown kind '" + std::string(name) +
                          "' (expected value, norm or global-norm)");
}

std::optional<GradClip> parse_clip(std::string_view text) {
    if (text.empty()) return std::nullopt;
    const Spec spec = parse_spec(text, "clip");
    if (spec.args.size() != 1) {
        throw InvalidArgument("clip '" + std::string(text) +
                              "': expected KIND:THRESHOLD, e.g. global-norm:1");
    }
    GradClip clip{parse_clip_kind(spec.kind), spec.args[0]};
    clip.validate();
    return clip;
}

std::string_view to_string(GradClip::Kind kind) {
    switch (kind) {
        case GradClip::Kind::value: return "value";
        case GradClip::Kind::norm: return "norm";
        case GradClip::Kind::global_norm: return "global-norm";
    }
    return "?";
}

}  // namespace optlab
