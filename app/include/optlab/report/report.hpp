// SPDX-License-Identifier: MIT
// `optlab report`: every figure of the lecture with its defaults, gathered into one HTML page
// (index.html) that opens offline: the pictures, the tables, each optimizer's formula and a few
// plain sentences — computed from this run's numbers — on what each figure shows and how it
// answers the lecture's question "which optimizer?".
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "optlab/language/language.hpp"

namespace optlab {

struct ReportOptions {
    std::string out = "report";
    bool quick = false;  // fewer iterations and one seed: about a minute
    std::string dataset = "fashion-mnist";
    std::string data;    // an MNIST-layout folder instead
    int threads = 0;
    Lang lang = Lang::en;  // the page's language (--lang): its text and its figures'
};

/// Runs the experiments and writes `<out>/index.html`; returns its path.
std::filesystem::path write_report(const ReportOptions& options,
                                   const std::function<void(const std::string&)>& log);

}  // namespace optlab
