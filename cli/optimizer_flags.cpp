// SPDX-License-Identifier: MIT
#include "optimizer_flags.hpp"

#include <cmath>
#include <set>

#include "optlab/core/text.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab::cli {

namespace {

std::string dashed(std::string name) {
    for (char& c : name) c = c == '_' ? '-' : c;
    return name;
}

// Every hyper-parameter of every registered optimizer: its default's kind and who has it.
struct HyperInfo {
    HyperValue example;
    std::set<std::size_t> kinds;  // the kinds of its defaults (HyperValue's index): a number for
                                  // some, a pair for others (eps); a pair or three (betas)
    bool unset = false;  // a number that may be none (torch's None): its default for some, or its help offers it
    std::vector<std::string_view> used_by;
};
std::map<std::string, HyperInfo> all_hyper_parameters() {
    std::map<std::string, HyperInfo> all;
    for (const OptimizerInfo& o : optimizers()) {
        for (const auto& [name, value] : o.defaults(Convention::torch)) {
            HyperInfo& info = all[name];
            info.kinds.insert(value.index());
            const double* number = std::get_if<double>(&value);
            info.unset = info.unset || (number != nullptr && std::isnan(*number));
            info.example = value;
            info.used_by.push_back(o.name);
        }
    }
    return all;
}

}  // namespace

const CLI::Validator& finite_number() {
    static const CLI::Validator check(
        [](std::string& text) -> std::string {
            try {
                parse_number(text, "");
            } catch (const InvalidArgument&) {
                return "'" + text + "' is not a finite number";
            }
            return {};
        },
        "NUMBER");
    return check;
}

std::vector<std::string> optimizer_choices() {
    return {optimizer_names().begin(), optimizer_names().end()};
}

HyperParams OptimizerFlags::hyper() const {
    HyperParams h;
    for (const auto& [name, value] : numbers) {
        if (value) h[name] = *value;
    }
    for (const auto& [name, text] : texts) {
        if (text) h[name] = parse_hyper(optimizer, name, *text, "--" + dashed(name));
    }
    for (const auto& [name, option] : flag_options) {
        if (option->count() > 0) h[name] = flags.at(name);
    }
    return h;
}

void add_optimizer_flags(CLI::App& app, OptimizerFlags& f) {
    std::string names;
    for (auto n : optimizer_names()) names += (names.empty() ? "" : " ") + std::string(n);
    app.add_option("--optimizer", f.optimizer, "Optimizer: " + names)
        ->check(CLI::IsMember(optimizer_choices()))
        ->capture_default_str();
    app.add_option("--convention", f.convention,
                   "Whose formulas and defaults: torch (PyTorch), keras, book (the lecture's book)")
        ->check(CLI::IsMember({"torch", "keras", "book"}))
        ->capture_default_str();
    app.add_option("--lookahead", f.lookahead,
                   "K,ALPHA: wrap the optimizer in Lookahead; every K steps the slow weights move "
                   "ALPHA of the way to the fast ones and the fast ones restart there (e.g. 5,0.5)");
    app.add_option("--swa-start", f.swa_start,
                   "N: stochastic weight averaging (torch.optim.swa_utils): after every optimizer step past the "
                   "first N, average the weights equally and let SWALR anneal the lr to --swa-lr, in place of "
                   "--schedule; the model is evaluated (and checkpointed) at the average. Needs --swa-lr");
    app.add_option("--swa-lr", f.swa_lr, "X: with --swa-start, the lr SWALR anneals to (torch's swa_lr)")
        ->check(finite_number());
    app.add_option("--swa-anneal-epochs", f.swa_anneal_epochs,
                   "N: with --swa-start, SWALR's anneal_epochs, counted in optimizer steps (SWALR steps once "
                   "per step here); 0 jumps to --swa-lr at once (default 10)");
    app.add_option("--swa-anneal-strategy", f.swa_anneal_strategy,
                   "cos or linear: with --swa-start, SWALR's anneal_strategy (default cos)");
    const std::string group = "Hyper-parameters (unset: the optimizer's default in the convention)";
    const std::size_t registered = optimizers().size();
    for (const auto& [name, info] : all_hyper_parameters()) {
        std::string help(describe_hyper(name));
        if (info.used_by.size() < registered) {
            std::string who;
            for (auto o : info.used_by) who += (who.empty() ? "" : " ") + std::string(o);
            help += " (" + who + ")";
        }
        const std::string flag = "--" + dashed(name);
        if (info.kinds.size() > 1) {  // parsed by each optimizer's own kind (parse_hyper)
            std::string forms;
            for (std::size_t kind : info.kinds) {
                const char* form = kind == HyperValue(0.0).index()      ? "NUMBER"
                                   : kind == HyperValue(Betas{}).index() ? "A,B"
                                   : kind == HyperValue(Triple{}).index() ? "A,B,C"
                                                                          : "TEXT";
                forms += (forms.empty() ? "" : " or ") + std::string(form);
            }
            app.add_option(flag, f.texts[name], forms + ": " + help)->group(group);
        } else if (info.unset || (std::holds_alternative<double>(info.example) && help.find("(none") != std::string::npos)) {
            app.add_option(flag, f.texts[name], "NUMBER or none: " + help)->group(group);
        } else if (std::holds_alternative<double>(info.example)) {
            app.add_option(flag, f.numbers[name], help)->check(finite_number())->group(group);
        } else if (std::holds_alternative<Betas>(info.example)) {
            app.add_option(flag, f.texts[name], "A,B: " + help)->group(group);
        } else if (std::holds_alternative<Triple>(info.example)) {
            app.add_option(flag, f.texts[name], "A,B,C: " + help)->group(group);
        } else if (std::holds_alternative<std::string>(info.example)) {
            app.add_option(flag, f.texts[name], "NAME: " + help)->group(group);
        } else {
            f.flag_options[name] =
                app.add_flag(flag + "{true},--no-" + dashed(name) + "{false}", f.flags[name], help)->group(group);
        }
    }
}

}  // namespace optlab::cli
