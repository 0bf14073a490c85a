// SPDX-License-Identifier: MIT
// --schedule's text: KIND[:ARGS], ARGS being the required numbers in order, then options as
// key=value under torch's argument names; "sequential:" and "chained:" join whole specs with |.
#include <cmath>
#include <map>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/schedule/lr_scheduler.hpp"

namespace optlab {

namespace {

// One spec's arguments, checked against what its kind takes.
class Args {
  public:
    Args(std::string_view text, std::string kind, std::string_view rest, std::string form)
        : text_(text), kind_(std::move(kind)), form_(std::move(form)) {
        if (rest.empty()) return;
        for (std::string_view item : split(rest, ',')) {
            const std::size_t eq = item.find('=');
            if (eq == std::string_view::npos) {
                if (!keyed_.empty()) fail("argument '" + std::string(item) + "' comes after a key=value option");
                positional_.push_back(number_of(item, "argument"));
            } else {
                const std::string key(item.substr(0, eq));
                if (keyed_.count(key)) fail("option '" + key + "' given twice");
                keyed_[key] = std::string(item.substr(eq + 1));
            }
        }
    }

    /// Between lo and hi required numbers, and only the options in `known`.
    void expect(std::size_t lo, std::size_t hi, std::initializer_list<std::string_view> known = {}) const {
        if (positional_.size() < lo || positional_.size() > hi) fail("expected " + form_);
        for (const auto& [key, value] : keyed_) {
            if (std::find(known.begin(), known.end(), key) == known.end()) {
                std::string names;
                for (auto k : known) names += (names.empty() ? "" : ", ") + std::string(k);
                fail("unknown option '" + key + "'" + (names.empty() ? " (it takes none)" : " (expected one of " + names + ")"));
            }
        }
    }
    std::size_t count() const { return positional_.size(); }
    double number(std::size_t i) const { return positional_.at(i); }
    std::int64_t integer(std::size_t i, std::string_view field) const { return whole(positional_.at(i), field); }

    double number(const std::string& key, double fallback) const {
        auto it = keyed_.find(key);
        return it == keyed_.end() ? fallback : number_of(it->second, key);
    }
    std::int64_t integer(const std::string& key, std::int64_t fallback) const {
        auto it = keyed_.find(key);
        return it == keyed_.end() ? fallback : whole(number_of(it->second, key), key);
    }
    std::optional<std::int64_t> integer(const std::string& key) const {
        if (!keyed_.count(key)) return std::nullopt;
        return integer(key, 0);
    }
    std::string text(const std::string& key, std::string fallback) const {
        auto it = keyed_.find(key);
        return it == keyed_.end() ? fallback : it->second;
    }
    bool boolean(const std::string& key, bool fallback) const {
        auto it = keyed_.find(key);
        if (it == keyed_.end()) return fallback;
        if (it->second == "true") return true;
        if (it->second == "false") return false;
        fail(key + "=" + it->second + " (expected true or false)");
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw InvalidArgument("schedule '" + std::string(text_) + "': " + what);
    }

  private:
    double number_of(std::string_view item, std::string_view field) const {
        try {
            return parse_number(item, std::string(field));
        } catch (const InvalidArgument&) {
            fail(std::string(field) + " '" + std::string(item) + "' is not a finite number");
        }
    }
    std::int64_t whole(double v, std::string_view field) const {
        if (v != std::floor(v) || std::abs(v) > 1e15) throw_invalid("schedule " + kind_, field, v, "an integer");
        return std::int64_t(v);
    }

    std::string_view text_;
    std::string kind_, form_;
    std::vector<double> positional_;
    std::map<std::string, std::string> keyed_;
};

const std::map<std::string_view, std::string_view>& forms() {
    static const std::map<std::string_view, std::string_view> f = {
        {"constant", "constant"},
        {"step", "step:SIZE,GAMMA"},
        {"multistep", "multistep:M1[,M2...][,gamma=G]"},
        {"exponential", "exponential:GAMMA"},
        {"linear-warmup", "linear-warmup:STEPS[,START]"},
        {"polynomial", "polynomial:TOTAL_ITERS[,power=P]"},
        {"cosine-annealing", "cosine-annealing:T_MAX[,eta_min=E]"},
        {"cosine-restarts", "cosine-restarts:T_0[,T_mult=M][,eta_min=E]"},
        {"cosine", "cosine:TOTAL[,WARMUP[,MIN]]"},
        {"cyclic", "cyclic:BASE_LR,MAX_LR[,step_size_up=N][,step_size_down=N][,mode=triangular|triangular2|exp_range]"
                   "[,gamma=G][,cycle_momentum=true|false][,base_momentum=M][,max_momentum=M]"},
        {"one-cycle", "one-cycle:MAX_LR,TOTAL_STEPS[,pct_start=P][,anneal_strategy=cos|linear][,div_factor=D]"
                      "[,final_div_factor=F][,three_phase=true|false][,cycle_momentum=true|false]"
                      "[,base_momentum=M][,max_momentum=M]"},
        {"sequential", "sequential:SPEC@MILESTONE|SPEC[@MILESTONE|SPEC...]"},
        {"chained", "chained:SPEC|SPEC[|SPEC...]"},
    };
    return f;
}

std::unique_ptr<LrSchedule> parse_one(std::string_view text, bool nested);

std::unique_ptr<LrSchedule> parse_parts(std::string_view text, std::string_view kind, std::string_view rest) {
    const std::vector<std::string_view> parts = split(rest, '|');
    if (kind == "chained") {
        std::vector<std::unique_ptr<LrSchedule>> schedules;
        for (std::string_view part : parts) schedules.push_back(parse_one(part, true));
        return chained_schedule(std::move(schedules));
    }
    std::vector<std::unique_ptr<LrSchedule>> schedules;
    std::vector<std::int64_t> milestones;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string_view part = parts[i];
        const std::size_t at = part.rfind('@');
        const bool last = i + 1 == parts.size();
        if (last != (at == std::string_view::npos)) {
            throw InvalidArgument("schedule '" + std::string(text) + "': '" + std::string(part) + "' " +
                                  (last ? "is the last schedule: it runs to the end, with no @MILESTONE"
                                        : "needs @MILESTONE, the step where the next schedule takes over") +
                                  " (expected " + std::string(forms().at("sequential")) + ")");
        }
        if (!last) {
            milestones.push_back(parse_integer(part.substr(at + 1), "schedule '" + std::string(text) + "' milestone", 1));
            part = part.substr(0, at);
        }
        schedules.push_back(parse_one(part, true));
    }
    return sequential_schedule(std::move(schedules), std::move(milestones));
}

std::unique_ptr<LrSchedule> parse_one(std::string_view text, bool nested) {
    const std::size_t colon = text.find(':');
    const std::string kind(text.substr(0, colon));
    const std::string_view rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    if (kind == "sequential" || kind == "chained") {
        // torch's SequentialLR and ChainedScheduler cannot be stepped with step(0) themselves
        if (nested) throw InvalidArgument("schedule '" + std::string(text) + "': " + kind + " cannot be nested");
        return parse_parts(text, kind, rest);
    }
    if (kind == "plateau") {
        throw InvalidArgument("schedule '" + std::string(text) +
                              "': plateau reduces on a metric, not by step; it cannot be part of a sequence");
    }
    const std::string name = kind == "sgdr" ? "cosine-restarts" : kind;
    if (nested && (name == "cyclic" || name == "one-cycle")) {
        // torch's CyclicLR and OneCycleLR write lrs and momenta of their own into the optimizer's
        // groups when constructed (initial_lr, max_lr, momentum), where SequentialLR and the other
        // schedules read them: composed, they start the others from their numbers.
        throw InvalidArgument("schedule '" + std::string(text) + "': " + name +
                              " sets absolute lrs of its own; use it alone, not in a sequential or chained schedule");
    }
    const auto form = forms().find(name);
    if (form == forms().end()) {
        std::string kinds;
        for (const auto& [k, f] : forms()) kinds += std::string(k) + ", ";
        throw InvalidArgument("schedule: unknown kind '" + kind + "' (expected " + kinds + "or plateau)");
    }
    const Args a(text, name, rest, std::string(form->second));
    if (name == "constant") {
        a.expect(0, 0);
        return constant_schedule();
    }
    if (name == "step") {
        a.expect(2, 2);
        return step_schedule(a.integer(0, "size"), a.number(1));
    }
    if (name == "multistep") {
        a.expect(1, 1000, {"gamma"});
        std::vector<std::int64_t> milestones;
        for (std::size_t i = 0; i < a.count(); ++i) milestones.push_back(a.integer(i, "milestone"));
        return multistep_schedule(std::move(milestones), a.number("gamma", 0.1));
    }
    if (name == "exponential") {
        a.expect(1, 1);
        return exponential_schedule(a.number(0));
    }
    if (name == "linear-warmup") {
        a.expect(1, 2);
        return linear_warmup_schedule(a.integer(0, "steps"), a.count() > 1 ? a.number(1) : 1.0 / 3.0);
    }
    if (name == "polynomial") {
        a.expect(1, 1, {"power"});
        return polynomial_schedule(a.integer(0, "total_iters"), a.number("power", 1.0));
    }
    if (name == "cosine-annealing") {
        a.expect(1, 1, {"eta_min"});
        return cosine_annealing_schedule(a.integer(0, "T_max"), a.number("eta_min", 0.0));
    }
    if (name == "cosine-restarts") {
        a.expect(1, 1, {"T_mult", "eta_min"});
        return cosine_restarts_schedule(a.integer(0, "T_0"), a.integer("T_mult", 1), a.number("eta_min", 0.0));
    }
    if (name == "cosine") {
        a.expect(1, 3);
        return cosine_schedule(a.integer(0, "total"), a.count() > 1 ? a.integer(1, "warmup") : 0,
                               a.count() > 2 ? a.number(2) : 0.0);
    }
    if (name == "cyclic") {
        a.expect(2, 2, {"step_size_up", "step_size_down", "mode", "gamma", "cycle_momentum", "base_momentum", "max_momentum"});
        CyclicOptions o;
        o.base_lr = a.number(0);
        o.max_lr = a.number(1);
        o.step_size_up = a.integer("step_size_up", o.step_size_up);
        o.step_size_down = a.integer("step_size_down");
        o.mode = a.text("mode", o.mode);
        o.gamma = a.number("gamma", o.gamma);
        o.cycle_momentum = a.boolean("cycle_momentum", o.cycle_momentum);
        o.base_momentum = a.number("base_momentum", o.base_momentum);
        o.max_momentum = a.number("max_momentum", o.max_momentum);
        return cyclic_schedule(o);
    }
    // one-cycle
    a.expect(2, 2, {"pct_start", "anneal_strategy", "div_factor", "final_div_factor", "three_phase", "cycle_momentum",
                    "base_momentum", "max_momentum"});
    OneCycleOptions o;
    o.max_lr = a.number(0);
    o.total_steps = a.integer(1, "total_steps");
    o.pct_start = a.number("pct_start", o.pct_start);
    o.anneal_strategy = a.text("anneal_strategy", o.anneal_strategy);
    o.div_factor = a.number("div_factor", o.div_factor);
    o.final_div_factor = a.number("final_div_factor", o.final_div_factor);
    o.three_phase = a.boolean("three_phase", o.three_phase);
    o.cycle_momentum = a.boolean("cycle_momentum", o.cycle_momentum);
    o.base_momentum = a.number("base_momentum", o.base_momentum);
    o.max_momentum = a.number("max_momentum", o.max_momentum);
    return one_cycle_schedule(o);
}

}  // namespace

std::unique_ptr<LrSchedule> parse_schedule(std::string_view text) { return parse_one(text, false); }

}  // namespace optlab
