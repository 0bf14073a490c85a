// SPDX-License-Identifier: MIT
// Adafactor; the formula is in adafactor.hpp and docs/optimizers.md#adafactor. Each step
// follows torch's single-tensor path operation by operation (its roundings: the norms taken,
// then squared; lerp's two branches), with sums in float64, in three passes over a group's
// tensors (a vector's two), each split between optlab's threads by tiles fixed by the shapes.
#include "optlab/optim/adafactor.hpp"

#include <algorithm>
#include <cmath>

#include "optlab/optim/optimizer_impl.hpp"
#include "known_divisor.hpp"

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
// The same with its branch chosen once per step (w is the step's β̂), so the loops vectorise.
template <bool kSmallWeight, class T>
inline T lerp_with(T a, T b, T w) {
    if constexpr (kSmallWeight) {
        return a + w * (b - a);
    } else {
        return b - (b - a) * (T(1) - w);
    }
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

// ------------------------------------------------------------------------------------------
// The work is cut into tiles fixed by the tensors' shapes alone: a vector's elements in blocks
// of kBlock; a matrix's columns in blocks of kTileCols and its rows in blocks that make a tile
// of about kTileElements (whole matrices in one tile when they are that small). A tile's sums
// are taken in a fixed order, and the tiles' sums added in tile order, so the step gives the
// same bits on any number of threads; threads take whole tiles, about as many elements each.
constexpr std::size_t kBlock = 4096;
constexpr std::size_t kTileCols = 1024;
constexpr std::size_t kTileElements = std::size_t{1} << 18;
// A run of at least kInOrder elements is summed in kLanes running sums (element j in sum
// j mod 8, one lane of a vector each), added in order at the end; a shorter run goes into the
// first in order, so a small tensor is summed in order, as the reference's tensors are.
constexpr std::size_t kLanes = 8;
constexpr std::size_t kInOrder = 16;

struct Lanes {
    double sum[kLanes] = {};
    double total() const {
        double s = sum[0];
        for (std::size_t k = 1; k < kLanes; ++k) s += sum[k];
        return s;
    }
};

// lanes += Σx² over a run of n (see kInOrder).
template <class T>
inline void add_squares(Lanes& lanes, const T* __restrict x, std::size_t n) {
    if (n < kInOrder) {
        for (std::size_t j = 0; j < n; ++j) lanes.sum[0] += double(x[j]) * double(x[j]);
        return;
    }
    std::size_t j = 0;
    for (; j + kLanes <= n; j += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) lanes.sum[k] += double(x[j + k]) * double(x[j + k]);
    }
    for (std::size_t k = 0; j < n; ++j, ++k) lanes.sum[k] += double(x[j]) * double(x[j]);
}

// One row of a matrix tile: returns Σg² over its n columns (summed as add_squares does) and
// adds each column's g² to col[c]. Two loops over the row (the second reads it from L1): each
// vectorises on its own, the two together did not.
template <class T>
inline double row_squares(const T* __restrict g, std::size_t n, double* __restrict col) {
    for (std::size_t j = 0; j < n; ++j) col[j] += double(g[j]) * double(g[j]);  // ±g alike: the sign squares away
    Lanes lanes;
    add_squares(lanes, g, n);
    return lanes.total();
}

// The step's scalars, as the parameters' dtype.
template <class T>
struct Scalars {
    T sign;     // ±1
    T weight;   // β̂
    T eps1_sq;  // ε1²
    T decay;    // 1 − γλ
};

// u = (1/√max(v̂, ε1²))·(±g), the select written out so that it vectorises.
template <class T>
inline T direction(T v_hat, T g, const Scalars<T>& s) {
    const T v = v_hat < s.eps1_sq ? s.eps1_sq : v_hat;
    return T(1) / std::sqrt(v) * (s.sign * g);
}

// The loops over a run of elements, with restrict pointers and the scalars by value so that
// they vectorise (the lambdas below only walk the tiles).

// A vector's run: v ← lerp(v, g², β̂) and u, into u[0, n). (θ² and u² are summed by separate
// loops: GCC does not vectorise this one with the sums in it.)
template <bool kSmallWeight, class T>
void vector_statistics(const T* __restrict g, T* __restrict v, T* __restrict u, std::size_t n, Scalars<T> s) {
    for (std::size_t j = 0; j < n; ++j) {
        const T gj = s.sign * g[j];
        v[j] = lerp_with<kSmallWeight>(v[j], gj * gj, s.weight);  // v ← lerp(v, g², β̂)
        u[j] = direction(v[j], g[j], s);
    }
}

// v̂ = r·c / mean for a matrix row: with the mean's float64 reciprocal where that gives the
// division's bits (known_divisor.hpp: float32 and a mean below 2), else the division.
template <bool kReciprocal, class T>
inline T matrix_v_hat(T row_var, T col_var, T mean, double inverse) {
    if constexpr (kReciprocal) {
        return by_reciprocal(row_var * col_var, inverse);
    } else {
        (void)inverse;
        return row_var * col_var / mean;
    }
}

// The row of a matrix a loop walks: its r, its matrix's c (from the tile's first column) and
// max(mean(r), ε1) with its reciprocal.
template <class T>
struct MatrixRow {
    T row_var, mean;
    const T* col_var;
    double inverse;
    bool reciprocal;
};

// A matrix row's run: u from v̂ = r·c / max(mean(r), ε1), into u[0, n).
template <bool kReciprocal, class T>
void matrix_directions(const T* __restrict g, const T* __restrict col_var, T* __restrict u, std::size_t n,
                       MatrixRow<T> row, Scalars<T> s) {
    for (std::size_t j = 0; j < n; ++j) {
        u[j] = direction(matrix_v_hat<kReciprocal>(row.row_var, col_var[j], row.mean, row.inverse), g[j], s);
    }
}

// θ ← θ(1 − γλ) (kDecays), then θ ← θ + step·u: for a matrix row (v̂ = r·c / mean) ...
template <bool kReciprocal, bool kDecays, class T>
void matrix_apply(T* __restrict p, const T* __restrict g, const T* __restrict col_var, std::size_t n,
                  MatrixRow<T> row, T step, Scalars<T> s) {
    for (std::size_t j = 0; j < n; ++j) {
        const T u = direction(matrix_v_hat<kReciprocal>(row.row_var, col_var[j], row.mean, row.inverse), g[j], s);
        const T q = kDecays ? p[j] * s.decay : p[j];
        p[j] = q + step * u;
    }
}

// ... and for a vector's run (v̂ = v).
template <bool kDecays, class T>
void vector_apply(T* __restrict p, const T* __restrict g, const T* __restrict v, std::size_t n, T step,
                  Scalars<T> s) {
    for (std::size_t j = 0; j < n; ++j) {
        const T u = direction(v[j], g[j], s);
        const T q = kDecays ? p[j] * s.decay : p[j];
        p[j] = q + step * u;
    }
}

// Runs kernel(first, last) over the tiles [first, last): on the calling thread for a small
// group, else each of optlab's threads the tiles that start in its share of the elements. The
// kernel is compiled for the CPU's vector width (simd.hpp).
template <class Tile, class Kernel>
void for_tiles(const std::vector<Tile>& tiles, std::size_t elements, Kernel& kernel) {
    const SimdTarget target = simd_target();
    if (num_threads() <= 1 || elements < kSerialThreshold) {
        run_kernel(target, kernel, 0, tiles.size());
        return;
    }
    parallel_run([&](Part part) {
        const auto [begin, end] = part.share(elements);
        auto first_at = [&](std::size_t e) {
            return std::size_t(std::partition_point(tiles.begin(), tiles.end(), [&](const Tile& t) { return t.start < e; }) -
                               tiles.begin());
        };
        run_kernel(target, kernel, first_at(begin), first_at(end));
    });
}

}  // namespace

template <class T>
const typename Adafactor<T>::TensorState& Adafactor<T>::tensor_state(std::size_t index) const {
    static const TensorState empty;
    return index < state_.size() ? state_[index] : empty;
}

template <class T>
void Adafactor<T>::plan_group(std::size_t g) {
    std::vector<Plan>& plans = plans_[g];
    std::vector<Tile>& tiles = tiles_[g];
    std::size_t row_sums = 0, col_sums = 0, means = 0, elements = 0;
    for (std::size_t index : this->group_tensors(g)) {
        const TensorInfo& info = this->store_.info(index);
        Plan plan;
        plan.index = index;
        plan.factored = info.shape.size() > 1;
        plan.first_tile = tiles.size();
        auto add_tile = [&](std::size_t row, std::size_t rows, std::size_t col, std::size_t cols) {
            tiles.push_back({plans.size(), row, rows, col, cols, elements});
            elements += rows * cols;
        };
        if (plan.factored) {
            const Matrices m = matrices_of(info.shape);
            plan.count = m.count;
            plan.rows = m.rows;
            plan.cols = m.cols;
            const std::size_t width = std::min(m.cols, kTileCols);
            const std::size_t height = std::max<std::size_t>(1, kTileElements / std::max<std::size_t>(width, 1));
            plan.col_blocks = width == 0 ? 0 : (m.cols + width - 1) / width;
            plan.block_rows = m.rows <= height ? std::max<std::size_t>(m.rows, 1) : height;
            plan.row_blocks = (m.rows + plan.block_rows - 1) / plan.block_rows;
            plan.row_sums = row_sums;
            plan.col_sums = col_sums;
            plan.means = means;
            row_sums += m.count * m.rows * plan.col_blocks;
            col_sums += m.count * plan.row_blocks * m.cols;
            means += m.count;
            if (info.size > 0) {
                // Whole matrices per tile when they are small, else blocks of one matrix's rows.
                const std::size_t per_tile = m.rows <= height ? std::max<std::size_t>(1, height / m.rows) : 0;
                for (std::size_t mat = 0; mat < m.count;) {
                    const std::size_t next = per_tile > 0 ? std::min(m.count, mat + per_tile) : mat + 1;
                    for (std::size_t r = 0; r < (per_tile > 0 ? 1 : plan.row_blocks); ++r) {
                        const std::size_t first = mat * m.rows + r * plan.block_rows;
                        const std::size_t last = per_tile > 0 ? next * m.rows
                                                              : mat * m.rows + std::min(m.rows, (r + 1) * plan.block_rows);
                        for (std::size_t c = 0; c < m.cols; c += width) {
                            add_tile(first, last - first, c, std::min(width, m.cols - c));
                        }
                    }
                    mat = next;
                }
            }
        } else {
            plan.cols = info.size;
            for (std::size_t b = 0; b < info.size; b += kBlock) add_tile(0, 1, b, std::min(kBlock, info.size - b));
        }
        plan.tiles = tiles.size() - plan.first_tile;
        plans.push_back(plan);
    }
    // Groups step one after another: they share the sums' buffers.
    tile_sums_.resize(std::max(tile_sums_.size(), 2 * tiles.size()));
    row_sums_.resize(std::max(row_sums_.size(), row_sums));
    col_sums_.resize(std::max(col_sums_.size(), col_sums));
    means_.resize(std::max(means_.size(), means));
}

template <class T>
void Adafactor<T>::step_group(std::size_t g) {
    const AdafactorOptions& o = this->options_[g];
    if (plans_.size() <= g) {
        plans_.resize(g + 1);
        tiles_.resize(g + 1);
    }
    if (plans_[g].empty()) plan_group(g);
    std::vector<Plan>& plans = plans_[g];
    const std::vector<Tile>& tiles = tiles_[g];
    const std::size_t elements = tiles.empty() ? 0 : tiles.back().start + tiles.back().rows * tiles.back().cols;
    if (state_.size() < this->store_.tensors().size()) state_.resize(this->store_.tensors().size());
    bool any_factored = false;
    for (Plan& plan : plans) {
        TensorState& st = state_[plan.index];
        if (plan.factored) {
            st.row_var.resize(plan.count * plan.rows, T(0));
            st.col_var.resize(plan.count * plan.cols, T(0));
            plan.row_var = st.row_var.data();
            plan.col_var = st.col_var.data();
            any_factored = true;
        } else {
            st.variance.resize(plan.cols, T(0));
            plan.variance = st.variance.data();
        }
    }

    // Scalars as torch's Python floats.
    const double t = double(this->groups_[g].step);
    const double eps1 = std::isnan(o.eps[0]) ? double(std::numeric_limits<T>::epsilon()) : double(o.eps[0]);
    const double beta2_hat = std::pow(t, double(o.beta2_decay));  // β̂ = t^beta2_decay
    const double rho = std::min(double(o.lr), 1.0 / std::pow(t, 0.5));
    const Scalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .weight = T(beta2_hat),
        .eps1_sq = T(eps1 * eps1),
        .decay = T(1.0 - double(o.lr) * double(o.weight_decay)),
    };
    const T eps1_t = T(eps1);
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    double* tile_sums = tile_sums_.data();
    double* row_sums = row_sums_.data();
    double* col_sums = col_sums_.data();
    T* means = means_.data();
    auto offset_of = [&](const Plan& plan) { return this->store_.info(plan.index).offset; };

    with_flags(
        [&]<bool kSmallWeight, bool kDecays>() {
            // First pass. A matrix: ‖θ‖² (before the decay, as torch) and each row's and column's
            // Σg² in its tile. A vector: ‖θ‖², v ← lerp(v, g², β̂) and ‖u‖².
            auto statistics = [&](std::size_t first, std::size_t last) {
                T u[kBlock];
                for (std::size_t i = first; i < last; ++i) {
                    const Tile& tile = tiles[i];
                    const Plan& plan = plans[tile.plan];
                    const std::size_t offset = offset_of(plan);
                    Lanes squares_p;
                    if (plan.factored) {
                        const std::size_t R = plan.rows, C = plan.cols;
                        double* col = nullptr;
                        for (std::size_t r = tile.row; r < tile.row + tile.rows; ++r) {
                            const std::size_t m = r / R, local = r % R;
                            if (local % plan.block_rows == 0) {  // a new block of rows: its column sums
                                col = col_sums + plan.col_sums + (m * plan.row_blocks + local / plan.block_rows) * C + tile.col;
                                std::fill(col, col + tile.cols, 0.0);
                            }
                            const std::size_t at = offset + r * C + tile.col;
                            row_sums[plan.row_sums + r * plan.col_blocks + tile.col / kTileCols] =
                                row_squares(grad + at, tile.cols, col);
                            add_squares(squares_p, p + at, tile.cols);
                        }
                    } else {
                        const std::size_t at = offset + tile.col, n = tile.cols;
                        add_squares(squares_p, p + at, n);
                        vector_statistics<kSmallWeight>(grad + at, plan.variance + tile.col, u, n, s);
                        Lanes squares_u;
                        add_squares(squares_u, u, n);
                        tile_sums[2 * i + 1] = squares_u.total();
                    }
                    tile_sums[2 * i] = squares_p.total();
                }
            };
            for_tiles(tiles, elements, statistics);

            // Each matrix's statistics from its blocks' sums, added in block order.
            for (Plan& plan : plans) {
                if (!plan.factored) continue;
                const std::size_t R = plan.rows, C = plan.cols;
                for (std::size_t m = 0; m < plan.count; ++m) {
                    T* rv = plan.row_var + m * R;
                    for (std::size_t r = 0; r < R; ++r) {
                        const double* part = row_sums + plan.row_sums + (m * R + r) * plan.col_blocks;
                        double sum = 0;
                        for (std::size_t b = 0; b < plan.col_blocks; ++b) sum += part[b];
                        const T row_norm = T(std::sqrt(sum));
                        rv[r] = lerp(rv[r], row_norm * row_norm / T(C), s.weight);  // r ← lerp(r, ‖g‖²_row / C, β̂)
                    }
                    double* col = col_sums + plan.col_sums + m * plan.row_blocks * C;
                    for (std::size_t b = 1; b < plan.row_blocks; ++b) {
                        for (std::size_t c = 0; c < C; ++c) col[c] += col[b * C + c];
                    }
                    T* cv = plan.col_var + m * C;
                    for (std::size_t c = 0; c < C; ++c) {
                        const T col_norm = T(std::sqrt(plan.row_blocks > 0 ? col[c] : 0.0));
                        cv[c] = lerp(cv[c], col_norm * col_norm / T(R), s.weight);  // c ← lerp(c, ‖g‖²_col / R, β̂)
                    }
                    double sum = 0;
                    for (std::size_t r = 0; r < R; ++r) sum += double(rv[r]);
                    means[plan.means + m] = std::max(T(sum / double(R)), eps1_t);  // clamp(mean(r), min=ε1)
                }
            }

            // Row `r` of a matrix (counted over its matrices).
            auto row_of = [&](const Plan& plan, const Tile& tile, std::size_t r) {
                const std::size_t m = r / plan.rows;
                const T mean = means[plan.means + m];
                return MatrixRow<T>{plan.row_var[r], mean, plan.col_var + m * plan.cols + tile.col,
                                    reciprocal_exact(mean) ? inverse_of(mean) : 0.0, reciprocal_exact(mean)};
            };

            // Second pass, matrices only: ‖u‖², a second read of g.
            auto norms = [&](std::size_t first, std::size_t last) {
                T u[kTileCols];
                for (std::size_t i = first; i < last; ++i) {
                    const Tile& tile = tiles[i];
                    const Plan& plan = plans[tile.plan];
                    if (!plan.factored) continue;
                    Lanes squares_u;
                    for (std::size_t r = tile.row; r < tile.row + tile.rows; ++r) {
                        const MatrixRow<T> row = row_of(plan, tile, r);
                        const T* gr = grad + offset_of(plan) + r * plan.cols + tile.col;
                        if (row.reciprocal) {
                            matrix_directions<true>(gr, row.col_var, u, tile.cols, row, s);
                        } else {
                            matrix_directions<false>(gr, row.col_var, u, tile.cols, row, s);
                        }
                        add_squares(squares_u, u, tile.cols);
                    }
                    tile_sums[2 * i + 1] = squares_u.total();
                }
            };
            if (any_factored) for_tiles(tiles, elements, norms);

            // Per tensor: α = max(ε2, RMS(θ))·ρ and the step −α / max(1, RMS(u)/d), from the
            // tiles' sums added in tile order.
            for (Plan& plan : plans) {
                double sum_p = 0, sum_u = 0;
                for (std::size_t i = plan.first_tile; i < plan.first_tile + plan.tiles; ++i) {
                    sum_p += tile_sums[2 * i];
                    sum_u += tile_sums[2 * i + 1];
                }
                const double n = double(plan.count * plan.rows * plan.cols);
                const double rms_p = double(T(std::sqrt(sum_p))) / std::pow(n, 0.5);
                const double alpha = std::max(double(o.eps[1]), rms_p) * rho;
                const double denom = std::max(1.0, double(T(std::sqrt(sum_u))) / (std::pow(n, 0.5) * double(o.d)));
                plan.step = T(-alpha / denom);
            }

            // Last pass: θ ← θ(1 − γλ), then θ ← θ + step·u with u computed again.
            auto apply = [&](std::size_t first, std::size_t last) {
                for (std::size_t i = first; i < last; ++i) {
                    const Tile& tile = tiles[i];
                    const Plan& plan = plans[tile.plan];
                    const T step = plan.step;
                    for (std::size_t r = tile.row; r < tile.row + tile.rows; ++r) {
                        const std::size_t at = offset_of(plan) + (plan.factored ? r * plan.cols : 0) + tile.col;
                        if (plan.factored) {
                            const MatrixRow<T> row = row_of(plan, tile, r);
                            if (row.reciprocal) {
                                matrix_apply<true, kDecays>(p + at, grad + at, row.col_var, tile.cols, row, step, s);
                            } else {
                                matrix_apply<false, kDecays>(p + at, grad + at, row.col_var, tile.cols, row, step, s);
                            }
                        } else {
                            vector_apply<kDecays>(p + at, grad + at, plan.variance + tile.col, tile.cols, step, s);
                        }
                    }
                }
            };
            for_tiles(tiles, elements, apply);
        },
        std::abs(s.weight) < T(0.5), o.weight_decay != 0.0);
}

template <class T>
std::size_t Adafactor<T>::state_bytes() const {
    std::size_t n = 0;
    for (const TensorState& s : state_) n += (s.row_var.size() + s.col_var.size() + s.variance.size()) * sizeof(T);
    return n;
}

template <class T>
std::size_t Adafactor<T>::workspace_bytes() const {
    return (tile_sums_.size() + row_sums_.size() + col_sums_.size()) * sizeof(double) + means_.size() * sizeof(T);
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
