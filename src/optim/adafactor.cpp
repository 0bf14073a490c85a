// SPDX-License-Identifier: MIT
// Adafactor; the formula is in adafactor.hpp and docs/optimizers.md#adafactor. Each step
// follows torch's single-tensor path operation by operation (its roundings: the norms taken,
// then squared; lerp's two branches), with sums in float64.
#include "optlab/optim/adafactor.hpp"

#include <cmath>

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

AdafactorOptions AdafactorOptions::defaults(Convention c) {
    AdafactorOptions o;  // the same rule and defaults in every convention (docs: Keras differs)
    o.convention = c;
    return o;
}

template <class T>
void Adafactor<T>::validate(const AdafactorOptions& o) {
    check_non_negative(kName, o.lr);
    if (!(o.beta2_decay <= 0.0) || !std::isfinite(double(o.beta2_decay))) {
        throw_invalid(kName, "beta2_decay", o.beta2_decay, "a finite number <= 0");
    }
    if (!std::isnan(o.eps[0])) check_non_negative(kName, "eps[0]", o.eps[0]);
    check_non_negative(kName, "eps[1]", o.eps[1]);
    if (!(o.d >= 1.0) || !std::isfinite(double(o.d))) throw_invalid(kName, "d", o.d, "a finite number >= 1");
    check_non_negative(kName, o.weight_decay);
}

namespace {

// torch's lerp: a + w(b − a) for |w| < 0.5, else b − (b − a)(1 − w) (exact at w = 1).
template <class T>
inline T lerp(T a, T b, T w) {
    return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * (T(1) - w);
}

// The shape of a (…, R, C) tensor as matrices.
struct Matrices {
    std::size_t count, rows, cols;
};
Matrices matrices_of(const std::vector<std::size_t>& shape) {
    const std::size_t rows = shape[shape.size() - 2], cols = shape.back();
    std::size_t count = 1;
    for (std::size_t i = 0; i + 2 < shape.size(); ++i) count *= shape[i];
    return {count, rows, cols};
}

}  // namespace

template <class T>
const typename Adafactor<T>::TensorState& Adafactor<T>::tensor_state(std::size_t index) const {
    static const TensorState empty;
    return index < state_.size() ? state_[index] : empty;
}

template <class T>
void Adafactor<T>::step_group(std::size_t g) {
    const double t = double(this->groups_[g].step);
    for (std::size_t index : this->group_tensors(g)) step_tensor(index, this->options_[g], t);
}

template <class T>
void Adafactor<T>::step_tensor(std::size_t index, const AdafactorOptions& o, double t) {
    const TensorInfo& info = this->store_.info(index);
    T* p = this->store_.params().data() + info.offset;
    const T* grad = this->store_.grads().data() + info.offset;
    const std::size_t n = info.size;
    const bool factored = info.shape.size() > 1;
    if (state_.size() <= index) state_.resize(this->store_.tensors().size());
    TensorState& st = state_[index];

    // Scalars as torch's Python floats.
    const double eps1 = std::isnan(o.eps[0]) ? double(std::numeric_limits<T>::epsilon()) : double(o.eps[0]);
    const double beta2_hat = std::pow(t, double(o.beta2_decay));  // β̂ = t^beta2_decay
    const double rho = std::min(double(o.lr), 1.0 / std::pow(t, 0.5));
    const T w = T(beta2_hat), sign = o.maximize ? T(-1) : T(1);
    const T eps1_t = T(eps1), eps1_sq = T(eps1 * eps1);

    // First pass: ‖θ‖ (before the decay, as torch) and the statistics; for a vector also ‖u‖.
    double sum_p = 0, sum_u = 0;
    std::vector<T> mean_row;  // per matrix: max(mean(r), ε1)
    Matrices shape{1, 1, n};
    if (factored) {
        shape = matrices_of(info.shape);
        const auto [count, R, C] = shape;
        st.row_var.resize(count * R, T(0));
        st.col_var.resize(count * C, T(0));
        mean_row.resize(count);
        std::vector<double> col_sums(C);
        for (std::size_t m = 0; m < count; ++m) {
            const T* gm = grad + m * R * C;
            const T* pm = p + m * R * C;
            std::fill(col_sums.begin(), col_sums.end(), 0.0);
            for (std::size_t r = 0; r < R; ++r) {
                double row_sum = 0;
                for (std::size_t c = 0; c < C; ++c) {
                    const double g = double(gm[r * C + c]);  // ±g alike: the sign squares away
                    row_sum += g * g;
                    col_sums[c] += g * g;
                    sum_p += double(pm[r * C + c]) * double(pm[r * C + c]);
                }
                const T row_norm = T(std::sqrt(row_sum));
                T& rv = st.row_var[m * R + r];
                rv = lerp(rv, row_norm * row_norm / T(C), w);    // r ← lerp(r, ‖g‖²_row / C, β̂)
            }
            for (std::size_t c = 0; c < C; ++c) {
                const T col_norm = T(std::sqrt(col_sums[c]));
                T& cv = st.col_var[m * C + c];
                cv = lerp(cv, col_norm * col_norm / T(R), w);    // c ← lerp(c, ‖g‖²_col / R, β̂)
            }
            double sum = 0;
            for (std::size_t r = 0; r < R; ++r) sum += double(st.row_var[m * R + r]);
            mean_row[m] = std::max(T(sum / double(R)), eps1_t);  // clamp(mean(r), min=ε1)
        }
    } else {
        st.variance.resize(n, T(0));
    }
    // Plain copies, not a structured binding: a lambda may not capture one before C++20's
    // P1091 lands in clang (clang 14 builds the fuzz targets).
    const std::size_t R = shape.rows, C = shape.cols;
    auto update = [&](std::size_t i) {                           // u = ±g / √max(v̂, ε1²)
        T v_hat;
        if (factored) {
            const std::size_t m = i / (R * C), r = (i / C) % R, c = i % C;
            v_hat = st.row_var[m * R + r] * st.col_var[m * C + c] / mean_row[m];
        } else {
            v_hat = st.variance[i];
        }
        return T(1) / std::sqrt(std::max(v_hat, eps1_sq)) * (sign * grad[i]);
    };
    if (factored) {  // ‖u‖: a second read of g
        for (std::size_t i = 0; i < n; ++i) {
            const T u = update(i);
            sum_u += double(u) * double(u);
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            sum_p += double(p[i]) * double(p[i]);
            const T g = sign * grad[i];
            st.variance[i] = lerp(st.variance[i], g * g, w);     // v ← lerp(v, g², β̂)
            const T u = update(i);
            sum_u += double(u) * double(u);
        }
    }
    const double rms_p = double(T(std::sqrt(sum_p))) / std::pow(double(n), 0.5);
    const double alpha = std::max(double(o.eps[1]), rms_p) * rho;  // α = max(ε2, RMS(θ))·ρ
    const double denom = std::max(1.0, double(T(std::sqrt(sum_u))) / (std::pow(double(n), 0.5) * double(o.d)));

    // Last pass: θ ← θ(1 − γλ), then θ ← θ − (α/denom)·u with u computed again.
    const T decay = T(1.0 - double(o.lr) * double(o.weight_decay)), step = T(-alpha / denom);
    for (std::size_t i = 0; i < n; ++i) {
        if (o.weight_decay != 0.0) p[i] = p[i] * decay;
        p[i] = p[i] + step * update(i);
    }
}

template <class T>
std::size_t Adafactor<T>::state_bytes() const {
    std::size_t n = 0;
    for (const TensorState& s : state_) n += (s.row_var.size() + s.col_var.size() + s.variance.size()) * sizeof(T);
    return n;
}

template <class T>
OptimizerState<T> Adafactor<T>::state_dict() const {
    OptimizerState<T> s = Base::state_dict();
    for (std::size_t index = 0; index < state_.size(); ++index) {
        const TensorState& st = state_[index];
        const TensorInfo& info = this->store_.info(index);
        if (!st.row_var.empty()) {
            std::vector<std::size_t> rows = info.shape, cols = info.shape;
            rows.back() = 1;
            cols[cols.size() - 2] = 1;
            s.buffers.push_back({info.name, "row_var", rows, st.row_var});
            s.buffers.push_back({info.name, "col_var", cols, st.col_var});
        }
        if (!st.variance.empty()) s.buffers.push_back({info.name, "variance", info.shape, st.variance});
    }
    return s;
}

template <class T>
void Adafactor<T>::load_state_dict(const OptimizerState<T>& s) {
    // Check every statistic against its tensor before changing anything; the rest is the base's.
    OptimizerState<T> rest = s;
    rest.buffers.clear();
    std::vector<TensorState> loaded(this->store_.tensors().size());
    for (const auto& b : s.buffers) {
        if (b.buffer != "row_var" && b.buffer != "col_var" && b.buffer != "variance") {
            rest.buffers.push_back(b);
            continue;
        }
        std::size_t index = 0;
        try {
            index = this->store_.index_of(b.param);
        } catch (const Error&) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' (buffer " + b.buffer +
                                ") is not in the model");
        }
        const TensorInfo& info = this->store_.info(index);
        std::vector<std::size_t> expected = info.shape;
        const bool factored = info.shape.size() > 1;
        if (b.buffer == "row_var" && factored) expected.back() = 1;
        if (b.buffer == "col_var" && factored) expected[expected.size() - 2] = 1;
        std::size_t size = 1;
        for (auto d : expected) size *= d;
        if ((b.buffer == "variance") == factored || b.shape != expected || b.data.size() != size) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' buffer " + b.buffer +
                                " does not fit a tensor of " + std::to_string(info.shape.size()) +
                                " dimensions (" + std::to_string(info.size) + " elements)");
        }
        (b.buffer == "row_var" ? loaded[index].row_var : b.buffer == "col_var" ? loaded[index].col_var
                                                                               : loaded[index].variance) = b.data;
    }
    for (std::size_t index = 0; index < loaded.size(); ++index) {
        if (loaded[index].row_var.empty() != loaded[index].col_var.empty()) {
            throw StateMismatch("optimizer state: tensor '" + this->store_.info(index).name +
                                "' has one of row_var and col_var without the other");
        }
    }
    Base::load_state_dict(rest);  // refuses, changing nothing, what does not fit
    state_ = std::move(loaded);
}

template class Adafactor<float>;
template class Adafactor<double>;

}  // namespace optlab
