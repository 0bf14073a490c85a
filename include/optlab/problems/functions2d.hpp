// SPDX-License-Identifier: MIT
// Two-dimensional test functions with analytic gradients and known minima, on which the
// optimizers' paths can be drawn and compared (the lecture's optimizer-comparison figures).
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace optlab {

using Point2 = std::array<double, 2>;

struct Function2d {
    std::string_view name;     // "ravine", "rosenbrock", ...
    std::string_view formula;  // e.g. "x^2/20 + y^2"
    std::string_view gnuplot;  // the same in gnuplot's syntax, for contour plots
    std::string_view note;     // what the function shows
    double (*value)(double x, double y);
    Point2 (*gradient)(double x, double y);
    Point2 start;                // a start that shows the function's point
    std::vector<Point2> minima;  // global minima (empty: unbounded below, e.g. the saddle)
    double minimum_value;        // f at the global minima
    Point2 x_range, y_range;     // a window that shows the start and the minima
};

/// ravine rosenbrock beale booth himmelblau saddle local-minima
std::span<const Function2d> functions_2d();
/// The function called `name`; throws InvalidArgument listing the known names otherwise.
const Function2d& function_2d(std::string_view name);

}  // namespace optlab
