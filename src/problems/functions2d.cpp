// SPDX-License-Identifier: MIT
#include "optlab/problems/functions2d.hpp"

#include <cmath>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {

// The lecture book's function: curvature along y is 20x that along x, so plain SGD zig-zags.
double ravine(double x, double y) { return x * x / 20.0 + y * y; }
Point2 ravine_grad(double x, double y) { return {x / 10.0, 2.0 * y}; }

double rosenbrock(double x, double y) {
    return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
}
Point2 rosenbrock_grad(double x, double y) {
    return {-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)};
}

double beale(double x, double y) {
    const double a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
    return a * a + b * b + c * c;
}
Point2 beale_grad(double x, double y) {
    const double a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
    return {2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1),
            2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y * y};
}

double booth(double x, double y) {
    return (x + 2 * y - 7) * (x + 2 * y - 7) + (2 * x + y - 5) * (2 * x + y - 5);
}
Point2 booth_grad(double x, double y) {
    return {2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5), 4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)};
}

double himmelblau(double x, double y) {
    return (x * x + y - 11) * (x * x + y - 11) + (x + y * y - 7) * (x + y * y - 7);
}
Point2 himmelblau_grad(double x, double y) {
    return {4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
            2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)};
}

double saddle(double x, double y) { return x * x - y * y; }
Point2 saddle_grad(double x, double y) { return {2 * x, -2 * y}; }

// A tilted double well in x and a bowl in y. From the start (3, 1) plain SGD settles in the
// shallow right-hand well (x ≈ 1.861, f ≈ -2.07); Momentum 0.9 (lr 0.015..0.05) carries enough
// speed over the ridge at x ≈ 0.254 into the deeper left-hand well (x ≈ -2.115, f ≈ -6.06).
double local_minima(double x, double y) {
    return x * x * x * x / 4.0 - 2.0 * x * x + x + y * y;
}
Point2 local_minima_grad(double x, double y) { return {x * x * x - 4.0 * x + 1.0, 2.0 * y}; }

// The root of x^3 - 4x + 1 near x0, by Newton's method.
double well(double x0) {
    double x = x0;
    for (int i = 0; i < 60; ++i) x -= (x * x * x - 4 * x + 1) / (3 * x * x - 4);
    return x;
}

const std::vector<Function2d>& table() {
    static const std::vector<Function2d> functions = [] {
        const double left = well(-2.1);
        std::vector<Function2d> f;
        f.push_back({"ravine", "x^2/20 + y^2", "x**2/20 + y**2",
                     "the lecture book's anisotropic bowl: SGD zig-zags across the ravine",
                     ravine, ravine_grad, {-7.0, 2.0}, {{0.0, 0.0}}, 0.0, {-10, 10}, {-5, 5}});
        f.push_back({"rosenbrock", "(1-x)^2 + 100(y-x^2)^2", "(1-x)**2 + 100*(y-x**2)**2",
                     "a curved, flat-bottomed valley: easy to enter, slow to follow",
                     rosenbrock, rosenbrock_grad, {-1.5, 2.0}, {{1.0, 1.0}}, 0.0, {-2, 2},
                     {-1, 3}});
        f.push_back({"beale", "(1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2",
                     "(1.5-x+x*y)**2 + (2.25-x+x*y**2)**2 + (2.625-x+x*y**3)**2",
                     "sharp ridges and flat plateaus, minimum at (3, 0.5)", beale, beale_grad,
                     {1.0, 1.5}, {{3.0, 0.5}}, 0.0, {-4.5, 4.5}, {-4.5, 4.5}});
        f.push_back({"booth", "(x+2y-7)^2 + (2x+y-5)^2", "(x+2*y-7)**2 + (2*x+y-5)**2", "a tilted quadratic bowl", booth,
                     booth_grad, {-5.0, -5.0}, {{1.0, 3.0}}, 0.0, {-10, 10}, {-10, 10}});
        f.push_back({"himmelblau", "(x^2+y-11)^2 + (x+y^2-7)^2", "(x**2+y-11)**2 + (x+y**2-7)**2",
                     "four global minima: where you start decides where you end",
                     himmelblau, himmelblau_grad, {0.0, 0.0},
                     {{3.0, 2.0},
                      {-2.805118086952745, 3.131312518250573},
                      {-3.779310253377747, -3.283185991286170},
                      {3.584428340330492, -1.848126526964404}},
                     0.0, {-5, 5}, {-5, 5}});
        f.push_back({"saddle", "x^2 - y^2", "x**2 - y**2",
                     "a saddle point at the origin, unbounded below along y: methods that "
                     "break symmetry slowly linger at the saddle",
                     saddle, saddle_grad, {-2.0, 1e-3}, {}, -INFINITY, {-3, 3}, {-3, 3}});
        f.push_back({"local-minima", "x^4/4 - 2x^2 + x + y^2", "x**4/4 - 2*x**2 + x + y**2",
                     "a shallow well on the way to a deeper one: SGD stops in it, Momentum "
                     "rolls through",
                     local_minima, local_minima_grad, {3.0, 1.0}, {{left, 0.0}},
                     local_minima(left, 0.0), {-3.5, 3.5}, {-2, 2}});
        return f;
    }();
    return functions;
}

}  // namespace

std::span<const Function2d> functions_2d() { return table(); }

const Function2d& function_2d(std::string_view name) {
    std::string names;
    for (const auto& f : table()) {
        if (f.name == name) return f;
        names += (names.empty() ? "" : ", ") + std::string(f.name);
    }
    throw NotFound("function: unknown name '" + std::string(name) + "' (expected one of " +
                   names + ")");
}

}  // namespace optlab
