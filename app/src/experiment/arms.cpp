// SPDX-License-Identifier: MIT
#include "optlab/experiment/arms.hpp"

#include <algorithm>
#include <cctype>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab::experiment {

namespace {

// Splits "sgd:lr=0.95,adam:lr=0.3;betas=0.9,0.999" into its arms: at the commas that a letter
// follows, so a pair's comma stays inside its arm.
std::vector<std::string_view> split_arms(std::string_view list) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= list.size(); ++i) {
        const bool next_arm = i + 1 < list.size() && list[i] == ',' &&
                              std::isalpha(static_cast<unsigned char>(list[i + 1]));
        if (i == list.size() || next_arm) {
            out.push_back(list.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

}  // namespace

std::vector<Arm> parse_arms(std::string_view list) {
    std::vector<Arm> arms;
    for (std::string_view item : split_arms(list)) {
        const std::size_t colon = item.find(':');
        Arm a;
        a.optimizer = std::string(item.substr(0, colon));
        const auto names = optimizer_names();
        if (std::find(names.begin(), names.end(), a.optimizer) == names.end()) {
            throw InvalidArgument("optimizers: unknown name '" + a.optimizer + "' in '" + std::string(list) + "'");
        }
        std::string details;
        if (colon != std::string_view::npos) {
            for (std::string_view kv : split(item.substr(colon + 1), ';')) {
                const std::size_t eq = kv.find('=');
                if (eq == std::string_view::npos) {
                    throw InvalidArgument("optimizers: '" + std::string(kv) + "' in '" + std::string(item) +
                                          "' is not KEY=VALUE");
                }
                const std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
                a.hyper[std::string(key)] = parse_hyper(a.optimizer, key, value, "optimizers " + std::string(key));
                details += (details.empty() ? "" : ", ") + std::string(key) + " " + std::string(value);
            }
        }
        a.label = std::string(optimizer_info(a.optimizer).label) + (details.empty() ? "" : " (" + details + ")");
        arms.push_back(std::move(a));
    }
    return arms;
}

Arm make_arm(const std::string& name, double lr, const std::string& label) {
    Arm a;
    a.optimizer = name;
    a.hyper["lr"] = lr;
    a.label = label.empty() ? std::string(optimizer_info(name).label) + " (lr " + format_number(lr) + ")" : label;
    return a;
}

}  // namespace optlab::experiment
