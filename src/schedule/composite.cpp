// SPDX-License-Identifier: MIT
// Schedules made of schedules, as torch 1.13's SequentialLR and ChainedScheduler step them.
#include <algorithm>

#include "optlab/core/error.hpp"
#include "optlab/schedule/lr_scheduler.hpp"

namespace optlab {

namespace {

// The lr a fresh run has at step t: step 0 from the base, then one next() per step.
double replay(const LrSchedule& s, double base, std::int64_t t) {
    double lr = s.next(base, base, 0);
    for (std::int64_t k = 1; k <= t; ++k) lr = s.next(lr, base, k);
    return lr;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    return a > std::numeric_limits<std::int64_t>::max() - b ? std::numeric_limits<std::int64_t>::max() : a + b;
}

// SequentialLR: schedule i runs from milestone i−1 (its own t = 0 there) to milestone i. At a
// milestone torch calls the next schedule's step(0), its closed form at 0; after that its
// chainable step() on the lr the group holds. The first starts with its ordinary step 0.
class Sequential final : public LrSchedule {
  public:
    Sequential(std::vector<std::unique_ptr<LrSchedule>> schedules, std::vector<std::int64_t> milestones)
        : schedules_(std::move(schedules)), milestones_(std::move(milestones)) {}

    double next(double lr, double base, std::int64_t t) const override {
        const Active a = active(t);
        if (a.index > 0 && a.t == 0) return a.schedule->closed(base, 0);
        return a.schedule->next(lr, base, a.t);
    }
    double closed(double base, std::int64_t t) const override { return replay(*this, base, t); }
    std::optional<double> momentum(std::int64_t t) const override {
        const Active a = active(t);
        return a.schedule->momentum(a.t);
    }
    bool cycles_momentum() const override {
        return std::any_of(schedules_.begin(), schedules_.end(), [](const auto& s) { return s->cycles_momentum(); });
    }
    std::int64_t last_step() const override {
        return saturating_add(milestones_.back(), schedules_.back()->last_step());
    }
    std::string describe() const override {
        std::string d = "sequential(";
        for (std::size_t i = 0; i < schedules_.size(); ++i) {
            d += schedules_[i]->describe();
            if (i < milestones_.size()) d += " until " + std::to_string(milestones_[i]) + ", then ";
        }
        return d + ")";
    }

  private:
    struct Active {
        std::size_t index;
        const LrSchedule* schedule;
        std::int64_t t;  // the schedule's own step
    };
    Active active(std::int64_t t) const {
        const std::size_t i = std::size_t(std::upper_bound(milestones_.begin(), milestones_.end(), t) - milestones_.begin());
        return {i, schedules_[i].get(), i == 0 ? t : t - milestones_[i - 1]};
    }

    std::vector<std::unique_ptr<LrSchedule>> schedules_;
    std::vector<std::int64_t> milestones_;
};

// ChainedScheduler: every schedule steps in turn, each on the lr the one before it wrote; the
// last that sets a momentum wins.
class Chained final : public LrSchedule {
  public:
    explicit Chained(std::vector<std::unique_ptr<LrSchedule>> schedules) : schedules_(std::move(schedules)) {}

    double next(double lr, double base, std::int64_t t) const override {
        for (const auto& s : schedules_) lr = s->next(lr, base, t);
        return lr;
    }
    double closed(double base, std::int64_t t) const override { return replay(*this, base, t); }
    std::optional<double> momentum(std::int64_t t) const override {
        std::optional<double> m;
        for (const auto& s : schedules_) {
            if (auto v = s->momentum(t)) m = v;
        }
        return m;
    }
    bool cycles_momentum() const override {
        return std::any_of(schedules_.begin(), schedules_.end(), [](const auto& s) { return s->cycles_momentum(); });
    }
    std::int64_t last_step() const override {
        std::int64_t last = std::numeric_limits<std::int64_t>::max();
        for (const auto& s : schedules_) last = std::min(last, s->last_step());
        return last;
    }
    std::string describe() const override {
        std::string d = "chained(";
        for (std::size_t i = 0; i < schedules_.size(); ++i) d += (i ? ", " : "") + schedules_[i]->describe();
        return d + ")";
    }

  private:
    std::vector<std::unique_ptr<LrSchedule>> schedules_;
};

}  // namespace

std::unique_ptr<LrSchedule> sequential_schedule(std::vector<std::unique_ptr<LrSchedule>> schedules,
                                                std::vector<std::int64_t> milestones) {
    if (schedules.size() < 2 || milestones.size() != schedules.size() - 1) {
        throw InvalidArgument("sequential schedule: " + std::to_string(schedules.size()) + " schedules and " +
                              std::to_string(milestones.size()) +
                              " milestones (expected two schedules or more, and one milestone fewer)");
    }
    for (const auto& s : schedules) {
        if (!s) throw InvalidArgument("sequential schedule: a schedule is null");
    }
    for (std::size_t i = 0; i < milestones.size(); ++i) {
        const std::int64_t from = i == 0 ? 0 : milestones[i - 1];
        if (milestones[i] <= from) {
            throw InvalidArgument("sequential schedule: milestone " + std::to_string(milestones[i]) +
                                  " (expected milestones increasing from 1; the one before is " +
                                  std::to_string(from) + ")");
        }
        // schedule i runs its steps 0 .. milestone − start − 1
        if (schedules[i]->last_step() < milestones[i] - from - 1) {
            throw InvalidArgument("sequential schedule: " + schedules[i]->describe() + " ends at its step " +
                                  std::to_string(schedules[i]->last_step()) + ", before milestone " +
                                  std::to_string(milestones[i]));
        }
    }
    return std::make_unique<Sequential>(std::move(schedules), std::move(milestones));
}

std::unique_ptr<LrSchedule> chained_schedule(std::vector<std::unique_ptr<LrSchedule>> schedules) {
    if (schedules.size() < 2) {
        throw InvalidArgument("chained schedule: " + std::to_string(schedules.size()) +
                              " schedules (expected two or more)");
    }
    for (const auto& s : schedules) {
        if (!s) throw InvalidArgument("chained schedule: a schedule is null");
    }
    return std::make_unique<Chained>(std::move(schedules));
}

}  // namespace optlab
