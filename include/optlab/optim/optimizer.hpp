// SPDX-License-Identifier: MIT
// The optimizer interface (torch.optim's): step(), zero_grad(), parameter groups with their own
// hyper-parameters, hyper-parameters readable and settable between steps, and state that can be
// saved and loaded.
//
// Memory layout: a group is a set of tensors of one ParamStore; its tensors become a few
// contiguous ranges of the arenas (neighbouring tensors merge), and every state buffer (exp_avg,
// momentum_buffer, ...) is an arena-sized array indexed like the parameters. A step is then one
// fused pass per range: p, g and the state are read and written once, by one loop, split across
// threads on cache-line boundaries. Per-step scalars (bias corrections, step sizes) are
// computed once per group per step, outside the loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/core/aligned.hpp"
#include "optlab/core/param_store.hpp"
#include "optlab/optim/convention.hpp"
#include "optlab/optim/hyper.hpp"

namespace optlab {

/// An optimizer's complete state, keyed by tensor names (not positions), in memory. io/
/// optimizer_state.hpp writes it as a safetensors file; load_state_dict() refuses one that does
/// not fit, naming the tensor or field.
template <class T>
struct OptimizerState {
    static constexpr std::int64_t kFormatVersion = 1;

    struct Group {
        std::vector<std::string> params;        // tensor names, in the group's order
        HyperParams hyper;                      // every hyper-parameter of the group
        std::int64_t step = 0;                  // updates done by this group
        std::map<std::string, double> scalars;  // per-group scalar state, e.g. NAdam's mu_product
    };
    struct Buffer {
        std::string param;               // tensor name, e.g. "layer1.weight"
        std::string buffer;              // PyTorch's state name, e.g. "exp_avg"
        std::vector<std::size_t> shape;  // the tensor's shape
        std::vector<T> data;             // row-major
    };

    std::string optimizer;  // registry name, e.g. "adam"
    Convention convention = Convention::torch;
    bool training = true;   // false: saved in evaluation mode (Optimizer::eval)
    std::vector<Group> groups;
    std::vector<Buffer> buffers;
};

template <class T>
class Optimizer {
  public:
    /// A contiguous run of arena elements that one group updates.
    struct Range {
        std::size_t offset;
        std::size_t size;
    };

    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// Registry name: "sgd", "adam", ...
    virtual std::string_view name() const = 0;
    Convention convention() const { return convention_; }

    /// One update of every group from the gradients in the store's gradient arena. Throws
    /// Error in evaluation mode (eval() without train()), and for an optimizer that
    /// needs_closure().
    virtual void step();

    /// What torch's step(closure) is given: zeroes the gradients, evaluates the loss at the
    /// store's parameters on the step's batch (the same batch every call), writes its gradient
    /// into the gradient arena and returns the loss.
    using Closure = std::function<double()>;
    /// torch's step(closure): one update that may evaluate the loss and gradient again within
    /// the step (L-BFGS, as often as torch's calls its closure). Returns the loss of the first
    /// call, at the parameters before the step (torch's orig_loss). An optimizer that does not
    /// need it calls it once and steps: this is step() for every optimizer.
    double step(const Closure& closure);
    /// Whether step() alone cannot update: the optimizer evaluates the loss itself (L-BFGS).
    virtual bool needs_closure() const { return false; }
    /// One update of the groups whose flag in `active` is set (one flag per group); the others
    /// keep their parameters, state and step count, as if the step had not happened for them.
    /// torch.optim skips a parameter whose .grad is None this way: with one group per tensor
    /// (optlab.torch makes it so), stepping the groups that have gradients is torch's step.
    /// Every flag set is step(). Throws InvalidArgument for a wrong number of flags, and for
    /// some flags unset on an optimizer that steps as a whole (Lookahead, EMA, combined ones).
    void step_groups(const std::vector<bool>& active);
    /// Whether step_groups() can leave some groups out.
    virtual bool steps_by_group() const { return true; }
    /// Zeroes the gradients of every tensor this optimizer updates, and forgets which of their
    /// rows received one (ParamStore::track_rows).
    void zero_grad();

    std::size_t num_groups() const { return groups_.size(); }
    /// Tensor indices (into the store) of group g.
    const std::vector<std::size_t>& group_tensors(std::size_t g) const {
        return groups_.at(g).tensors;
    }
    const std::vector<Range>& group_ranges(std::size_t g) const { return groups_.at(g).ranges; }
    /// Updates done by group g so far (PyTorch's state["step"]).
    std::int64_t step_count(std::size_t g) const { return groups_.at(g).step; }

    virtual double lr(std::size_t g) const = 0;
    /// Sets group g's learning rate (schedules call this between steps); lr >= 0.
    virtual void set_lr(std::size_t g, double lr) = 0;
    /// Every hyper-parameter of group g by PyTorch's names.
    virtual HyperParams hyper(std::size_t g) const = 0;
    /// Changes the named hyper-parameters of group g; validates like the constructor, and on
    /// error leaves the group as it was.
    virtual void set_hyper(std::size_t g, const HyperParams& values) = 0;
    /// Whether the optimizer now sets its learning rates itself — SWA once it averages, whose
    /// SWALR replaces the run's schedule as torch's SWA loop steps SWALR instead of the
    /// scheduler. LrScheduler and ReduceLrOnPlateau then change nothing, their counts included.
    virtual bool schedules_own_lr() const { return false; }

    /// The names of the state buffers this optimizer can keep, in PyTorch's vocabulary.
    const std::vector<std::string>& buffer_names() const { return buffer_names_; }
    /// A state buffer over the whole arena; empty until the first step allocates it. (A
    /// wrapper — Lookahead, weight EMA — answers for its inner optimizer's buffers too.)
    virtual std::span<const T> buffer(std::string_view name) const;

    virtual OptimizerState<T> state_dict() const;
    /// Replaces this optimizer's state and hyper-parameters by `state`. Refuses, naming what
    /// differs, a state of another optimizer or convention, other groups, unknown buffers or
    /// tensors of other shapes; on error nothing is changed.
    virtual void load_state_dict(const OptimizerState<T>& state);

    /// Bytes of the state buffers created so far (exp_avg, ...), a wrapper's inner ones included.
    virtual std::size_t state_bytes() const;
    /// Bytes of scratch memory the step keeps between its passes but not between steps (LAMB's
    /// u), so no checkpoint holds it; counted with the state in a run's memory figures.
    virtual std::size_t workspace_bytes() const { return 0; }

    // ---- where the model is evaluated ------------------------------------------------------
    // Some optimizers train the model at one point and evaluate it at another: Schedule-Free's
    // gradient point y and its average x (as the reference's train()/eval() switch them), ASGD's
    // θ and its average ax, a wrapper's θ and its slow weights or average (wrappers.hpp). For
    // every other optimizer both are the parameters and these do nothing but keep the mode.

    /// Whether evaluation happens elsewhere than training.
    virtual bool has_eval_point() const { return false; }
    /// Puts the evaluation point into the store's parameters, keeping the training point aside
    /// ("train_point"); nothing when already in evaluation mode.
    void eval();
    /// Puts the training point back, bit for bit (the reference recomputes it, which rounds:
    /// docs/optimizers.md#schedule-free); nothing when already in training mode.
    void train();
    bool training() const { return training_; }

    ParamStore<T>& store() { return store_; }
    const ParamStore<T>& store() const { return store_; }

  protected:
    Optimizer(ParamStore<T>& store, Convention convention,
              std::span<const std::string_view> buffer_names);

    struct GroupData {
        std::vector<std::size_t> tensors;
        std::vector<Range> ranges;
        std::int64_t step = 0;
        std::map<std::string, double> scalars;
    };

    /// Adds a group of named tensors; throws if a name is unknown or already in a group.
    void add_group(const std::vector<std::string>& params);
    /// Updates group g (its step counter is already incremented).
    virtual void step_group(std::size_t g) = 0;
    /// step(closure)'s update, after its mode check: by default the closure once, then step().
    virtual double step_with_closure(const Closure& closure);
    /// Whether groups a < b (a run of neighbours in group order) can step in one pass: their
    /// update is elementwise (steps_elementwise below) and their options are alike.
    virtual bool alike_options(std::size_t /*a*/, std::size_t /*b*/) const { return false; }
    /// Updates the groups whose flag in `active` is set (every group when null), their step
    /// counters already incremented: step_group(g) for each, in order — except that a run of
    /// neighbouring groups alike in options, step count and scalars steps in one call of
    /// step_group(first of them) whose for_each_range walks all their ranges (one parallel loop
    /// instead of one per group: optlab.torch makes a group per tensor, a hundred of them in a
    /// model, and would otherwise start and join the threads a hundred times a step); their
    /// scalars after it are the first's. An optimizer whose
    /// groups share state — Prodigy's and D-Adaptation's d, estimated from sums over every
    /// group before any group steps — overrides this instead.
    virtual void step_active(const std::vector<bool>* active);
    /// Sums K quantities over group g's elements, the same bits on any number of threads:
    /// kernel(begin, end, sums) writes the K sums of one chunk — kChunk elements cut from the
    /// start of each of the group's ranges, whatever the thread count — and the chunks' sums
    /// are added in chunk order, in float64. The chunks are split between threads and the
    /// kernel compiled for the CPU's vector width (lane_sum sums within a chunk in an order
    /// every instruction set keeps). The sums' workspace is allocated at the first call.
    template <std::size_t K, class Kernel>
    std::array<double, K> sum_chunks(std::size_t g, Kernel&& kernel);
    static constexpr std::size_t kChunk = 4096;
    /// Validates and stores typed options for a new group (implemented by BasicOptimizer).
    virtual void load_group_hyper(std::size_t g, const HyperParams& values) = 0;

    /// The buffer called `name` (one of buffer_names()), allocated and filled with `init` on
    /// first use.
    T* state(std::string_view name, T init = T(0));
    bool has_state(std::string_view name) const;
    /// Calls kernel(begin, end) over every range of group g (of the run of groups stepping
    /// with it, step_active), split across threads.
    template <class Kernel>
    void for_each_range(std::size_t g, Kernel&& kernel);
    /// Calls kernel(begin, end) over the elements of group g that received a gradient: every
    /// element of a tensor whose rows the store does not record, and the rows marked of one
    /// that it does (ParamStore::track_rows: an Embedding's). For an optimizer that updates
    /// only those, as torch's SparseAdam does on a sparse gradient; split as for_each_range.
    template <class Kernel>
    void for_each_row_seen(std::size_t g, Kernel&& kernel);
    /// Writes group g's evaluation point over its ranges of the parameters, which hold its
    /// training point (optimizers with has_eval_point()).
    virtual void to_eval_point(std::size_t /*g*/) {}

    ParamStore<T>& store_;
    Convention convention_;
    std::vector<GroupData> groups_;

  private:
    /// Group g's ranges, or the ranges of the run of groups that g steps for (step_active).
    const std::vector<Range>& ranges_of(std::size_t g) const {
        return g == fused_group_ ? fused_ranges_ : groups_[g].ranges;
    }
    bool training_ = true;
    static constexpr std::size_t kNoGroup = std::size_t(-1);
    std::size_t fused_group_ = kNoGroup;  // the group stepping for a run of alike groups, if any
    std::vector<Range> fused_ranges_;     // that run's ranges, neighbours merged
    std::vector<double> chunk_sums_;  // sum_chunks' K sums per chunk
    std::vector<std::string> buffer_names_;
    std::map<std::string, AlignedVector<T>, std::less<>> buffers_;
    std::vector<bool> in_group_;  // per tensor index
};

/// Set (specialised to true) beside an optimizer's options struct when its update of each
/// element reads only that element's values, its group's options, step count and scalars — no
/// sums over a group or a tensor, no per-tensor shapes. Groups alike in those then step in one
/// pass (step_active), which leaves every bit as stepping them one by one.
template <class Opt>
inline constexpr bool steps_elementwise = false;

/// The common body of every optimizer: groups of typed options `Opt` (an aggregate of Fields
/// with PyTorch's defaults, core/fields.hpp), validated by the derived class's static
/// `validate(const Opt&)`; the derived class names its state buffers in `kBuffers`.
template <class T, class Derived, class Opt>
class BasicOptimizer : public Optimizer<T> {
  public:
    using Options = Opt;
    /// A group: tensor names and the options they use.
    struct ParamGroup {
        std::vector<std::string> params;
        Opt options;
    };
    /// Several groups: `Adam<float> adam(store, {.groups = {{{"w"}, {.lr = 1e-3}}, ...}})`.
    /// (A wrapper, so a designated `{.lr = ...}` is never mistaken for a list of groups.)
    struct ParamGroups {
        std::vector<ParamGroup> groups;
    };

    /// Adds a group (torch's add_param_group); its convention must be the optimizer's.
    void add_param_group(ParamGroup group) {
        check_convention(group.options);
        Derived::validate(group.options);
        this->add_group(group.params);
        options_.push_back(group.options);
        ++options_version_;
    }

    const Opt& options(std::size_t g) const { return options_.at(g); }
    /// Replaces group g's options after validating them.
    void set_options(std::size_t g, const Opt& options) {
        check_convention(options);
        Derived::validate(options);
        options_.at(g) = options;
        ++options_version_;
    }

    double lr(std::size_t g) const override { return options_.at(g).lr; }
    void set_lr(std::size_t g, double lr) override {
        Opt o = options_.at(g);
        o.lr = lr;
        set_options(g, o);
    }
    HyperParams hyper(std::size_t g) const override { return to_hyper(options_.at(g)); }
    bool alike_options(std::size_t a, std::size_t b) const override {
        if constexpr (!steps_elementwise<Opt>) {
            return false;
        } else {
            if (alike_.size() != options_.size() || alike_version_ != options_version_) {
                // Each group's first alike predecessor, found once per change of options.
                alike_.resize(options_.size());
                for (std::size_t g = 0; g < options_.size(); ++g) {
                    alike_[g] = g > 0 && to_hyper(options_[g]) == to_hyper(options_[g - 1]) ? alike_[g - 1] : g;
                }
                alike_version_ = options_version_;
            }
            return alike_[a] == alike_[b];
        }
    }
    void set_hyper(std::size_t g, const HyperParams& values) override {
        Opt o = options_.at(g);
        apply_hyper(o, values, Derived::kName);
        set_options(g, o);
    }
    std::string_view name() const override { return Derived::kName; }

    // The constructors every optimizer inherits (`using Base::Base;`); its state buffers are
    // the derived class's kBuffers.

    /// One group holding every tensor of the store.
    explicit BasicOptimizer(ParamStore<T>& store, const Opt& options = {})
        : Optimizer<T>(store, options.convention, Derived::kBuffers) {
        std::vector<std::string> all;
        for (const auto& t : store.tensors()) all.push_back(t.name);
        add_param_group({std::move(all), options});
    }
    /// Several groups, each with its own options (torch's list of param_group dicts).
    BasicOptimizer(ParamStore<T>& store, ParamGroups groups)
        : Optimizer<T>(store, groups.groups.empty() ? Convention::torch
                                                    : groups.groups[0].options.convention,
                       Derived::kBuffers) {
        for (auto& group : groups.groups) add_param_group(std::move(group));
    }

  protected:
    void load_group_hyper(std::size_t g, const HyperParams& values) override {
        Opt o = g < options_.size() ? options_[g] : Opt::defaults(this->convention_);
        apply_hyper(o, values, Derived::kName);
        Derived::validate(o);
        if (g < options_.size()) {
            options_[g] = o;
        } else {
            options_.push_back(o);
        }
        ++options_version_;
    }

    std::vector<Opt> options_;

  private:
    std::uint64_t options_version_ = 0;            // counts changes of options_
    mutable std::uint64_t alike_version_ = 0;      // the options_version_ alike_ was found for
    mutable std::vector<std::size_t> alike_;       // alike_options' cache
    void check_convention(const Opt& o) const {
        if (o.convention != this->convention_) {
            throw InvalidArgument(std::string(Derived::kName) + ": a group's convention (" +
                                  std::string(to_string(o.convention)) +
                                  ") differs from the optimizer's (" +
                                  std::string(to_string(this->convention_)) + ")");
        }
    }
};

/// The class of an optimizer that is BasicOptimizer and nothing more — most optimizers — written
/// once. In its header, after the options struct and the formula:
///
///     OPTLAB_OPTIMIZER(Adam, AdamOptions, "adam", "exp_avg", "exp_avg_sq", "max_exp_avg_sq");
///
/// declares `template <class T> class Adam final : public BasicOptimizer<T, Adam<T>,
/// AdamOptions>` with kName (its registry name), kBuffers (its state buffers, by PyTorch's
/// names), BasicOptimizer's constructors — (store, options = {}) and (store, ParamGroups) — and
/// the two members its source defines, `static void validate(const AdamOptions&)` and
/// `step_group(g)`; then the extern templates of its float and double classes, which the source
/// instantiates. An optimizer with more (an evaluation point, workspaces, its own constructors)
/// writes its class out (schedule_free.hpp, lamb.hpp).
#define OPTLAB_OPTIMIZER(Class, OptionsType, registry_name, ...)                            \
    template <class T>                                                                      \
    class Class final : public BasicOptimizer<T, Class<T>, OptionsType> {                   \
        using Base = BasicOptimizer<T, Class<T>, OptionsType>;                              \
                                                                                            \
      public:                                                                               \
        static constexpr std::string_view kName = registry_name;                            \
        static constexpr auto kBuffers = std::to_array<std::string_view>({__VA_ARGS__});    \
        using Base::Base;                                                                   \
        static void validate(const OptionsType& o);                                         \
                                                                                            \
      private:                                                                              \
        void step_group(std::size_t g) override;                                            \
    };                                                                                      \
    extern template class Class<float>;                                                     \
    extern template class Class<double>

}  // namespace optlab

#include "optlab/optim/optimizer_impl.hpp"
