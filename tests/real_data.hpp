// SPDX-License-Identifier: MIT
// The real data some tests run on — Debian's Fashion-MNIST and English word list, which
// scripts/install-deps.sh installs — and how such a test says it could not run: without its
// data, OPTLAB_SKIP_WITHOUT(path) ends the test as skipped (GTEST_SKIP), naming the path and
// its package, so ctest lists it among the tests that did not run, never among those that
// passed. .ci/run, which installed the data, fails on the message's "missing data:".
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "optlab/data/dataset.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/problems/char_lm.hpp"

namespace optlab::test {

/// What a test needing `path` skips with: "" when the path exists (or is "": no data needed).
inline std::string missing_data(const std::filesystem::path& path) {
    if (path.empty() || std::filesystem::exists(path)) return "";
    const std::string package = path == kFashionMnistDir ? "dataset-fashion-mnist"
                                : path == kWordListPath  ? "wamerican"
                                                         : "";
    return "missing data: " + path.string() +
           (package.empty() ? std::string() : " (Debian's " + package + "; scripts/install-deps.sh installs it)");
}

/// The data a training problem reads ("" for one that makes its own: the quadratic).
inline std::filesystem::path data_of_problem(std::string_view problem) {
    if (problem_info(problem).images) return kFashionMnistDir;
    if (problem == "words-charlm") return kWordListPath;
    return "";
}

}  // namespace optlab::test

/// Ends the test as skipped when `path` is missing (a statement; GTEST_SKIP returns).
#define OPTLAB_SKIP_WITHOUT(path)                                                          \
    if (const std::string optlab_missing = ::optlab::test::missing_data(path);             \
        !optlab_missing.empty())                                                           \
    GTEST_SKIP() << optlab_missing
