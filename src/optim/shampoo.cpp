// SPDX-License-Identifier: MIT
// Shampoo; the formula is in shampoo.hpp and docs/optimizers.md#shampoo. The operation order
// is DistributedShampoo's _compute_search_directions: statistics (and, at refresh steps, the
// inverse roots) from the raw gradient first, then the filtered gradient, its preconditioning
// and grafting, the decoupled decay added to the direction, momentum, and the step.
#include "optlab/optim/shampoo.hpp"

#include <algorithm>
#include <cmath>

#include "../core/blas_threads.hpp"
#include "../core/linalg.hpp"
#include "matrix_ops.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

ShampooOptions ShampooOptions::defaults(Convention c) {
    ShampooOptions o;  // DistributedShampoo's, with Adam grafting; in every convention
    o.convention = c;
    return o;
}

template <class T>
void Shampoo<T>::validate(const ShampooOptions& o) {
    check_non_negative(kName, o.lr);
    check_unit_open(kName, "betas[0]", o.betas[0]);
    check_unit_closed(kName, "betas[1]", o.betas[1]);
    if (!(o.eps > 0.0)) throw_invalid(kName, "eps", o.eps, "a positive number (DistributedShampoo's epsilon)");
    check_non_negative(kName, o.weight_decay);
    check_whole(kName, "max_preconditioner_dim", o.max_preconditioner_dim, 1);
    check_whole(kName, "precondition_frequency", o.precondition_frequency, 1);
    check_whole(kName, "start_preconditioning_step", o.start_preconditioning_step, -1);
    const std::string& grafting = o.grafting;
    if (grafting != "adam" && grafting != "adagrad") {
        throw InvalidArgument("shampoo: grafting '" + grafting + "' (expected adam or adagrad)");
    }
    check_unit_open(kName, "grafting_beta2", o.grafting_beta2);
    if (!(o.grafting_eps > 0.0)) throw_invalid(kName, "grafting_eps", o.grafting_eps, "a positive number");
    check_non_negative(kName, o.momentum);
}

template <class T>
std::vector<typename Shampoo<T>::Block> Shampoo<T>::blocks(std::size_t rows, std::size_t cols, std::size_t b) {
    std::vector<Block> out;
    for (std::size_t r = 0; r < rows; r += b) {
        for (std::size_t c = 0; c < cols; c += b) out.push_back({r, std::min(b, rows - r), c, std::min(b, cols - c)});
    }
    return out;
}

namespace {

bool is_matrix(const TensorInfo& info) { return info.shape.size() == 2 && info.size > 0; }

// Σ r² + c² over the blocks: the numbers of one of factor or inverse.
template <class Blocks>
std::size_t matrix_elements(const Blocks& blocks) {
    std::size_t n = 0;
    for (const auto& b : blocks) n += b.rows * b.rows + b.cols * b.cols;
    return n;
}

}  // namespace

template <class T>
std::size_t Shampoo<T>::state_bytes() const {
    std::size_t n = Base::state_bytes();
    for (const TensorState& s : state_) n += (s.factor.size() + s.inverse.size()) * sizeof(T);
    return n;
}

template <class T>
std::size_t Shampoo<T>::workspace_bytes() const {
    return (g_.size() + p_.size() + x_.size() + y_.size() + z_.size()) * sizeof(T) +
           (a64_.size() + b64_.size() + w64_.size()) * sizeof(double);
}

// inverse ← (factor/bc2 + εI)^(−1/4) by eigendecomposition (DistributedShampoo's
// matrix_inverse_root, EigenConfig with its default perturbation): eigenvalues below ε are
// lifted as a whole, λ ← λ − λmin + ε.
template <class T>
void Shampoo<T>::inverse_root(std::size_t n, const T* factor, double bias_correction2, double eps, T* inverse) {
    // One BLAS thread for the factorisation and its product: OpenBLAS's LAPACK gives other bits
    // on other thread counts, and a step must give the same bits on any (test_state.py).
    const BlasThreadScope one_thread(1);
    for (std::size_t i = 0; i < n * n; ++i) a64_[i] = double(factor[i]) / bias_correction2;
    for (std::size_t i = 0; i < n; ++i) a64_[i * n + i] = a64_[i * n + i] + eps;
    linalg::symmetric_eigh(n, a64_.data(), w64_.data(), "shampoo");
    const double lambda_min = *std::min_element(w64_.begin(), w64_.begin() + std::ptrdiff_t(n));
    for (std::size_t j = 0; j < n; ++j) {
        double lambda = w64_[j];
        if (lambda_min < eps) lambda = (lambda + -lambda_min) + eps;
        w64_[j] = std::pow(lambda, -1.0 / 4.0);
    }
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) b64_[i * n + j] = a64_[i * n + j] * w64_[j];  // Q·diag(λ^−¼)
    }
    matrix_ops::gemm(false, true, n, n, n, 1.0, b64_.data(), a64_.data(), 0.0, w64_.data());  // ·Qᵀ
    for (std::size_t i = 0; i < n * n; ++i) inverse[i] = T(w64_[i]);
}

template <class T>
void Shampoo<T>::step_group(std::size_t g) {
    const ShampooOptions& o = this->options_[g];
    T* params = this->store_.params().data();
    const T* grads = this->store_.grads().data();
    const double beta1 = o.betas[0], beta2 = o.betas[1];
    const bool adam = std::string(o.grafting) == "adam";
    const double graft_beta2 = adam ? double(o.grafting_beta2) : 1.0;
    T* filtered = beta1 != 0.0 ? this->state("filtered_grad") : nullptr;
    T* graft = this->state("grafting_state");
    T* momentum = o.momentum != 0.0 ? this->state("momentum_buffer") : nullptr;
    if (state_.size() < this->store_.tensors().size()) state_.resize(this->store_.tensors().size());

    const std::int64_t t = this->step_count(g);
    const std::int64_t f = std::int64_t(double(o.precondition_frequency));
    const std::int64_t start = o.start_preconditioning_step == -1.0 ? f : std::int64_t(double(o.start_preconditioning_step));
    const bool refresh = (t % f == 0 && t > start) || t == start;
    const bool grafted_only = t < start;
    const double bias_correction2 = o.use_bias_correction && beta2 < 1.0 ? 1.0 - std::pow(beta2, double(t)) : 1.0;
    const double graft_bias_correction2 = adam ? 1.0 - std::pow(graft_beta2, double(t)) : 1.0;
    const double bias_correction1 = o.use_bias_correction ? 1.0 - beta1 * std::pow(beta1, double(t - 1)) : 1.0;
    // The step's scalars in T, as torch's foreach ops take python floats.
    const T sign = o.maximize ? T(-1) : T(1);
    const T factor_decay = T(beta2), factor_weight = T(beta2 == 1.0 ? 1.0 : 1.0 - beta2);
    const T graft_decay = T(graft_beta2), graft_weight = T(adam ? 1.0 - graft_beta2 : 1.0);
    const T w = T(1.0 - beta1), one_minus_w = T(1) - w;
    const T bc1 = T(bias_correction1), graft_bc2 = T(graft_bias_correction2), graft_eps = T(double(o.grafting_eps));
    const T decay = T(double(o.weight_decay)), mu = T(double(o.momentum)), minus_lr = T(-double(o.lr));
    const auto b = std::size_t(double(o.max_preconditioner_dim));
    const BlasThreadScope blas_threads(num_threads());  // the products on optlab's threads

    for (std::size_t index : this->group_tensors(g)) {
        const TensorInfo& info = this->store_.info(index);
        const std::size_t n = info.size;
        if (n == 0) continue;
        T* p = params + info.offset;
        T* v = graft + info.offset;
        for (auto* work : {&g_, &p_, &x_}) work->resize(std::max(work->size(), n));
        T* grad = g_.data();
        for (std::size_t i = 0; i < n; ++i) grad[i] = sign * grads[info.offset + i];

        // ---- statistics: L, R per block, the grafted method's v --------------------------
        const bool matrix = is_matrix(info);
        TensorState& s = state_[index];
        if (matrix && s.block_size != b) {
            s.blocks = blocks(info.shape[0], info.shape[1], b);
            s.block_size = b;
            if (s.factor.size() != matrix_elements(s.blocks)) {  // b changed mid-run: statistics afresh
                s.factor.clear();
                s.inverse.clear();
            }
        }
        const std::vector<Block>& parts = s.blocks;
        if (matrix && s.factor.empty()) {
            s.factor.assign(matrix_elements(parts), T(0));
            s.inverse.assign(matrix_elements(parts), T(0));
        }
        std::size_t largest = 0;
        for (const Block& k : parts) largest = std::max({largest, k.rows, k.cols});
        for (auto* work : {&y_, &z_}) work->resize(std::max(work->size(), largest * largest));
        for (auto* work : {&a64_, &b64_, &w64_}) work->resize(std::max(work->size(), largest * largest));
        const std::size_t cols = matrix ? info.shape[1] : n;
        std::size_t offset = 0;
        for (const Block& k : parts) {
            for (std::size_t i = 0; i < k.rows; ++i) {  // the block, contiguous
                std::copy_n(grad + (k.row + i) * cols + k.col, k.cols, x_.data() + i * k.cols);
            }
            T* L = s.factor.data() + offset;
            T* R = L + k.rows * k.rows;
            matrix_ops::gram(k.rows, k.cols, x_.data(), y_.data());                   // G·Gᵀ
            for (std::size_t i = 0; i < k.rows * k.rows; ++i) {
                if (beta2 != 1.0) L[i] = L[i] * factor_decay;
                L[i] = L[i] + factor_weight * y_[i];                                   // L ← β2·L + w·G·Gᵀ
            }
            matrix_ops::transpose(k.rows, k.cols, x_.data(), p_.data());
            matrix_ops::gram(k.cols, k.rows, p_.data(), y_.data());                   // Gᵀ·G
            for (std::size_t i = 0; i < k.cols * k.cols; ++i) {
                if (beta2 != 1.0) R[i] = R[i] * factor_decay;
                R[i] = R[i] + factor_weight * y_[i];                                   // R ← β2·R + w·Gᵀ·G
            }
            if (refresh) {
                inverse_root(k.rows, L, bias_correction2, o.eps, s.inverse.data() + offset);
                inverse_root(k.cols, R, bias_correction2, o.eps, s.inverse.data() + offset + k.rows * k.rows);
            }
            offset += k.rows * k.rows + k.cols * k.cols;
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (graft_beta2 != 1.0) v[i] = v[i] * graft_decay;
            v[i] = v[i] + graft_weight * grad[i] * grad[i];                            // v ← β̃2·v + w̃·g²
        }

        // ---- the filtered gradient ḡ (in g_) and the grafted direction (in p_) ------------
        if (filtered != nullptr) {
            T* m = filtered + info.offset;
            for (std::size_t i = 0; i < n; ++i) {
                m[i] = matrix_ops::lerp(m[i], grad[i], w, one_minus_w);                  // m ← lerp(m, g, 1−β1)
                grad[i] = m[i] / bc1;                                                  // ḡ = m/(1 − β1^t)
            }
        }
        T* direction = p_.data();
        for (std::size_t i = 0; i < n; ++i) {
            direction[i] = grad[i] / (std::sqrt(v[i] / graft_bc2) + graft_eps);       // ḡ/(√(v/bc̃2) + ε̃)
        }

        // ---- Shampoo's direction per block, at the grafted direction's norm ----------------
        if (matrix && !grafted_only) {
            offset = 0;
            for (const Block& k : parts) {
                double graft_sq = 0;
                for (std::size_t i = 0; i < k.rows; ++i) {
                    for (std::size_t j = 0; j < k.cols; ++j) {
                        const T d = direction[(k.row + i) * cols + k.col + j];
                        graft_sq += double(d) * double(d);
                    }
                    std::copy_n(grad + (k.row + i) * cols + k.col, k.cols, x_.data() + i * k.cols);
                }
                const T* L_inv = s.inverse.data() + offset;
                const T* R_inv = L_inv + k.rows * k.rows;
                matrix_ops::gemm(false, false, k.rows, k.cols, k.rows, T(1), L_inv, x_.data(), T(0), y_.data());  // L⁻·ḡ
                matrix_ops::gemm(false, false, k.rows, k.cols, k.cols, T(1), y_.data(), R_inv, T(0), z_.data());  // ·R⁻
                double shampoo_sq = 0;
                for (std::size_t i = 0; i < k.rows * k.cols; ++i) shampoo_sq += double(z_[i]) * double(z_[i]);
                const T scale = T(std::sqrt(graft_sq)) / (T(std::sqrt(shampoo_sq)) + T(1e-16));  // ‖graft‖/(‖P‖ + 1e-16)
                for (std::size_t i = 0; i < k.rows; ++i) {
                    for (std::size_t j = 0; j < k.cols; ++j) {
                        direction[(k.row + i) * cols + k.col + j] = z_[i * k.cols + j] * scale;
                    }
                }
                offset += k.rows * k.rows + k.cols * k.cols;
            }
        }

        // ---- decay, momentum, the step ---------------------------------------------------
        T* buffer = momentum != nullptr ? momentum + info.offset : nullptr;
        for (std::size_t i = 0; i < n; ++i) {
            T d = direction[i];
            if (decay != T(0)) d = d + decay * p[i];                                   // P ← P + λθ
            if (buffer != nullptr) {
                buffer[i] = buffer[i] * mu + d;                                        // M ← μM + P
                d = o.nesterov ? d + mu * buffer[i] : buffer[i];                       // P ← P + μM, or M
            }
            p[i] = p[i] + minus_lr * d;                                                // θ ← θ − γP
        }
    }
}

// ---- saved state ---------------------------------------------------------------------------

template <class T>
OptimizerState<T> Shampoo<T>::state_dict() const {
    OptimizerState<T> s = Base::state_dict();
    for (std::size_t index = 0; index < state_.size(); ++index) {
        const TensorState& st = state_[index];
        if (st.factor.empty()) continue;
        const std::string& name = this->store_.info(index).name;
        s.buffers.push_back({name, "factor_matrices", {st.factor.size()}, st.factor});
        s.buffers.push_back({name, "inv_factor_matrices", {st.inverse.size()}, st.inverse});
    }
    return s;
}

template <class T>
void Shampoo<T>::load_state_dict(const OptimizerState<T>& s) {
    // A matrix's blocks follow max_preconditioner_dim of its group in `s`.
    std::vector<TensorState> loaded(this->store_.tensors().size());
    std::vector<std::size_t> expected(loaded.size(), 0);
    std::vector<std::int64_t> steps(loaded.size(), 0);
    for (const auto& group : s.groups) {
        ShampooOptions o = ShampooOptions::defaults(s.convention);
        apply_hyper(o, group.hyper, kName);
        for (const std::string& name : group.params) {
            if (!this->store_.contains(name)) continue;  // the base refuses it, naming it
            const std::size_t index = this->store_.index_of(name);
            const TensorInfo& info = this->store_.info(index);
            if (is_matrix(info)) {
                expected[index] = matrix_elements(blocks(info.shape[0], info.shape[1], std::size_t(double(o.max_preconditioner_dim))));
            }
            steps[index] = group.step;
        }
    }
    OptimizerState<T> rest = s;
    rest.buffers.clear();
    for (const auto& b : s.buffers) {
        if (b.buffer != "factor_matrices" && b.buffer != "inv_factor_matrices") {
            rest.buffers.push_back(b);
            continue;
        }
        if (!this->store_.contains(b.param)) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' (buffer " + b.buffer + ") is not in the model");
        }
        const std::size_t index = this->store_.index_of(b.param);
        if (b.data.size() != expected[index] || b.shape != std::vector<std::size_t>{b.data.size()}) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' buffer " + b.buffer + " has " +
                                std::to_string(b.data.size()) + " numbers; its blocks need " + std::to_string(expected[index]));
        }
        (b.buffer == "factor_matrices" ? loaded[index].factor : loaded[index].inverse) = b.data;
    }
    for (std::size_t index = 0; index < loaded.size(); ++index) {
        const bool needed = expected[index] > 0 && steps[index] > 0;
        if (loaded[index].factor.empty() != loaded[index].inverse.empty() || (needed && loaded[index].factor.empty())) {
            throw StateMismatch("optimizer state: matrix '" + this->store_.info(index).name +
                                "' needs both factor_matrices and inv_factor_matrices after its first step");
        }
    }
    Base::load_state_dict(rest);  // refuses, changing nothing, what does not fit
    state_ = std::move(loaded);
}

template class Shampoo<float>;
template class Shampoo<double>;

}  // namespace optlab
