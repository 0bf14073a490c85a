// SPDX-License-Identifier: MIT
// optlab._optlab: the module, its exceptions, hyper-parameters between Python and the library,
// the registry and the 2-D functions as plain Python data, and optimizer paths as NumPy arrays.
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>

#include "binding.hpp"
#include "training.hpp"
#include "optlab/core/error.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/core/text.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optim/wrappers.hpp"
#include "optlab/problems/functions2d.hpp"
#include "optlab/problems/trajectory.hpp"

namespace optlab::python {

// ---- errors: optlab's exception types as Python's, in this one place -----------------------------
//
//   optlab.Error            RuntimeError       optlab::Error (base; a step in evaluation mode ...)
//   optlab.InvalidArgument  Error, ValueError  a hyper-parameter, shape or argument out of range
//   optlab.NotFound         InvalidArgument, KeyError   an unknown tensor, optimizer or function
//   optlab.IoError          Error, OSError     a file that cannot be read, written or parsed
//   optlab.StateMismatch    Error, ValueError  a saved state that does not fit
//   optlab.NonFiniteError   Error, FloatingPointError   a NaN or infinity where a number must be
//   optlab.DivergenceError  Error, ArithmeticError      a loss that grew past recovery

namespace {

// Created once by bind_errors and kept for the life of the process, as module attributes.
PyObject* g_error = nullptr;
PyObject* g_invalid_argument = nullptr;
PyObject* g_not_found = nullptr;
PyObject* g_io_error = nullptr;
PyObject* g_state_mismatch = nullptr;
PyObject* g_non_finite = nullptr;
PyObject* g_divergence = nullptr;

PyObject* new_exception(py::module_& m, const char* name, py::tuple bases, const char* doc) {
    const std::string qualified = std::string("optlab.") + name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
    if (type == nullptr) throw py::error_already_set();
    m.add_object(name, py::handle(type));  // the module's reference; ours is never released
    Py_INCREF(type);
    return type;
}

}  // namespace

void bind_errors(py::module_& m) {
    g_error = new_exception(m, "Error", py::make_tuple(py::handle(PyExc_RuntimeError)),
                            "Base of every exception optlab raises (optlab::Error).");
    g_invalid_argument = new_exception(
        m, "InvalidArgument", py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError)),
        "A hyper-parameter, shape or argument outside its valid range.");
    g_not_found = new_exception(
        m, "NotFound", py::make_tuple(py::handle(g_invalid_argument), py::handle(PyExc_KeyError)),
        "A name that is not in its catalogue: a tensor, an optimizer, a 2-D function.");
    // KeyError's str() quotes its message as a repr; this one reads as the others do.
    py::handle(g_not_found).attr("__str__") = py::handle(PyExc_BaseException).attr("__str__");
    g_io_error = new_exception(m, "IoError", py::make_tuple(py::handle(g_error), py::handle(PyExc_OSError)),
                               "A file that cannot be read or written, or whose contents are malformed.");
    g_state_mismatch = new_exception(
        m, "StateMismatch", py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError)),
        "A saved state that does not fit the optimizer it is loaded into.");
    g_non_finite = new_exception(
        m, "NonFiniteError", py::make_tuple(py::handle(g_error), py::handle(PyExc_FloatingPointError)),
        "A NaN or infinity where a finite number is required.");
    g_divergence = new_exception(
        m, "DivergenceError", py::make_tuple(py::handle(g_error), py::handle(PyExc_ArithmeticError)),
        "A finite loss that grew past what training can come back from.");

    // Most derived first. Anything else (std::bad_alloc, ...) falls through to pybind11's own.
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const NotFound& e) {
            PyErr_SetString(g_not_found, e.what());
        } catch (const InvalidArgument& e) {
            PyErr_SetString(g_invalid_argument, e.what());
        } catch (const IoError& e) {
            PyErr_SetString(g_io_error, e.what());
        } catch (const StateMismatch& e) {
            PyErr_SetString(g_state_mismatch, e.what());
        } catch (const NonFiniteError& e) {
            PyErr_SetString(g_non_finite, e.what());
        } catch (const DivergenceError& e) {
            PyErr_SetString(g_divergence, e.what());
        } catch (const Error& e) {
            PyErr_SetString(g_error, e.what());
        } catch (const py::cast_error& e) {
            // A Python value of the wrong type where a binding reads one without a message of
            // its own: a TypeError (pybind11 would say RuntimeError), never anything worse.
            PyErr_SetString(PyExc_TypeError, (std::string("optlab: a value of the wrong type: ") + e.what()).c_str());
        }
    });
}

// ---- hyper-parameters ----------------------------------------------------------------------------

HyperValue hyper_from_python(std::string_view name, py::handle value) {
    if (py::isinstance<py::bool_>(value)) return value.cast<bool>();
    if (py::isinstance<py::str>(value)) return value.cast<std::string>();
    auto number = [&](py::handle v) -> double {
        if (v.is_none()) return std::nan("");  // torch's None: an unset member
        if (PyNumber_Check(v.ptr()) == 0 || py::isinstance<py::bool_>(v)) {
            throw py::type_error("hyper-parameter " + std::string(name) + ": expected numbers, got " + type_name(v));
        }
        return py::float_(py::reinterpret_borrow<py::object>(v)).cast<double>();
    };
    if (py::isinstance<py::sequence>(value)) {
        const py::sequence items = py::reinterpret_borrow<py::sequence>(value);
        if (items.size() == 2) return Betas{{number(items[0]), number(items[1])}};
        if (items.size() == 3) return Triple{number(items[0]), number(items[1]), number(items[2])};
        throw InvalidArgument("hyper-parameter " + std::string(name) + ": expected 2 or 3 numbers, got " +
                              std::to_string(items.size()));
    }
    if (PyNumber_Check(value.ptr()) != 0) return number(value);
    throw py::type_error("hyper-parameter " + std::string(name) +
                         ": expected a bool, a number, 2 or 3 numbers, or a name; got " + type_name(value));
}

HyperParams hyper_from_python(const py::dict& values) {
    HyperParams hyper;
    for (const auto& [key, value] : values) {
        if (value.is_none()) continue;
        const std::string name = py::cast<std::string>(key);
        hyper.insert_or_assign(name, hyper_from_python(name, value));
    }
    return hyper;
}

py::object to_python(const HyperValue& value) {
    auto member = [](double x) { return std::isnan(x) ? py::object(py::none()) : py::object(py::float_(x)); };
    if (const bool* b = std::get_if<bool>(&value)) return py::bool_(*b);
    if (const double* d = std::get_if<double>(&value)) return member(*d);
    if (const std::string* s = std::get_if<std::string>(&value)) return py::str(*s);
    if (const Betas* p = std::get_if<Betas>(&value)) return py::make_tuple(member((*p)[0]), member((*p)[1]));
    const Triple& t = std::get<Triple>(value);
    return py::make_tuple(member(t[0]), member(t[1]), member(t[2]));
}

py::dict to_python(const HyperParams& hyper) {
    py::dict out;
    for (const auto& [name, value] : hyper) out[py::str(name)] = to_python(value);
    return out;
}

// ---- the registry, the functions, paths --------------------------------------------------------

namespace {

py::tuple point(const Point2& p) { return py::make_tuple(p[0], p[1]); }

py::list optimizers() {
    py::list out;
    for (const OptimizerInfo& info : optlab::optimizers()) {
        py::dict o;
        o["name"] = std::string(info.name);
        o["label"] = std::string(info.label);
        o["summary"] = std::string(info.summary);
        py::dict defaults;
        py::dict descriptions;
        for (Convention c : kConventions) {
            const HyperParams d = info.defaults(c);
            defaults[py::str(std::string(to_string(c)))] = to_python(d);
            for (const auto& entry : d) descriptions[py::str(entry.first)] = std::string(describe_hyper(entry.first));
        }
        o["defaults"] = defaults;
        o["descriptions"] = descriptions;
        py::list buffers;
        for (std::string_view b : info.buffers) buffers.append(std::string(b));
        o["buffers"] = buffers;
        o["bytes_per_param"] = info.traffic.bytes_per_param(4);
        o["passes"] = info.traffic.passes();
        o["matrices_only"] = info.matrices_only;
        o["learning_rate_free"] = info.learning_rate_free;
        o["needs_closure"] = info.needs_closure;
        o["beyond_diagonal"] = info.beyond_diagonal;
        out.append(o);
    }
    return out;
}

py::list functions() {
    py::list out;
    for (const Function2d& f : functions_2d()) {
        py::dict o;
        o["name"] = std::string(f.name);
        o["formula"] = std::string(f.formula);
        o["note"] = std::string(f.note);
        o["start"] = point(f.start);
        py::list minima;
        for (const Point2& p : f.minima) minima.append(point(p));
        o["minima"] = minima;
        o["minimum_value"] = f.minima.empty() ? py::object(py::none()) : py::object(py::float_(f.minimum_value));
        o["x_range"] = point(f.x_range);
        o["y_range"] = point(f.y_range);
        out.append(o);
    }
    return out;
}

}  // namespace

std::string type_name(py::handle value) { return py::str(py::type::handle_of(value).attr("__name__")); }

namespace {

/// Two numbers (x, y): a start point, Lookahead's (k, alpha).
Point2 pair_from_python(std::string_view what, py::handle value) {
    if (py::isinstance<py::sequence>(value) && !py::isinstance<py::str>(value) && py::len(value) == 2) {
        const Betas p = std::get<Betas>(hyper_from_python(what, value));
        if (!std::isnan(p[0]) && !std::isnan(p[1])) return {p[0], p[1]};
    }
    throw py::type_error(std::string(what) + ": expected two numbers, got " + std::string(py::repr(value)));
}

}  // namespace

namespace {

/// A whole number (a Python int or anything with __index__, not a bool), or none for None.
std::optional<std::int64_t> count_from_python(const char* what, py::handle value) {
    if (value.is_none()) return std::nullopt;
    if (py::isinstance<py::bool_>(value) || !PyIndex_Check(value.ptr())) {
        throw py::type_error(std::string(what) + ": expected an integer, got " + type_name(value));
    }
    const py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(value.ptr()));
    if (!index) throw py::error_already_set();  // e.g. an array of several values
    int overflow = 0;
    const long long n = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
    if (overflow != 0) {
        throw InvalidArgument(std::string(what) + ": " + std::string(py::str(index)) +
                              " is out of range (expected an integer of 64 bits)");
    }
    return std::int64_t(n);
}

}  // namespace

Wrapping wrapping_from_python(py::handle lookahead, py::handle ema, py::handle swa_start, py::handle swa_lr,
                              py::handle swa_anneal_epochs, py::handle swa_anneal_strategy) {
    Wrapping w;
    if (py::isinstance<py::str>(lookahead)) {
        w.lookahead = parse_lookahead(lookahead.cast<std::string>(), "lookahead");
    } else if (!lookahead.is_none()) {
        const Point2 p = pair_from_python("lookahead", lookahead);
        if (p[0] != std::floor(p[0])) throw_invalid("lookahead", "K", p[0], "an integer >= 1");
        w.lookahead = LookaheadOptions{static_cast<std::int64_t>(p[0]), p[1]};
    }
    if (!ema.is_none()) {
        const HyperValue decay = hyper_from_python("ema", ema);
        if (!std::holds_alternative<double>(decay)) throw py::type_error("ema: expected a number, got " + type_name(ema));
        w.ema = std::get<double>(decay);
    }
    std::optional<double> lr;
    if (!swa_lr.is_none()) {
        const HyperValue value = hyper_from_python("swa_lr", swa_lr);
        if (!std::holds_alternative<double>(value)) throw py::type_error("swa_lr: expected a number, got " + type_name(swa_lr));
        lr = std::get<double>(value);
    }
    std::optional<std::string> strategy;
    if (!swa_anneal_strategy.is_none()) {
        if (!py::isinstance<py::str>(swa_anneal_strategy)) {
            throw py::type_error("swa_anneal_strategy: expected 'cos' or 'linear', got " + type_name(swa_anneal_strategy));
        }
        strategy = swa_anneal_strategy.cast<std::string>();
    }
    w.swa = swa_from_flags(count_from_python("swa_start", swa_start), lr,
                           count_from_python("swa_anneal_epochs", swa_anneal_epochs), strategy);
    w.validate();
    return w;
}

namespace {

py::array_t<double> trajectory(const std::string& function, const std::string& optimizer, py::object lr,
                               std::int64_t steps, py::object start, const std::string& convention,
                               py::object lookahead, py::object ema, py::object swa_start, py::object swa_lr,
                               py::object swa_anneal_epochs, py::object swa_anneal_strategy, py::kwargs kwargs) {
    const Function2d& fn = function_2d(function);
    HyperParams hyper = hyper_from_python(kwargs);
    if (!lr.is_none()) hyper["lr"] = hyper_from_python("lr", lr);
    const Point2 from = start.is_none() ? fn.start : pair_from_python("start", start);
    const Convention c = parse_convention(convention);
    const Wrapping w = wrapping_from_python(lookahead, ema, swa_start, swa_lr, swa_anneal_epochs, swa_anneal_strategy);
    Trajectory t;
    {
        py::gil_scoped_release unlocked;
        t = run_trajectory(fn, optimizer, hyper, c, from, steps, w);
    }
    py::array_t<double> rows({static_cast<py::ssize_t>(t.points.size()), py::ssize_t{4}});
    auto r = rows.mutable_unchecked<2>();
    for (std::size_t k = 0; k < t.points.size(); ++k) {
        const auto i = static_cast<py::ssize_t>(k);
        r(i, 0) = double(k);
        r(i, 1) = t.points[k][0];
        r(i, 2) = t.points[k][1];
        r(i, 3) = t.f[k];
    }
    if (t.diverged) {
        const std::string message = "optlab.trajectory: diverged: the point is no longer finite after step " +
                                    std::to_string(t.points.size() - 1) + " of " + std::to_string(steps) + " (" +
                                    optimizer + " on " + function + ", lr " +
                                    format_number(std::get<double>(t.hyper.at("lr"))) + "); try a smaller lr";
        if (PyErr_WarnEx(PyExc_RuntimeWarning, message.c_str(), 1) != 0) throw py::error_already_set();
    }
    return rows;
}

}  // namespace

void bind_catalogue(py::module_& m) {
    m.def("conventions", [] {
        py::list out;
        for (Convention c : kConventions) out.append(std::string(to_string(c)));
        return py::tuple(out);
    }, "The conventions, whose formulas and defaults an optimizer follows: ('torch', 'keras', 'book').");
    m.def("optimizers", &optimizers,
          "The optimizer registry as a list of dicts: name, label, summary, defaults (per convention), "
          "descriptions (per hyper-parameter), buffers, bytes_per_param (a float32 step), passes, matrices_only, learning_rate_free (Prodigy, D-Adaptation, DoG), needs_closure (L-BFGS: step(closure)), beyond_diagonal (Shampoo, SOAP, Muon, L-BFGS).");
    m.def("functions", &functions,
          "The 2-D test functions as a list of dicts: name, formula, note, start, minima, minimum_value "
          "(None: unbounded below), x_range, y_range.");
    m.def("trajectory", &trajectory, py::arg("function") = "ravine", py::arg("optimizer") = "sgd",
          py::arg("lr") = py::none(), py::arg("steps") = 30, py::arg("start") = py::none(),
          py::arg("convention") = "torch", py::kw_only(), py::arg("lookahead") = py::none(),
          py::arg("ema") = py::none(), py::arg("swa_start") = py::none(), py::arg("swa_lr") = py::none(),
          py::arg("swa_anneal_epochs") = py::none(), py::arg("swa_anneal_strategy") = py::none(),
          "An optimizer's path on a 2-D test function as a float64 array of rows [step, x, y, f]: row 0 is "
          "the start, row k the point after k updates — `optlab trajectory`'s numbers bit for bit (where the "
          "optimizer evaluates: an EMA's or SWA's average). lookahead, ema and swa_*: as make_optimizer's. Other "
          "keyword arguments are hyper-parameters by their PyTorch names (betas=(0.9, 0.999), ...).");
    m.def("num_threads", &num_threads, "Threads optlab's kernels use (OPTLAB_NUM_THREADS, else all cores).");
    m.def("set_num_threads", &set_num_threads, py::arg("n"), "Sets the threads optlab's kernels use; n >= 1.");
}

}  // namespace optlab::python

PYBIND11_MODULE(_optlab, m) {
    namespace op = optlab::python;
    m.doc() = "optlab's library bound to Python (the package `optlab` re-exports it; docs/python.md).";
    m.attr("__version__") = OPTLAB_VERSION;
    op::bind_errors(m);
    op::bind_catalogue(m);
    op::bind_store(m);
    op::bind_optimizer(m);
    op::bind_training(m);
}
