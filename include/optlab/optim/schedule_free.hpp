// SPDX-License-Identifier: MIT
// Schedule-Free AdamW and SGD (Defazio et al. 2024, "The Road Less Scheduled"; winner of
// AlgoPerf's self-tuning track) as the authors' reference computes them
// (facebookresearch/schedule_free 1.3: AdamWScheduleFree, SGDScheduleFree). No schedule: the
// optimizer keeps the sequence z and trains at y, an interpolation of z and the running
// average x where the model is evaluated; warm-up and the lr_max weighting are built in.
//
//   t-th step (c_t = w_t/Σw, w_t = t^r·lr_max^p, lr_max the largest γ·warm-up so far):
//     AdamW: v ← β2·v + ((1−β2)·g)·g;  ĝ ← g/(√(v/(1−β2^t)) + ε)     SGD: ĝ ← g
//     ĝ ← ĝ + λy
//     y ← lerp(y, z, c_t);  y ← y + (γ_t·(β(1−c_t) − 1))·ĝ;  z ← z − γ_t·ĝ
//   with β = β1 (AdamW) or momentum (SGD) and γ_t = γ·min(1, t/warmup_steps). Evaluation:
//   x = lerp(y, z, 1 − 1/β); training: y = lerp(x, z, 1 − β).
// See docs/optimizers.md#schedule-free.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct ScheduleFreeAdamWOptions {
    Field<"lr"> lr = 0.0025;                     // γ
    Field<"betas", Betas> betas = {0.9, 0.999};  // β1 (interpolation), β2 (second moment)
    Field<"eps"> eps = 1e-8;                     // ε
    Field<"weight_decay"> weight_decay = 0.0;    // λ, at y, after normalisation
    Field<"warmup_steps"> warmup_steps = 0.0;    // steps of linear warm-up (an integer)
    Field<"r"> r = 0.0;                          // weights grow as t^r
    Field<"weight_lr_power"> weight_lr_power = 2.0;  // ... and as lr_max^p
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static ScheduleFreeAdamWOptions defaults(Convention c);
};

struct ScheduleFreeSgdOptions {
    Field<"lr"> lr = 1.0;                        // γ
    Field<"momentum"> momentum = 0.9;            // β, in (0, 1)
    Field<"weight_decay"> weight_decay = 0.0;    // λ, at y
    Field<"warmup_steps"> warmup_steps = 0.0;    // steps of linear warm-up (an integer)
    Field<"r"> r = 0.0;                          // weights grow as t^r
    Field<"weight_lr_power"> weight_lr_power = 2.0;  // ... and as lr_max^p
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static ScheduleFreeSgdOptions defaults(Convention c);
};

template <class T>
class ScheduleFreeAdamW final
    : public BasicOptimizer<T, ScheduleFreeAdamW<T>, ScheduleFreeAdamWOptions> {
    using Base = BasicOptimizer<T, ScheduleFreeAdamW<T>, ScheduleFreeAdamWOptions>;

  public:
    static constexpr std::string_view kName = "schedule-free-adamw";
    /// State buffers: the sequence z, the second moment, the training point kept by eval().
    static constexpr std::array<std::string_view, 3> kBuffers = {"z", "exp_avg_sq", "train_point"};
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const ScheduleFreeAdamWOptions& o);
    bool has_eval_point() const override { return true; }

  private:
    void step_group(std::size_t g) override;
    void to_eval_point(std::size_t g) override;
};

template <class T>
class ScheduleFreeSgd final : public BasicOptimizer<T, ScheduleFreeSgd<T>, ScheduleFreeSgdOptions> {
    using Base = BasicOptimizer<T, ScheduleFreeSgd<T>, ScheduleFreeSgdOptions>;

  public:
    static constexpr std::string_view kName = "schedule-free-sgd";
    /// State buffers: the sequence z, the training point kept by eval().
    static constexpr std::array<std::string_view, 2> kBuffers = {"z", "train_point"};
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const ScheduleFreeSgdOptions& o);
    bool has_eval_point() const override { return true; }

  private:
    void step_group(std::size_t g) override;
    void to_eval_point(std::size_t g) override;
};

extern template class ScheduleFreeAdamW<float>;
extern template class ScheduleFreeAdamW<double>;
extern template class ScheduleFreeSgd<float>;
extern template class ScheduleFreeSgd<double>;

}  // namespace optlab
