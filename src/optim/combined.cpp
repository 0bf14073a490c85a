// SPDX-License-Identifier: MIT
// Optimizers side by side (optim/combined.hpp).
#include "optlab/optim/combined.hpp"

#include <algorithm>

#include "optlab/optim/registry.hpp"

namespace optlab {

namespace {

template <class T>
class Combined final : public Optimizer<T> {
  public:
    Combined(std::vector<std::unique_ptr<Optimizer<T>>> parts, std::string name)
        : Optimizer<T>(parts.at(0)->store(), parts.at(0)->convention(), {}), parts_(std::move(parts)) {
        const bool named = !name.empty();
        for (const auto& part : parts_) {
            if (&part->store() != &this->store_ || part->convention() != this->convention_) {
                throw InvalidArgument("combine: the parts must share one store and one convention");
            }
            if (part->has_eval_point()) {
                throw InvalidArgument("combine: " + std::string(part->name()) +
                                      " evaluates at a point of its own; it cannot be combined");
            }
            if (part->needs_closure()) {
                throw InvalidArgument("combine: " + std::string(part->name()) +
                                      " evaluates the loss within its step; it cannot be combined");
            }
            if (!named) name_ += (name_.empty() ? "" : "+") + std::string(part->name());
            for (std::size_t g = 0; g < part->num_groups(); ++g) {
                std::vector<std::string> names;
                for (std::size_t t : part->group_tensors(g)) names.push_back(this->store_.info(t).name);
                this->add_group(names);  // refuses a tensor already in a group
                where_.push_back({part.get(), g});
            }
        }
        if (named) name_ = std::move(name);
    }

    std::string_view name() const override { return name_; }
    double lr(std::size_t g) const override { return at(g).part->lr(at(g).group); }
    void set_lr(std::size_t g, double lr) override { at(g).part->set_lr(at(g).group, lr); }
    HyperParams hyper(std::size_t g) const override { return at(g).part->hyper(at(g).group); }
    void set_hyper(std::size_t g, const HyperParams& v) override { at(g).part->set_hyper(at(g).group, v); }

    bool steps_by_group() const override { return false; }  // each part steps whole
    void step() override {
        for (auto& part : parts_) part->step();
        for (auto& group : this->groups_) ++group.step;
    }

    std::span<const T> buffer(std::string_view name) const override {
        for (const auto& part : parts_) {
            if (auto b = part->buffer(name); !b.empty()) return b;
        }
        return {};
    }
    std::size_t state_bytes() const override {
        std::size_t n = 0;
        for (const auto& part : parts_) n += part->state_bytes();
        return n;
    }
    std::size_t workspace_bytes() const override {
        std::size_t n = 0;
        for (const auto& part : parts_) n += part->workspace_bytes();
        return n;
    }

    OptimizerState<T> state_dict() const override {
        OptimizerState<T> s = Optimizer<T>::state_dict();  // name, convention, mode, groups' tensors
        s.groups.clear();
        for (const auto& part : parts_) {
            OptimizerState<T> p = part->state_dict();
            s.groups.insert(s.groups.end(), p.groups.begin(), p.groups.end());
            s.buffers.insert(s.buffers.end(), p.buffers.begin(), p.buffers.end());
        }
        return s;
    }

    void load_state_dict(const OptimizerState<T>& s) override {
        if (s.optimizer != name_) {
            throw StateMismatch("optimizer state: saved by optimizer '" + s.optimizer + "', cannot be loaded into '" +
                                name_ + "'");
        }
        if (s.groups.size() != where_.size()) {
            throw StateMismatch("optimizer state: " + std::to_string(s.groups.size()) + " groups, " + name_ +
                                " has " + std::to_string(where_.size()));
        }
        // Each part's share: its groups in order, the buffers of its tensors.
        std::vector<OptimizerState<T>> shares;
        std::size_t next = 0;
        for (const auto& part : parts_) {
            OptimizerState<T> share;
            share.optimizer = std::string(part->name());
            share.convention = s.convention;
            share.training = true;
            for (std::size_t g = 0; g < part->num_groups(); ++g) share.groups.push_back(s.groups[next++]);
            for (const auto& b : s.buffers) {
                const bool mine = std::any_of(share.groups.begin(), share.groups.end(), [&](const auto& group) {
                    return std::find(group.params.begin(), group.params.end(), b.param) != group.params.end();
                });
                if (mine) share.buffers.push_back(b);
            }
            shares.push_back(std::move(share));
        }
        std::vector<OptimizerState<T>> before;
        for (const auto& part : parts_) before.push_back(part->state_dict());
        std::size_t loaded = 0;
        try {
            for (; loaded < parts_.size(); ++loaded) parts_[loaded]->load_state_dict(shares[loaded]);
        } catch (...) {
            for (std::size_t i = 0; i < loaded; ++i) parts_[i]->load_state_dict(before[i]);  // nothing changed
            throw;
        }
        for (std::size_t g = 0; g < where_.size(); ++g) this->groups_[g].step = s.groups[g].step;
    }

  protected:
    void step_group(std::size_t) override {}                          // the parts'
    void load_group_hyper(std::size_t, const HyperParams&) override {}  // the parts'

  private:
    struct Where {
        Optimizer<T>* part;
        std::size_t group;
    };
    const Where& at(std::size_t g) const { return where_.at(g); }

    std::vector<std::unique_ptr<Optimizer<T>>> parts_;
    std::vector<Where> where_;  // by group
    std::string name_;
};

}  // namespace

template <class T>
std::unique_ptr<Optimizer<T>> combine(std::vector<std::unique_ptr<Optimizer<T>>> parts, std::string name) {
    if (parts.empty()) throw InvalidArgument("combine: no optimizers");
    return std::make_unique<Combined<T>>(std::move(parts), std::move(name));
}

template <class T>
std::unique_ptr<Optimizer<T>> make_model_optimizer(std::string_view name, ParamStore<T>& store,
                                                   const HyperParams& hyper, Convention convention,
                                                   double others_lr) {
    if (!optimizer_info(name).matrices_only) return make_optimizer<T>(name, store, hyper, convention);
    std::vector<std::string> matrices, others;
    for (const auto& t : store.tensors()) (t.shape.size() >= 2 ? matrices : others).push_back(t.name);
    if (others.empty()) return make_optimizer<T>(name, store, hyper, convention);
    if (matrices.empty()) {
        throw InvalidArgument(std::string(name) + ": the model has no weight of 2 or more dimensions to optimize");
    }
    std::vector<std::unique_ptr<Optimizer<T>>> parts;
    parts.push_back(make_optimizer<T>(name, store, std::vector<GroupSpec>{{matrices, hyper}}, convention));
    parts.push_back(make_optimizer<T>("adamw", store, std::vector<GroupSpec>{{others, {{"lr", others_lr}}}}, convention));
    return combine(std::move(parts), std::string(name) + "+adamw");
}

template std::unique_ptr<Optimizer<float>> combine(std::vector<std::unique_ptr<Optimizer<float>>>, std::string);
template std::unique_ptr<Optimizer<double>> combine(std::vector<std::unique_ptr<Optimizer<double>>>, std::string);
template std::unique_ptr<Optimizer<float>> make_model_optimizer(std::string_view, ParamStore<float>&,
                                                                const HyperParams&, Convention, double);
template std::unique_ptr<Optimizer<double>> make_model_optimizer(std::string_view, ParamStore<double>&,
                                                                 const HyperParams&, Convention, double);

}  // namespace optlab
