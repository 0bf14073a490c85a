// SPDX-License-Identifier: MIT
// optlab.suite.run's C++ half (its Python half, optlab/suite.py, sorts the optimizers into
// registry names and Python classes): the app's run_suite and write_suite, as `optlab suite`
// runs them, with the Python classes in the protocol's catalogue. The suite runs without the
// GIL; a progress callable is called with it, before each arm.
#include <optional>
#include <string>
#include <vector>

#include "optlab/experiment/suite.hpp"
#include "training.hpp"

namespace optlab::python {

namespace {

using namespace optlab::experiment;

py::dict arm_to_python(const SuiteArm& a) {
    py::dict d;
    d["problem"] = a.problem;
    d["optimizer"] = a.optimizer;
    d["phase"] = a.phase;
    d["lr"] = a.lr ? py::object(py::float_(*a.lr)) : py::object(py::none());
    d["seed"] = a.seed;
    d["file"] = a.file_name();
    return d;
}

std::string run(py::object problems, py::object optimizers, py::handle externals, bool quick, const std::string& out,
                py::object seeds, py::object grid, int threads, const std::string& dataset, const std::string& data,
                py::object progress) {
    SuiteProtocol protocol = SuiteProtocol::defaults(quick);
    if (!problems.is_none()) protocol.problems = problems.cast<std::vector<std::string>>();
    if (!optimizers.is_none()) protocol.optimizers = optimizers.cast<std::vector<std::string>>();
    if (!seeds.is_none()) protocol.seeds = seeds.cast<int>();
    if (!grid.is_none()) protocol.grid = grid.cast<int>();
    protocol.catalogue = catalogue_from_python(externals);
    protocol.validate();

    std::string current;  // the arm being run, named in an exception's note
    SuiteObserver observer;
    observer.arm_started = [&](std::size_t k, std::size_t n, const SuiteArm& arm, double left) {
        current = arm.file_name();
        if (progress.is_none()) return;
        py::gil_scoped_acquire gil;
        progress(k, n, arm_to_python(arm), left < 0 ? py::object(py::none()) : py::object(py::float_(left)));
    };
    try {
        py::gil_scoped_release unlocked;
        const std::optional<TrainTest> images = load_suite_images(protocol, dataset, data);
        LocalWorkers workers(protocol.quick, images ? &*images : nullptr, threads, protocol.catalogue);
        const SuiteResult r = run_suite(protocol, out, workers, observer);
        write_suite(out, r);
        return suite_json(r);
    } catch (const SuiteInterrupted& e) {
        PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
        throw py::error_already_set();
    } catch (py::error_already_set& e) {
        // From an optimizer written in Python (or the progress callable): its traceback says
        // where in Python, the note which arm; the arm is not a result, nothing is written for it.
        if (!current.empty() && py::hasattr(e.value(), "add_note")) {
            e.value().attr("add_note")("while optlab.suite.run ran the arm " + current + " (not written)");
        }
        throw;
    }
}

}  // namespace

void bind_suite(py::module_& m) {
    m.def("_run_suite", &run, py::arg("problems"), py::arg("optimizers"), py::arg("externals"), py::arg("quick"),
          py::arg("out"), py::arg("seeds"), py::arg("grid"), py::arg("threads"), py::arg("dataset"), py::arg("data"),
          py::arg("progress"),
          "optlab.suite.run's C++ half: returns suite.json's text (docs/python.md#bring-your-own-optimizer).");
}

}  // namespace optlab::python
