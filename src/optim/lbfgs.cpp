// SPDX-License-Identifier: MIT
// L-BFGS; the formula is in lbfgs.hpp and docs/optimizers.md#l-bfgs. Every line follows
// torch 1.13's lbfgs.py in its order of operations; where torch holds a number in a 0-d
// tensor (a dot product, ρ, H) it is a T here, where in a Python float a double.
#include "optlab/optim/lbfgs.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

LbfgsOptions LbfgsOptions::defaults(Convention c) {
    LbfgsOptions o;  // torch's, in every convention (Keras has no L-BFGS)
    o.convention = c;
    return o;
}

std::int64_t LbfgsOptions::max_evaluations() const {
    const auto iterations = std::int64_t(double(max_iter));
    return double(max_eval) > 0 ? std::int64_t(double(max_eval)) : iterations * 5 / 4;
}

template <class T>
Lbfgs<T>::Lbfgs(ParamStore<T>& store, const LbfgsOptions& options) : Base(store, options) {
    check_one_group();
}

template <class T>
Lbfgs<T>::Lbfgs(ParamStore<T>& store, typename Base::ParamGroups groups) : Base(store, std::move(groups)) {
    check_one_group();
}

template <class T>
void Lbfgs<T>::check_one_group() const {
    if (this->num_groups() != 1) {
        throw InvalidArgument("lbfgs: " + std::to_string(this->num_groups()) +
                              " parameter groups; L-BFGS takes one (torch: \"LBFGS doesn't support "
                              "per-parameter options (parameter groups)\")");
    }
}

template <class T>
void Lbfgs<T>::validate(const LbfgsOptions& o) {
    check_non_negative(kName, o.lr);
    check_whole(kName, "max_iter", o.max_iter, 1);
    check_whole(kName, "max_eval", o.max_eval, 0);
    check_non_negative(kName, o.tolerance_grad);
    check_non_negative(kName, o.tolerance_change);
    check_whole(kName, "history_size", o.history_size, 1);
    const std::string& fn = o.line_search_fn;
    if (fn != "fixed" && fn != "strong_wolfe") {
        throw InvalidArgument("lbfgs: line_search_fn '" + fn + "' (expected fixed — torch's None — or strong_wolfe)");
    }
}

template <class T>
void Lbfgs<T>::step_group(std::size_t) {
    throw InvalidArgument("lbfgs: step() needs a closure (step(closure))");  // never reached: step() refuses first
}

// ---- flat vectors ------------------------------------------------------------------------------

template <class T>
std::size_t Lbfgs<T>::flat_size() const {
    std::size_t n = 0;
    for (std::size_t index : this->group_tensors(0)) n += this->store_.info(index).size;
    return n;
}

template <class T>
void Lbfgs<T>::gather_grad(std::vector<T>& flat) const {
    flat.resize(flat_size());
    auto out = flat.begin();
    for (std::size_t index : this->group_tensors(0)) {
        const auto grad = this->store_.view(index).grad;
        out = std::copy(grad.begin(), grad.end(), out);
    }
}

template <class T>
void Lbfgs<T>::copy_params(std::vector<T>& flat) const {
    flat.resize(flat_size());
    auto out = flat.begin();
    for (std::size_t index : this->group_tensors(0)) {
        const auto param = this->store_.view(index).param;
        out = std::copy(param.begin(), param.end(), out);
    }
}

template <class T>
void Lbfgs<T>::set_params(const std::vector<T>& flat) {
    auto in = flat.begin();
    for (std::size_t index : this->group_tensors(0)) {
        auto param = this->store_.view(index).param;
        std::copy(in, in + std::ptrdiff_t(param.size()), param.begin());
        in += std::ptrdiff_t(param.size());
    }
}

template <class T>
void Lbfgs<T>::add_to_params(double t, const std::vector<T>& d) {
    const T alpha = T(t);  // torch's add_(update, alpha=t): the scalar in the tensor's dtype
    std::size_t k = 0;
    for (std::size_t index : this->group_tensors(0)) {
        for (T& p : this->store_.view(index).param) {
            p = p + alpha * d[k];
            ++k;
        }
    }
}

namespace {

// Dot products through the BLAS, as torch's dot calls it (OpenBLAS here and in Debian's torch:
// the same kernel sums in the same order, so a float64 run stays on torch's bits far longer).
inline float dot(const std::vector<float>& a, const std::vector<float>& b) {
    return cblas_sdot(int(a.size()), a.data(), 1, b.data(), 1);
}
inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
    return cblas_ddot(int(a.size()), a.data(), 1, b.data(), 1);
}

template <class T>
T max_abs(const std::vector<T>& a) {
    T m = 0;
    for (T v : a) m = std::max(m, std::abs(v));
    return m;
}

template <class T>
T sum_abs(const std::vector<T>& a) {
    double sum = 0;
    for (T v : a) sum += double(std::abs(v));
    return T(sum);
}

// y ← y + alpha·x (torch's add_(x, alpha=alpha)).
template <class T>
void axpy(T alpha, const std::vector<T>& x, std::vector<T>& y) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = y[i] + alpha * x[i];
}

// The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
// the bounds (torch's _cubic_interpolate, from minFunc's polyinterp).
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         double xmin_bound, double xmax_bound) {
    const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
    const double d2_square = d1 * d1 - g1 * g2;
    if (d2_square >= 0) {
        const double d2 = std::sqrt(d2_square);
        const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                        : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
        const double above = xmin_bound > min_pos ? xmin_bound : min_pos;  // Python's max(min_pos, lo)
        return xmax_bound < above ? xmax_bound : above;                    // min(·, hi)
    }
    return (xmin_bound + xmax_bound) / 2.;
}

double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2) {
    return x1 <= x2 ? cubic_interpolate(x1, f1, g1, x2, f2, g2, x1, x2)
                    : cubic_interpolate(x1, f1, g1, x2, f2, g2, x2, x1);
}

}  // namespace

template <class T>
double Lbfgs<T>::directional_evaluate(const typename Optimizer<T>::Closure& closure, const std::vector<T>& x,
                                      double t, const std::vector<T>& d, std::vector<T>& grad) {
    add_to_params(t, d);
    const double loss = closure();
    gather_grad(grad);
    set_params(x);
    return loss;
}

// ---- the strong-Wolfe line search (torch's _strong_wolfe, from minFunc's WolfeLineSearch) --------
// c1 = 1e-4, c2 = 0.9 and its own tolerance_change 1e-9: torch calls it with its defaults.
template <class T>
typename Lbfgs<T>::LineSearch Lbfgs<T>::strong_wolfe(const typename Optimizer<T>::Closure& closure, double t,
                                                     double f, T gtd, int max_ls) {
    constexpr double c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9;
    const std::vector<T>& x = x_init_;
    const std::vector<T>& d = d_;
    const double d_norm = double(max_abs(d));
    // The trial point's loss, gradient and slope; g_new_ holds the gradient.
    double f_new = directional_evaluate(closure, x, t, d, g_new_);
    std::int64_t evaluations = 1;
    T gtd_new = dot(g_new_, d);

    // Bracket an interval containing a point satisfying the Wolfe conditions.
    double t_prev = 0, f_prev = f;
    g_prev_ = flat_grad_;
    T gtd_prev = gtd;
    bool done = false;
    int ls_iter = 0;
    double bracket[2] = {0, 0}, bracket_f[2] = {0, 0};
    T bracket_gtd[2] = {0, 0};
    int bracket_size = 0;
    const auto set_bracket = [&](double t0, double f0, const std::vector<T>& g0, T gtd0, double t1, double f1,
                                 const std::vector<T>& g1, T gtd1) {
        bracket[0] = t0, bracket[1] = t1, bracket_f[0] = f0, bracket_f[1] = f1;
        bracket_g_[0] = g0, bracket_g_[1] = g1;
        bracket_gtd[0] = gtd0, bracket_gtd[1] = gtd1;
        bracket_size = 2;
    };
    while (ls_iter < max_ls) {
        if (f_new > (f + c1 * t * double(gtd)) || (ls_iter > 1 && f_new >= f_prev)) {
            set_bracket(t_prev, f_prev, g_prev_, gtd_prev, t, f_new, g_new_, gtd_new);
            break;
        }
        if (std::abs(double(gtd_new)) <= -c2 * double(gtd)) {
            bracket[0] = t, bracket_f[0] = f_new, bracket_g_[0] = g_new_;
            bracket_size = 1;
            done = true;
            break;
        }
        if (gtd_new >= 0) {
            set_bracket(t_prev, f_prev, g_prev_, gtd_prev, t, f_new, g_new_, gtd_new);
            break;
        }
        // Interpolate, between a little past t and ten times t.
        const double min_step = t + 0.01 * (t - t_prev);
        const double max_step = t * 10;
        const double tmp = t;
        t = cubic_interpolate(t_prev, f_prev, double(gtd_prev), t, f_new, double(gtd_new), min_step, max_step);
        t_prev = tmp;
        f_prev = f_new;
        g_prev_ = g_new_;
        gtd_prev = gtd_new;
        f_new = directional_evaluate(closure, x, t, d, g_new_);
        ++evaluations;
        gtd_new = dot(g_new_, d);
        ++ls_iter;
    }
    if (ls_iter == max_ls) {  // (bracket_gtd is not read after this: the zoom below does not run)
        bracket[0] = 0, bracket[1] = t, bracket_f[0] = f, bracket_f[1] = f_new;
        bracket_g_[0] = flat_grad_, bracket_g_[1] = g_new_;
        bracket_size = 2;
    }
    const auto last = [&](auto* a) { return a[bracket_size - 1]; };

    // Zoom: shrink the bracket until a point in it satisfies the conditions.
    bool insuf_progress = false;
    int low_pos = bracket_f[0] <= last(bracket_f) ? 0 : 1, high_pos = 1 - low_pos;
    while (!done && ls_iter < max_ls) {
        if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;  // the bracket is tiny
        t = cubic_interpolate(bracket[0], bracket_f[0], double(bracket_gtd[0]), bracket[1], bracket_f[1],
                              double(bracket_gtd[1]));
        // Close to a boundary without progress last time (or at it): move 0.1 of the bracket in.
        const double hi = std::max(bracket[0], bracket[1]), lo = std::min(bracket[0], bracket[1]);
        const double eps = 0.1 * (hi - lo);
        if (std::min(hi - t, t - lo) < eps) {
            if (insuf_progress || t >= hi || t <= lo) {
                t = std::abs(t - hi) < std::abs(t - lo) ? hi - eps : lo + eps;
                insuf_progress = false;
            } else {
                insuf_progress = true;
            }
        } else {
            insuf_progress = false;
        }
        f_new = directional_evaluate(closure, x, t, d, g_new_);
        ++evaluations;
        gtd_new = dot(g_new_, d);
        ++ls_iter;
        if (f_new > (f + c1 * t * double(gtd)) || f_new >= bracket_f[low_pos]) {
            // Armijo not satisfied, or not lower than the lowest point: the new high end.
            bracket[high_pos] = t, bracket_f[high_pos] = f_new, bracket_g_[high_pos] = g_new_;
            bracket_gtd[high_pos] = gtd_new;
            low_pos = bracket_f[0] <= bracket_f[1] ? 0 : 1, high_pos = 1 - low_pos;
        } else {
            if (std::abs(double(gtd_new)) <= -c2 * double(gtd)) {
                done = true;  // the Wolfe conditions hold
            } else if (double(gtd_new) * (bracket[high_pos] - bracket[low_pos]) >= 0) {
                bracket[high_pos] = bracket[low_pos], bracket_f[high_pos] = bracket_f[low_pos];
                bracket_g_[high_pos] = bracket_g_[low_pos], bracket_gtd[high_pos] = bracket_gtd[low_pos];
            }
            bracket[low_pos] = t, bracket_f[low_pos] = f_new, bracket_g_[low_pos] = g_new_;
            bracket_gtd[low_pos] = gtd_new;
        }
    }
    flat_grad_ = bracket_g_[low_pos];
    return {bracket_f[low_pos], bracket[low_pos], evaluations};
}

// ---- the step ----------------------------------------------------------------------------------

template <class T>
double Lbfgs<T>::step_with_closure(const typename Optimizer<T>::Closure& closure) {
    ++this->groups_[0].step;
    const LbfgsOptions& o = this->options_[0];
    const double lr = o.lr, tolerance_grad = o.tolerance_grad, tolerance_change = o.tolerance_change;
    const auto max_iter = std::int64_t(double(o.max_iter)), max_eval = o.max_evaluations();
    const auto history_size = std::size_t(double(o.history_size));
    const bool line_search = std::string(o.line_search_fn) == "strong_wolfe";

    // The loss and gradient at the start.
    const double orig_loss = closure();
    double loss = orig_loss;
    std::int64_t current_evals = 1;
    ++func_evals_;
    gather_grad(flat_grad_);
    bool opt_cond = max_abs(flat_grad_) <= T(tolerance_grad);
    if (opt_cond) return orig_loss;  // optimal already

    std::int64_t n_iter = 0;
    while (n_iter < max_iter) {
        ++n_iter;
        ++n_iter_;
        // ---- the direction --------------------------------------------------------------------
        if (n_iter_ == 1) {
            d_.resize(flat_grad_.size());
            for (std::size_t i = 0; i < d_.size(); ++i) d_[i] = -flat_grad_[i];
            old_dirs_.clear(), old_stps_.clear(), ro_.clear();
            h_diag_ = T(1);
        } else {
            // Update the memory with the last iteration's y and s.
            std::vector<T> y(flat_grad_.size()), s(flat_grad_.size());
            for (std::size_t i = 0; i < y.size(); ++i) y[i] = flat_grad_[i] - prev_flat_grad_[i];
            const T t = T(t_);
            for (std::size_t i = 0; i < s.size(); ++i) s[i] = d_[i] * t;
            const T ys = dot(y, s);
            if (ys > T(1e-10)) {
                if (old_dirs_.size() == history_size) {  // limited memory: forget the oldest
                    old_dirs_.erase(old_dirs_.begin()), old_stps_.erase(old_stps_.begin());
                    ro_.erase(ro_.begin());
                }
                ro_.push_back(T(1.) / ys);
                h_diag_ = ys / dot(y, y);  // the initial inverse Hessian's scale
                old_dirs_.push_back(std::move(y)), old_stps_.push_back(std::move(s));
            }
            // The two-loop recursion: d ← −H·g with the L-BFGS inverse Hessian.
            const std::size_t num_old = old_dirs_.size();
            al_.resize(std::max(al_.size(), history_size));
            std::vector<T>& q = d_;  // torch collapses q, r and d into one buffer
            for (std::size_t i = 0; i < q.size(); ++i) q[i] = -flat_grad_[i];
            for (std::size_t i = num_old; i-- > 0;) {
                al_[i] = dot(old_stps_[i], q) * ro_[i];
                axpy(T(-al_[i]), old_dirs_[i], q);
            }
            for (T& v : q) v = v * h_diag_;
            for (std::size_t i = 0; i < num_old; ++i) {
                const T be_i = dot(old_dirs_[i], q) * ro_[i];
                axpy(T(al_[i] - be_i), old_stps_[i], q);
            }
        }
        prev_flat_grad_ = flat_grad_;
        prev_loss_ = loss;
        has_direction_ = true;

        // ---- the step length ------------------------------------------------------------------
        if (n_iter_ == 1) {
            const T inverse = T(1.) / sum_abs(flat_grad_);  // min(1., 1./‖g‖₁)·lr, as torch mixes them
            t_ = inverse < T(1.) ? double(inverse * T(lr)) : 1. * lr;
        } else {
            t_ = lr;
        }
        const T gtd = dot(flat_grad_, d_);  // the directional derivative
        if (gtd > T(-tolerance_change)) break;

        std::int64_t ls_func_evals = 0;
        if (line_search) {
            copy_params(x_init_);
            int max_ls = 25;
            if (o.cap_line_search) max_ls = int(std::min<std::int64_t>(25, max_eval - current_evals));
            const LineSearch ls = strong_wolfe(closure, t_, loss, gtd, max_ls);
            loss = ls.loss, t_ = ls.t, ls_func_evals = ls.evaluations;
            add_to_params(t_, d_);
            opt_cond = max_abs(flat_grad_) <= T(tolerance_grad);
        } else {
            add_to_params(t_, d_);
            if (n_iter != max_iter) {  // (in a stochastic setting no use evaluating after the last)
                loss = closure();
                gather_grad(flat_grad_);
                opt_cond = max_abs(flat_grad_) <= T(tolerance_grad);
                ls_func_evals = 1;
            }
        }
        current_evals += ls_func_evals;
        func_evals_ += ls_func_evals;

        // ---- stop? ----------------------------------------------------------------------------
        if (n_iter == max_iter) break;
        if (current_evals >= max_eval) break;
        if (opt_cond) break;
        if (double(max_abs(d_) * std::abs(T(t_))) <= tolerance_change) break;  // ‖t·d‖_∞
        if (std::abs(loss - prev_loss_) < tolerance_change) break;
    }
    return orig_loss;
}

// ---- state -------------------------------------------------------------------------------------

namespace {

std::string slot(std::string_view name, std::size_t i) { return std::string(name) + "." + std::to_string(i); }

}  // namespace

template <class T>
OptimizerState<T> Lbfgs<T>::state_dict() const {
    OptimizerState<T> s = Optimizer<T>::state_dict();
    auto& scalars = s.groups[0].scalars;
    scalars["func_evals"] = double(func_evals_);
    scalars["n_iter"] = double(n_iter_);
    if (!has_direction_) return s;
    scalars["t"] = t_;
    scalars["H_diag"] = double(h_diag_);
    scalars["prev_loss"] = prev_loss_;
    scalars["history"] = double(old_dirs_.size());
    for (std::size_t i = 0; i < ro_.size(); ++i) scalars[slot("ro", i)] = double(ro_[i]);
    // Each flat vector cut back into the group's tensors.
    const auto add = [&](const std::string& buffer, const std::vector<T>& flat) {
        std::size_t k = 0;
        for (std::size_t index : this->group_tensors(0)) {
            const TensorInfo& t = this->store_.info(index);
            s.buffers.push_back({t.name, buffer, t.shape,
                                 std::vector<T>(flat.begin() + std::ptrdiff_t(k), flat.begin() + std::ptrdiff_t(k + t.size))});
            k += t.size;
        }
    };
    add("d", d_);
    add("prev_flat_grad", prev_flat_grad_);
    for (std::size_t i = 0; i < old_dirs_.size(); ++i) {
        add(slot("old_dirs", i), old_dirs_[i]);
        add(slot("old_stps", i), old_stps_[i]);
    }
    return s;
}

template <class T>
void Lbfgs<T>::load_state_dict(const OptimizerState<T>& state) {
    // The groups, hyper-parameters and step count through the base, which keeps no buffers.
    OptimizerState<T> base = state;
    base.buffers.clear();
    const auto& scalars = state.groups.empty() ? std::map<std::string, double>{} : state.groups[0].scalars;
    const auto scalar = [&](const std::string& name) {
        auto it = scalars.find(name);
        if (it == scalars.end()) throw StateMismatch("optimizer state: lbfgs state has no '" + name + "'");
        return it->second;
    };
    // Collect the flat vectors: each buffer's tensors in group order.
    const std::size_t n = flat_size();
    std::map<std::string, std::vector<T>> flats;
    std::map<std::string, std::size_t> filled;
    std::vector<std::size_t> tensor_start;
    for (const auto& b : state.buffers) {
        if (!this->store_.contains(b.param)) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' (buffer " + b.buffer +
                                ") is not a parameter of this lbfgs");
        }
        std::size_t k = 0;
        bool found = false;
        for (std::size_t index : this->group_tensors(0)) {
            const TensorInfo& t = this->store_.info(index);
            if (t.name == b.param) {
                if (b.shape != t.shape || b.data.size() != t.size) {
                    throw StateMismatch("optimizer state: tensor '" + b.param + "' buffer " + b.buffer +
                                        " has another shape than the model's tensor");
                }
                auto& flat = flats[b.buffer];
                flat.resize(n);
                std::copy(b.data.begin(), b.data.end(), flat.begin() + std::ptrdiff_t(k));
                filled[b.buffer] += t.size;
                found = true;
                break;
            }
            k += t.size;
        }
        if (!found) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' (buffer " + b.buffer +
                                ") is not a parameter of this lbfgs");
        }
    }
    for (const auto& [name, count] : filled) {
        if (count != n) throw StateMismatch("optimizer state: lbfgs buffer '" + name + "' misses tensors of the group");
    }
    // Check everything before changing anything.
    const bool direction = scalars.contains("t");
    std::size_t history = 0;
    const auto take = [&](const std::string& name) -> std::vector<T> {
        auto it = flats.find(name);
        if (it == flats.end()) throw StateMismatch("optimizer state: lbfgs state has no buffer '" + name + "'");
        return it->second;
    };
    std::vector<T> d, prev;
    std::vector<std::vector<T>> dirs, stps;
    std::vector<T> ro;
    if (direction) {
        const double h = scalar("history");
        if (!(h >= 0 && h == std::floor(h) && h <= 1e9)) {
            throw StateMismatch("optimizer state: lbfgs history length " + std::to_string(h) + " is not a count");
        }
        history = std::size_t(h);
        d = take("d"), prev = take("prev_flat_grad");
        for (std::size_t i = 0; i < history; ++i) {
            dirs.push_back(take(slot("old_dirs", i)));
            stps.push_back(take(slot("old_stps", i)));
            ro.push_back(T(scalar(slot("ro", i))));
        }
        if (flats.size() != 2 + 2 * history) {
            throw StateMismatch("optimizer state: lbfgs buffers beyond its history of " + std::to_string(history));
        }
    } else if (!flats.empty()) {
        throw StateMismatch("optimizer state: lbfgs buffers without a direction (no 't')");
    }
    const double func_evals = scalar("func_evals"), n_iter = scalar("n_iter");
    Optimizer<T>::load_state_dict(base);
    func_evals_ = std::int64_t(func_evals), n_iter_ = std::int64_t(n_iter);
    has_direction_ = direction;
    if (direction) {
        t_ = scalar("t"), h_diag_ = T(scalar("H_diag")), prev_loss_ = scalar("prev_loss");
    }
    d_ = std::move(d), prev_flat_grad_ = std::move(prev);
    old_dirs_ = std::move(dirs), old_stps_ = std::move(stps), ro_ = std::move(ro);
}

template <class T>
std::span<const T> Lbfgs<T>::buffer(std::string_view name) const {
    if (name == "d") return d_;
    if (name == "prev_flat_grad") return prev_flat_grad_;
    return {};
}

template <class T>
std::size_t Lbfgs<T>::state_bytes() const {
    return (d_.size() + prev_flat_grad_.size() + ro_.size() +
            (old_dirs_.empty() ? 0 : old_dirs_.size() * 2 * old_dirs_[0].size())) * sizeof(T);
}

template <class T>
std::size_t Lbfgs<T>::workspace_bytes() const {
    return (flat_grad_.size() + x_init_.size() + al_.size() + g_new_.size() + g_prev_.size() +
            bracket_g_[0].size() + bracket_g_[1].size()) * sizeof(T);
}

template class Lbfgs<float>;
template class Lbfgs<double>;

}  // namespace optlab
