// SPDX-License-Identifier: MIT
// Lookahead, weight EMA and SWA around any optimizer (optim/wrappers.hpp).
#include "optlab/optim/wrappers.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "optlab/core/text.hpp"
#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

LookaheadOptions parse_lookahead(std::string_view text, std::string_view what) {
    const std::vector<std::string_view> parts = split(text, ',');
    if (parts.size() != 2) {
        throw InvalidArgument(std::string(what) + ": '" + std::string(text) + "' is not K,ALPHA (e.g. 5,0.5)");
    }
    LookaheadOptions o{parse_integer(parts[0], std::string(what) + " K", 1), parse_number(parts[1], std::string(what) + " ALPHA")};
    check_unit_closed(what, "ALPHA", o.alpha);
    return o;
}

namespace {

// SWA's options against torch's checks (SWALR's ValueErrors: anneal_strategy, anneal_epochs)
// and the loop's sense (swa_start >= 0, swa_lr > 0), each named as `flags` says: by the CLI's
// flags, or as "swa: invalid swa_lr = ..." for the library's with_swa.
void check_swa(const SwaOptions& o, bool flags) {
    auto where = [&](const char* flag) { return flags ? std::string(flag) : std::string("swa"); };
    if (o.swa_start < 0) throw_invalid(where("--swa-start"), "swa_start", double(o.swa_start), "an integer >= 0");
    if (!(o.swa_lr > 0.0) || !std::isfinite(o.swa_lr)) {
        throw_invalid(where("--swa-lr"), "swa_lr", o.swa_lr, "a finite number > 0");
    }
    if (o.anneal_epochs < 0) {
        throw_invalid(where("--swa-anneal-epochs"), "anneal_epochs", double(o.anneal_epochs), "an integer >= 0");
    }
    if (o.anneal_strategy != "cos" && o.anneal_strategy != "linear") {
        throw InvalidArgument(where("--swa-anneal-strategy") + ": invalid anneal_strategy '" + o.anneal_strategy +
                              "' (expected cos or linear)");
    }
}

}  // namespace

std::optional<SwaOptions> swa_from_flags(std::optional<std::int64_t> swa_start, std::optional<double> swa_lr,
                                         std::optional<std::int64_t> anneal_epochs,
                                         std::optional<std::string> anneal_strategy) {
    if (!swa_start && !swa_lr) {
        for (const auto& [given, flag] : {std::pair{anneal_epochs.has_value(), "--swa-anneal-epochs"},
                                          std::pair{anneal_strategy.has_value(), "--swa-anneal-strategy"}}) {
            if (given) {
                throw InvalidArgument(std::string(flag) + " without --swa-start and --swa-lr (SWA is on when both are given)");
            }
        }
        return std::nullopt;
    }
    if (!swa_start) throw InvalidArgument("--swa-lr without --swa-start: SWA needs both (the step its average starts after, and the lr SWALR anneals to)");
    if (!swa_lr) throw InvalidArgument("--swa-start without --swa-lr: SWA needs both (the step its average starts after, and the lr SWALR anneals to)");
    SwaOptions o{*swa_start, *swa_lr};
    if (anneal_epochs) o.anneal_epochs = *anneal_epochs;
    if (anneal_strategy) o.anneal_strategy = *anneal_strategy;
    check_swa(o, true);
    return o;
}

void Wrapping::validate() const {
    const std::string both = " cannot be combined: each evaluates the model at weights of its own";
    if (lookahead && ema) throw InvalidArgument("--lookahead and --ema" + both);
    if (lookahead && swa) throw InvalidArgument("--lookahead and --swa-start" + both);
    if (ema && swa) throw InvalidArgument("--ema and --swa-start" + both);
    if (lookahead) {
        if (lookahead->k < 1) throw_invalid("--lookahead", "K", double(lookahead->k), "an integer >= 1");
        check_unit_closed("--lookahead", "ALPHA", lookahead->alpha);
    }
    if (ema) check_unit_open("--ema", "DECAY", *ema);
    if (swa) check_swa(*swa, true);
}

Wrapping parse_wrapping(std::string_view lookahead, std::optional<double> ema, std::optional<SwaOptions> swa) {
    Wrapping w;
    if (!lookahead.empty()) w.lookahead = parse_lookahead(lookahead);
    w.ema = ema;
    w.swa = std::move(swa);
    w.validate();
    return w;
}

namespace {

// What both wrappers share: the inner optimizer does the step and holds the hyper-parameters;
// the wrapper mirrors its groups, keeps its own buffers and counters, and merges both into one
// state (the inner one's scalars and step under "inner.").
template <class T>
class Wrapped : public Optimizer<T> {
  public:
    Wrapped(std::unique_ptr<Optimizer<T>> inner, std::string_view suffix,
            std::span<const std::string_view> buffers)
        : Optimizer<T>(inner->store(), inner->convention(), buffers), inner_(std::move(inner)),
          name_(std::string(inner_->name()) + std::string(suffix)) {
        if (inner_->has_eval_point()) {
            throw InvalidArgument(name_ + ": " + std::string(inner_->name()) +
                                  " evaluates at a point of its own; it cannot be wrapped");
        }
        if (inner_->needs_closure()) {  // its step moves θ several times: no single step to average or look ahead from
            throw InvalidArgument(name_ + ": " + std::string(inner_->name()) +
                                  " evaluates the loss within its step; it cannot be wrapped");
        }
        for (std::size_t g = 0; g < inner_->num_groups(); ++g) {
            std::vector<std::string> names;
            for (std::size_t t : inner_->group_tensors(g)) names.push_back(this->store_.info(t).name);
            this->add_group(names);
        }
    }

    std::string_view name() const override { return name_; }
    double lr(std::size_t g) const override { return inner_->lr(g); }
    void set_lr(std::size_t g, double lr) override { inner_->set_lr(g, lr); }
    HyperParams hyper(std::size_t g) const override { return inner_->hyper(g); }
    void set_hyper(std::size_t g, const HyperParams& values) override { inner_->set_hyper(g, values); }
    bool has_eval_point() const override { return true; }
    bool steps_by_group() const override { return false; }  // its k and its average are global

    std::span<const T> buffer(std::string_view name) const override {
        const auto& mine = this->buffer_names();
        return std::find(mine.begin(), mine.end(), name) != mine.end() ? Optimizer<T>::buffer(name)
                                                                       : inner_->buffer(name);
    }
    std::size_t state_bytes() const override { return Optimizer<T>::state_bytes() + inner_->state_bytes(); }
    std::size_t workspace_bytes() const override { return inner_->workspace_bytes(); }

    void step() override {
        if (!this->training()) {
            throw Error(name_ + ": step() in evaluation mode; call train() first");
        }
        before_step();
        inner_->step();
        for (auto& group : this->groups_) ++group.step;
        after_step();
    }

    OptimizerState<T> state_dict() const override {
        OptimizerState<T> s = Optimizer<T>::state_dict();
        const OptimizerState<T> in = inner_->state_dict();
        for (std::size_t g = 0; g < s.groups.size(); ++g) {
            for (const auto& [key, value] : in.groups[g].scalars) s.groups[g].scalars["inner." + key] = value;
            s.groups[g].scalars["inner.step"] = double(in.groups[g].step);
        }
        s.buffers.insert(s.buffers.end(), in.buffers.begin(), in.buffers.end());
        return s;
    }

    void load_state_dict(const OptimizerState<T>& s) override {
        if (s.optimizer != name_) {
            throw StateMismatch("optimizer state: saved by optimizer '" + s.optimizer +
                                "', cannot be loaded into '" + name_ + "'");
        }
        OptimizerState<T> own = s, in = s;
        own.buffers.clear();
        in.buffers.clear();
        const auto& mine = this->buffer_names();
        for (const auto& b : s.buffers) {
            (std::find(mine.begin(), mine.end(), b.buffer) != mine.end() ? own : in).buffers.push_back(b);
        }
        in.optimizer = std::string(inner_->name());
        in.training = true;
        for (std::size_t g = 0; g < s.groups.size(); ++g) {
            own.groups[g].scalars.clear();
            in.groups[g].scalars.clear();
            for (const auto& [key, value] : s.groups[g].scalars) {
                if (key == "inner.step") {
                    in.groups[g].step = std::int64_t(value);
                } else if (key.starts_with("inner.")) {
                    in.groups[g].scalars[key.substr(6)] = value;
                } else {
                    own.groups[g].scalars[key] = value;
                }
            }
        }
        const OptimizerState<T> before = inner_->state_dict();
        inner_->load_state_dict(in);  // refuses, changing nothing, a state that does not fit
        try {
            Optimizer<T>::load_state_dict(own);
        } catch (...) {
            inner_->load_state_dict(before);
            throw;
        }
    }

  protected:
    void step_group(std::size_t) override {}                          // the inner optimizer's
    void load_group_hyper(std::size_t, const HyperParams&) override {}  // the inner optimizer's
    virtual void before_step() {}
    virtual void after_step() = 0;

    // Copies the buffer `name` over group g's ranges of the parameters.
    void put(std::size_t g, std::string_view name) {
        T* p = this->store_.params().data();
        const T* from = this->state(name);
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            std::copy(from + begin, from + end, p + begin);
        });
    }

    std::unique_ptr<Optimizer<T>> inner_;
    std::string name_;
};

// ---- Lookahead ----------------------------------------------------------------------------

template <class T>
class Lookahead final : public Wrapped<T> {
  public:
    static constexpr std::array<std::string_view, 2> kBuffers = {"slow", "train_point"};

    Lookahead(std::unique_ptr<Optimizer<T>> inner, const LookaheadOptions& o)
        : Wrapped<T>(std::move(inner), "+lookahead", kBuffers), o_(o) {
        if (o.k < 1) throw_invalid("lookahead", "k", double(o.k), "an integer >= 1");
        check_unit_closed("lookahead", "alpha", o.alpha);
    }

  private:
    void before_step() override {
        if (this->has_state("slow")) return;
        const std::span<const T> p = this->store_.params();  // φ₀ = θ₀
        std::copy(p.begin(), p.end(), this->state("slow"));
    }

    void after_step() override {
        if (this->groups_.empty() || this->groups_[0].step % o_.k != 0) return;
        T* p = this->store_.params().data();
        T* slow = this->state("slow");
        const T alpha = T(o_.alpha);
        for (std::size_t g = 0; g < this->groups_.size(); ++g) {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                for (std::size_t i = begin; i < end; ++i) {
                    slow[i] = slow[i] + alpha * (p[i] - slow[i]);  // φ ← φ + α(θ − φ)
                    p[i] = slow[i];                                // θ ← φ
                }
            });
        }
    }

    void to_eval_point(std::size_t g) override {
        if (this->has_state("slow")) this->put(g, "slow");
    }

    LookaheadOptions o_;
};

// ---- weight EMA -----------------------------------------------------------------------------

template <class T>
class Ema final : public Wrapped<T> {
  public:
    static constexpr std::array<std::string_view, 2> kBuffers = {"ema", "train_point"};

    Ema(std::unique_ptr<Optimizer<T>> inner, double decay)
        : Wrapped<T>(std::move(inner), "+ema", kBuffers), decay_(decay) {
        check_unit_open("ema", "decay", decay);
    }

  private:
    void after_step() override {
        T* p = this->store_.params().data();
        if (!this->has_state("ema")) {  // torch's AveragedModel: the first update copies
            std::copy(p, p + this->store_.arena_size(), this->state("ema"));
            return;
        }
        T* e = this->state("ema");
        const T w = T(1.0 - decay_), one_minus_w = T(1) - w;  // torch: 1 − weight in T
        for (std::size_t g = 0; g < this->groups_.size(); ++g) {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                // e ← lerp(e, θ, 1 − decay), torch's lerp: its branch chosen once, outside the
                // loop, so the loop vectorises.
                if (std::abs(w) < T(0.5)) {
                    for (std::size_t i = begin; i < end; ++i) e[i] = e[i] + w * (p[i] - e[i]);
                } else {
                    for (std::size_t i = begin; i < end; ++i) e[i] = p[i] - (p[i] - e[i]) * one_minus_w;
                }
            });
        }
    }

    void to_eval_point(std::size_t g) override {
        if (this->has_state("ema")) this->put(g, "ema");
    }

    double decay_;
};

// ---- SWA ------------------------------------------------------------------------------------

// SWALR's lr at its step `step` (torch 1.13's SWALR.get_lr: Python floats are doubles, its
// order of operations kept), from the lr the group holds: the lr the anneal started from is
// recovered from the current one (_get_initial_lr), then moved α of the way to swa_lr.
double swalr_lr(double lr, const SwaOptions& o, std::int64_t step) {
    if (o.anneal_epochs == 0) step = std::max<std::int64_t>(1, step);
    const double epochs = double(std::max<std::int64_t>(1, o.anneal_epochs));
    const bool cos = o.anneal_strategy == "cos";
    auto alpha_at = [&](std::int64_t s) {
        const double t = std::max(0.0, std::min(1.0, double(s) / epochs));  // t = clamp(s/E, 0, 1)
        return cos ? (1 - std::cos(std::numbers::pi * t)) / 2 : t;           // α = (1 − cos πt)/2, or t
    };
    const double prev_alpha = alpha_at(step - 1);
    // lr₀ = (lr − α′·swa_lr)/(1 − α′), the lr before the anneal (swa_lr once α′ = 1)
    const double start = prev_alpha == 1 ? o.swa_lr : (lr - prev_alpha * o.swa_lr) / (1 - prev_alpha);
    const double alpha = alpha_at(step);
    return o.swa_lr * alpha + start * (1 - alpha);  // lr ← swa_lr·α + lr₀·(1 − α)
}

template <class T>
class Swa final : public Wrapped<T> {
  public:
    static constexpr std::array<std::string_view, 2> kBuffers = {"swa_model", "train_point"};

    Swa(std::unique_ptr<Optimizer<T>> inner, const SwaOptions& o)
        : Wrapped<T>(std::move(inner), "+swa", kBuffers), o_(o) {
        check_swa(o, false);
        for (auto& group : this->groups_) group.scalars["n_averaged"] = 0;  // AveragedModel's buffer
    }

    // From the first average on, SWALR sets the lrs (torch's loop: no scheduler.step() then).
    bool schedules_own_lr() const override { return !this->groups_.empty() && this->groups_[0].step > o_.swa_start; }

    void load_state_dict(const OptimizerState<T>& s) override {
        if (s.optimizer == this->name_) {  // (another optimizer's: refused by name below)
            check_average(s);
        }
        Wrapped<T>::load_state_dict(s);
    }

  private:
    void after_step() override {
        // torch's loop: `if step >= swa_start` with step counted from 0, after optimizer.step().
        if (this->groups_.empty() || this->groups_[0].step <= o_.swa_start) return;
        const double n = this->groups_[0].scalars.at("n_averaged");
        T* p = this->store_.params().data();
        T* a = this->state("swa_model");
        const T count = T(n + 1);  // torch: num_averaged + 1, a long, divides in T
        for (std::size_t g = 0; g < this->groups_.size(); ++g) {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                if (n == 0) {  // AveragedModel's first update copies
                    std::copy(p + begin, p + end, a + begin);
                } else {
                    for (std::size_t i = begin; i < end; ++i) a[i] = a[i] + (p[i] - a[i]) / count;  // a ← a + (θ − a)/(n + 1)
                }
            });
        }
        for (auto& group : this->groups_) group.scalars["n_averaged"] = n + 1;
        // SWALR's step, one per average: its step count is n_averaged.
        for (std::size_t g = 0; g < this->groups_.size(); ++g) {
            this->inner_->set_lr(g, swalr_lr(this->inner_->lr(g), o_, std::int64_t(n) + 1));
        }
    }

    void to_eval_point(std::size_t g) override {
        if (this->groups_[0].scalars.at("n_averaged") > 0) this->put(g, "swa_model");
    }

    // n_averaged: a whole number >= 0, the same in every group; the average saved once it is > 0.
    // (Other groups than this optimizer's are refused by Wrapped, naming them.)
    void check_average(const OptimizerState<T>& s) const {
        if (s.groups.size() != this->groups_.size()) return;
        auto count = [&](std::size_t g) {
            const auto it = s.groups[g].scalars.find("n_averaged");
            return it == s.groups[g].scalars.end() ? NAN : it->second;
        };
        for (std::size_t g = 0; g < s.groups.size(); ++g) {
            const double n = count(g);
            if (!(n >= 0) || n != std::floor(n) || n != count(0)) {
                throw StateMismatch("optimizer state: group " + std::to_string(g) + " of " + this->name_ +
                                    (std::isnan(n) ? " has no n_averaged" : " has n_averaged " + format_number(n)) +
                                    " (expected a whole number >= 0, the same in every group)");
            }
            if (n == 0) continue;
            for (std::size_t t : this->groups_[g].tensors) {
                const std::string& param = this->store_.info(t).name;
                const bool saved = std::any_of(s.buffers.begin(), s.buffers.end(), [&](const auto& b) {
                    return b.param == param && b.buffer == "swa_model";
                });
                if (!saved) {
                    throw StateMismatch("optimizer state: " + this->name_ + " has averaged " + format_number(n) +
                                        " models but saved no swa_model of tensor '" + param + "'");
                }
            }
        }
    }

    SwaOptions o_;
};

}  // namespace

template <class T>
std::unique_ptr<Optimizer<T>> with_swa(std::unique_ptr<Optimizer<T>> inner, const SwaOptions& o) {
    return std::make_unique<Swa<T>>(std::move(inner), o);
}

template <class T>
std::unique_ptr<Optimizer<T>> with_lookahead(std::unique_ptr<Optimizer<T>> inner, const LookaheadOptions& o) {
    return std::make_unique<Lookahead<T>>(std::move(inner), o);
}

template <class T>
std::unique_ptr<Optimizer<T>> with_ema(std::unique_ptr<Optimizer<T>> inner, double decay) {
    return std::make_unique<Ema<T>>(std::move(inner), decay);
}

template <class T>
std::unique_ptr<Optimizer<T>> wrap(std::unique_ptr<Optimizer<T>> inner, const Wrapping& w) {
    w.validate();
    if (w.lookahead) return with_lookahead(std::move(inner), *w.lookahead);
    if (w.ema) return with_ema(std::move(inner), *w.ema);
    if (w.swa) return with_swa(std::move(inner), *w.swa);
    return inner;
}

template std::unique_ptr<Optimizer<float>> wrap(std::unique_ptr<Optimizer<float>>, const Wrapping&);
template std::unique_ptr<Optimizer<double>> wrap(std::unique_ptr<Optimizer<double>>, const Wrapping&);
template std::unique_ptr<Optimizer<float>> with_lookahead(std::unique_ptr<Optimizer<float>>, const LookaheadOptions&);
template std::unique_ptr<Optimizer<double>> with_lookahead(std::unique_ptr<Optimizer<double>>, const LookaheadOptions&);
template std::unique_ptr<Optimizer<float>> with_ema(std::unique_ptr<Optimizer<float>>, double);
template std::unique_ptr<Optimizer<double>> with_ema(std::unique_ptr<Optimizer<double>>, double);
template std::unique_ptr<Optimizer<float>> with_swa(std::unique_ptr<Optimizer<float>>, const SwaOptions&);
template std::unique_ptr<Optimizer<double>> with_swa(std::unique_ptr<Optimizer<double>>, const SwaOptions&);

}  // namespace optlab
