// SPDX-License-Identifier: MIT
// The explorable's engine: liboptlab's own registry, 2-D functions and run_trajectory, compiled
// to WebAssembly by emscripten and bound to JavaScript with embind. Nothing here computes a path
// itself; it only moves values between JavaScript and the library, so a path in the browser is
// the path `optlab trajectory` prints, bit for bit. The page's lists of functions, optimizers,
// conventions and hyper-parameter controls all come from catalogue(): a new registry entry
// appears in the page with no change to the page. Network2d trains the 2-D problems'
// networks (problems/classify2d.hpp) step by step, as `optlab train` does.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/problems/classify2d.hpp"
#include "optlab/problems/functions2d.hpp"
#include "optlab/problems/trajectory.hpp"

namespace {

using emscripten::val;

val point(const optlab::Point2& p) {
    val a = val::array();
    a.call<void>("push", p[0]);
    a.call<void>("push", p[1]);
    return a;
}

// A hyper-parameter as JavaScript holds it: a boolean, a number, an array of 2 or 3 numbers
// (null: an unset member, torch's None) or a string.
val to_js(const optlab::HyperValue& v) {
    if (const bool* b = std::get_if<bool>(&v)) return val(*b);
    if (const double* d = std::get_if<double>(&v)) return val(*d);
    if (const std::string* s = std::get_if<std::string>(&v)) return val(*s);
    val a = val::array();
    auto push = [&](double x) { a.call<void>("push", x == x ? val(x) : val::null()); };
    if (const optlab::Betas* p = std::get_if<optlab::Betas>(&v)) {
        push((*p)[0]);
        push((*p)[1]);
    } else {
        for (double x : std::get<optlab::Triple>(v)) push(x);
    }
    return a;
}

optlab::HyperValue from_js(const val& v, const std::string& name) {
    const std::string type = v.typeOf().as<std::string>();
    if (type == "boolean") return v.as<bool>();
    if (type == "number") return v.as<double>();
    if (type == "string") return v.as<std::string>();
    if (val::global("Array").call<bool>("isArray", v)) {
        const int n = v["length"].as<int>();
        auto member = [&](int i) { return v[i].isNull() ? std::nan("") : v[i].as<double>(); };
        if (n == 2) return optlab::Betas{{member(0), member(1)}};
        if (n == 3) return optlab::Triple{member(0), member(1), member(2)};
    }
    throw optlab::InvalidArgument("hyper-parameter " + name + ": expected a boolean, a number, "
                                  "two or three numbers, or a name");
}

optlab::HyperParams hyper_from_js(const val& object) {
    optlab::HyperParams hyper;
    if (object.isUndefined() || object.isNull()) return hyper;
    const val keys = val::global("Object").call<val>("keys", object);
    for (int i = 0, n = keys["length"].as<int>(); i < n; ++i) {
        const std::string name = keys[i].as<std::string>();
        hyper.emplace(name, from_js(object[name], name));
    }
    return hyper;
}

// ---- the catalogue: everything the page lists -----------------------------------------------

val catalogue() {
    val out = val::object();
    val functions = val::array();
    for (const optlab::Function2d& f : optlab::functions_2d()) {
        val o = val::object();
        o.set("name", std::string(f.name));
        o.set("formula", std::string(f.formula));
        o.set("note", std::string(f.note));
        o.set("start", point(f.start));
        val minima = val::array();
        for (const auto& m : f.minima) minima.call<void>("push", point(m));
        o.set("minima", minima);
        o.set("minimum_value", f.minimum_value);
        o.set("x_range", point(f.x_range));
        o.set("y_range", point(f.y_range));
        functions.call<void>("push", o);
    }
    out.set("functions", functions);

    const optlab::Convention conventions[] = {optlab::Convention::torch, optlab::Convention::keras,
                                              optlab::Convention::book};
    val names = val::array();
    for (optlab::Convention c : conventions) names.call<void>("push", std::string(optlab::to_string(c)));
    out.set("conventions", names);

    val optimizers = val::array();
    for (const optlab::OptimizerInfo& info : optlab::optimizers()) {
        val o = val::object();
        o.set("name", std::string(info.name));
        o.set("label", std::string(info.label));
        o.set("summary", std::string(info.summary));
        val defaults = val::object();
        val descriptions = val::object();
        for (optlab::Convention c : conventions) {
            val d = val::object();
            for (const auto& [name, value] : info.defaults(c)) {
                d.set(name, to_js(value));
                descriptions.set(name, std::string(optlab::describe_hyper(name)));
            }
            defaults.set(std::string(optlab::to_string(c)), d);
        }
        o.set("defaults", defaults);
        o.set("descriptions", descriptions);
        optimizers.call<void>("push", o);
    }
    out.set("optimizers", optimizers);
    return out;
}

// ---- paths ----------------------------------------------------------------------------------

/// {rows, diverged, hyper} or {error}. rows is a Float64Array of 6 numbers per point:
/// step, x, y, f and the gradient (gx, gy) at the point, which the page divides the next step
/// by to show the effective per-coordinate learning rate.
val trajectory(const std::string& function, const std::string& optimizer,
               const std::string& convention, double x, double y, double steps, const val& hyper) {
    val out = val::object();
    try {
        const optlab::Function2d& fn = optlab::function_2d(function);
        const optlab::Trajectory t =
            optlab::run_trajectory(fn, optimizer, hyper_from_js(hyper), optlab::parse_convention(convention),
                                   {x, y}, static_cast<std::int64_t>(steps));
        std::vector<double> rows;
        rows.reserve(t.points.size() * 6);
        for (std::size_t k = 0; k < t.points.size(); ++k) {
            const optlab::Point2& p = t.points[k];
            const optlab::Point2 g = fn.gradient(p[0], p[1]);
            rows.insert(rows.end(), {double(k), p[0], p[1], t.f[k], g[0], g[1]});
        }
        // A copy: the view into the module's memory dies with `rows`.
        const val view(emscripten::typed_memory_view(rows.size(), rows.data()));
        out.set("rows", val::global("Float64Array").new_(view));
        out.set("diverged", t.diverged);
        val used = val::object();
        for (const auto& [name, value] : t.hyper) used.set(name, to_js(value));
        out.set("hyper", used);
    } catch (const std::exception& e) {
        out.set("error", std::string(e.what()));
    }
    return out;
}

/// f on an nx × ny grid over [x0, x1] × [y0, y1], row by row from y0: the contour plot's data.
val grid(const std::string& function, double x0, double x1, double y0, double y1, int nx, int ny) {
    const optlab::Function2d& fn = optlab::function_2d(function);
    std::vector<double> values(std::size_t(nx) * std::size_t(ny));
    for (int j = 0; j < ny; ++j) {
        const double y = y0 + (y1 - y0) * j / (ny - 1);
        for (int i = 0; i < nx; ++i) values[std::size_t(j) * nx + i] = fn.value(x0 + (x1 - x0) * i / (nx - 1), y);
    }
    const val view(emscripten::typed_memory_view(values.size(), values.data()));
    return val::global("Float64Array").new_(view);
}

// ---- networks on 2-D points: the 2-D problems, trained as `optlab train` trains them ---------

val float64_array(const std::vector<double>& values) {
    const val view(emscripten::typed_memory_view(values.size(), values.data()));
    return val::global("Float64Array").new_(view);  // a copy: the view dies with `values`
}

template <class T>
T field(const val& spec, const char* name, T fallback) {
    const val v = spec[name];
    return v.isUndefined() || v.isNull() ? fallback : v.as<T>();
}

// A whole number from JavaScript, refused by name unless in [0, most] (a cast of NaN, −1 or
// 2^40 to an integer would be undefined or wrap, and size_t has 32 bits here).
std::uint64_t whole_from_js(double v, const char* name, double most = 1e9) {
    if (!(v >= 0 && v <= most && v == std::floor(v))) {
        throw optlab::InvalidArgument(std::string(name) + " " + optlab::format_number(v) + ": expected a whole number from 0 to " +
                                      optlab::format_number(most));
    }
    return std::uint64_t(v);
}

/// {dataset, points, noise, trainRatio, features: [...], hidden: [...], activation, init, l2,
/// seed, batch} as Classify2dSpec; a name missing takes the spec's default.
optlab::Classify2dSpec classify2d_from_js(const val& spec) {
    optlab::Classify2dSpec s;
    s.dataset = field<std::string>(spec, "dataset", s.dataset);
    s.points = whole_from_js(field<double>(spec, "points", double(s.points)), "points");
    s.noise = field<double>(spec, "noise", s.noise);
    s.train_ratio = field<double>(spec, "trainRatio", s.train_ratio);
    s.activation = field<std::string>(spec, "activation", s.activation);
    s.init = field<std::string>(spec, "init", s.init);
    s.l2 = field<double>(spec, "l2", s.l2);
    s.seed = whole_from_js(field<double>(spec, "seed", double(s.seed)), "seed", 9007199254740992.0);  // 2^53
    s.max_batch = whole_from_js(field<double>(spec, "batch", double(s.max_batch)), "batch");
    if (!spec["features"].isUndefined()) {
        s.features.clear();
        for (int i = 0, n = spec["features"]["length"].as<int>(); i < n; ++i) {
            s.features.push_back(spec["features"][i].as<std::string>());
        }
    }
    if (!spec["hidden"].isUndefined()) {
        s.hidden.clear();
        for (int i = 0, n = spec["hidden"]["length"].as<int>(); i < n; ++i) {
            s.hidden.push_back(whole_from_js(spec["hidden"][i].as<double>(), "hidden units"));
        }
    }
    return s;
}

/// One network of the page: a Classify2dRun made from a JavaScript spec (the fields above and
/// optimizer, convention, hyper). A bad spec leaves it without a run and with error() saying
/// why: embind cannot carry a C++ exception's message out of a constructor.
class Network2d {
  public:
    explicit Network2d(const val& spec) {
        try {
            run_ = std::make_unique<optlab::Classify2dRun>(
                classify2d_from_js(spec), field<std::string>(spec, "optimizer", "sgd"), hyper_from_js(spec["hyper"]),
                optlab::parse_convention(field<std::string>(spec, "convention", "torch")));
        } catch (const std::exception& e) {
            error_ = e.what();
        }
    }
    std::string error() const { return error_; }

    /// Up to n steps: {train, test} (Float64Arrays, a loss per step taken), steps (in all),
    /// stopped ("" or why the run stopped).
    val step(int n) {
        std::vector<double> train, test;
        optlab::Classify2dRun::Losses losses;
        for (int k = 0; run_ && k < n && run_->step(losses); ++k) {
            train.push_back(losses.train);
            test.push_back(losses.test);
        }
        val out = val::object();
        out.set("train", float64_array(train));
        out.set("test", float64_array(test));
        out.set("steps", run_ ? double(run_->steps()) : 0.0);
        out.set("stopped", run_ ? run_->stop_reason() : error_);
        return out;
    }

    /// The output on an nx × ny grid over [x0, x1] × [y0, y1], row by row from y0 (2 to 1000
    /// each; else, or without a run, an empty array).
    val grid(double x0, double x1, double y0, double y1, int nx, int ny) {
        grid_.clear();
        if (run_ && nx >= 2 && ny >= 2 && nx <= 1000 && ny <= 1000) {
            grid_.resize(std::size_t(nx) * std::size_t(ny));
            run_->problem().output_grid(x0, x1, y0, y1, nx, ny, grid_);
        }
        return float64_array(grid_);
    }

    /// {train, test}: each a Float64Array of x1, x2, label per point.
    val points() {
        val out = val::object();
        if (!run_) return out;
        for (const auto& [name, p] : {std::pair{"train", &run_->problem().train_points()},
                                      std::pair{"test", &run_->problem().test_points()}}) {
            std::vector<double> flat;
            for (std::size_t i = 0; i < p->size(); ++i) flat.insert(flat.end(), {p->x1[i], p->x2[i], p->label[i]});
            out.set(name, float64_array(flat));
        }
        return out;
    }

    /// The hyper-parameters the optimizer runs with.
    val hyper() const {
        val used = val::object();
        if (run_) {
            for (const auto& [name, value] : run_->hyper()) used.set(name, to_js(value));
        }
        return used;
    }

  private:
    std::unique_ptr<optlab::Classify2dRun> run_;
    std::string error_;
    std::vector<double> grid_;
};

/// The 2-D problems' choices, for the page's controls: datasets and features.
val classify2d_catalogue() {
    val out = val::object();
    val datasets = val::array(), features = val::array();
    for (std::string_view d : optlab::datasets_2d()) datasets.call<void>("push", std::string(d));
    for (std::string_view f : optlab::features_2d()) features.call<void>("push", std::string(f));
    out.set("datasets", datasets);
    out.set("features", features);
    return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(optlab_engine) {
    emscripten::function("catalogue", &catalogue);
    emscripten::function("trajectory", &trajectory);
    emscripten::function("grid", &grid);
    emscripten::function("classify2dCatalogue", &classify2d_catalogue);
    emscripten::class_<Network2d>("Network2d")
        .constructor<const val&>()
        .function("error", &Network2d::error)
        .function("step", &Network2d::step)
        .function("grid", &Network2d::grid)
        .function("points", &Network2d::points)
        .function("hyper", &Network2d::hyper);
}
