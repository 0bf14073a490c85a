// SPDX-License-Identifier: MIT
// optlab.Problem (its Python half, train(), is optlab/problem.py): a catalogue problem as the
// trainer makes it (the app's RunProblem) — its parameters and gradients as NumPy views of
// its ParamStore, forward and backward on its batches, evaluation, and training runs through
// the one training loop with a registry optimizer or one written in Python.
//
// The problem is shared by its views, its stores and the optimizers made on it, which keep it
// alive. Its calls run without the GIL, one at a time (a mutex taken after the GIL is let go);
// an optimizer's step, called back from a training run, cannot use the problem it is stepping.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "optlab/core/error.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/train/trainer.hpp"
#include "training.hpp"

namespace optlab::python {

namespace {

struct ProblemCore {
    std::shared_ptr<RunProblem> run;
    std::mutex mutex;
    std::atomic<std::thread::id> owner{};  // the thread in a call, for the refusal below

    /// f(run) with the GIL released and the mutex held.
    template <class F>
    auto locked(F&& f) {
        if (owner.load() == std::this_thread::get_id()) {
            throw Error("optlab.Problem(" + run->config().problem + "): already busy in this thread — an "
                        "optimizer's step cannot train or evaluate the problem it is stepping");
        }
        py::gil_scoped_release unlocked;
        std::lock_guard lock(mutex);
        owner.store(std::this_thread::get_id());
        struct Leave {
            std::atomic<std::thread::id>& owner;
            ~Leave() { owner.store(std::thread::id()); }
        } leave{owner};
        return f(run);
    }
    /// The problem's ParamStore as an optlab.ParamStore, sharing the problem.
    py::object store() const {
        return py::cast(Store{StorePtr<float>(run, &run->problem().store())});
    }
};

using CorePtr = std::shared_ptr<ProblemCore>;

Split split_from_python(const std::string& split) {
    if (split == "test") return Split::test;
    if (split == "validation") return Split::validation;
    throw InvalidArgument("evaluate: split '" + split + "' (expected 'test' or 'validation')");
}

std::vector<std::uint32_t> batch_from_python(py::handle batch) {
    std::vector<std::uint32_t> out;
    for (py::handle i : batch) {
        if (!py::isinstance<py::int_>(i) && !py::hasattr(i, "__index__")) {
            throw py::type_error("train_batch: a batch is example indices (ints), got " + type_name(i));
        }
        const auto n = py::int_(py::reinterpret_borrow<py::object>(i)).cast<long long>();
        if (n < 0 || n > 0xffffffffLL) throw InvalidArgument("train_batch: example " + std::to_string(n) + " is out of range");
        out.push_back(static_cast<std::uint32_t>(n));
    }
    return out;
}

CorePtr make(const std::string& name, std::uint64_t seed, py::object batch, std::size_t validation,
             const std::string& dataset, py::object data, py::object init, py::object net, py::object activation) {
    TrainConfig c;
    c.problem = name;
    const ProblemInfo& info = problem_info(name);
    c.batch = batch.is_none() ? info.batch : batch.cast<std::size_t>();
    c.epochs = info.epochs;
    c.seed = seed;
    c.validation = validation;
    c.dataset = dataset;
    if (!data.is_none()) c.data_dir = py::str(data).cast<std::string>();
    if (!init.is_none()) c.init = init.cast<std::string>();
    if (!net.is_none()) c.net = net.cast<std::string>();
    if (!activation.is_none()) c.activation = activation.cast<std::string>();
    auto core = std::make_shared<ProblemCore>();
    py::gil_scoped_release unlocked;  // Fashion-MNIST takes a moment to read
    core->run = std::make_shared<RunProblem>(c, nullptr);
    return core;
}

/// A training run: (the result as JSON text, the loss of every iteration that stepped).
py::tuple train(ProblemCore& core, const std::string& optimizer, py::handle externals, py::dict hyper,
                py::object epochs, py::object iterations, const std::string& convention, int threads) {
    TrainConfig c = core.run->config();
    c.optimizer = optimizer;
    c.hyper = hyper_from_python(hyper);
    c.convention = parse_convention(convention);
    if (!epochs.is_none()) c.epochs = epochs.cast<std::int64_t>();
    if (!iterations.is_none()) c.max_iterations = iterations.cast<std::int64_t>();
    c.threads = threads;
    const OptimizerCatalogue catalogue = catalogue_from_python(externals);
    std::vector<double> losses;
    TrainObserver observer;
    observer.iteration = [&](std::int64_t, std::int64_t, std::int64_t, double loss, double) { losses.push_back(loss); };
    const auto [result, json] = core.locked([&](const std::shared_ptr<RunProblem>& run) {
        const TrainResult r = optlab::train(c, run, observer, catalogue);
        return std::pair(r, result_json(c, r));
    });
    if (result.interrupted) {
        PyErr_SetString(PyExc_KeyboardInterrupt,
                        ("optlab.Problem.train: stopped by signal " + std::to_string(result.signal)).c_str());
        throw py::error_already_set();
    }
    return py::make_tuple(json, py::array_t<double>(py::ssize_t(losses.size()), losses.data()));
}

}  // namespace

void bind_problem(py::module_& m) {
    py::class_<ProblemCore, CorePtr>(m, "Problem", R"(A catalogue problem as `optlab train --problem NAME` makes it (see optlab.Problem).)")
        .def(py::init(&make), py::arg("name"), py::arg("seed") = 1, py::kw_only(), py::arg("batch") = py::none(),
             py::arg("validation") = 0, py::arg("dataset") = "fashion-mnist", py::arg("data") = py::none(),
             py::arg("init") = py::none(), py::arg("net") = py::none(), py::arg("activation") = py::none())
        .def_property_readonly("name", [](const ProblemCore& p) { return p.run->config().problem; })
        .def_property_readonly("seed", [](const ProblemCore& p) { return p.run->config().seed; })
        .def_property_readonly("batch", [](const ProblemCore& p) { return p.run->config().batch; },
                               "Examples per batch (the problem's default, or as given).")
        .def_property_readonly("epochs", [](const ProblemCore& p) { return p.run->config().epochs; },
                               "The problem's default budget, in epochs: what train() runs unless told.")
        .def_property_readonly("metric", [](const ProblemCore& p) { return std::string(p.run->problem().metric_name()); })
        .def_property_readonly("lower_is_better", [](const ProblemCore& p) {
            return problem_info(p.run->config().problem).lower_is_better;
        })
        .def_property_readonly("train_examples", [](const ProblemCore& p) { return p.run->problem().train_examples(); })
        .def_property_readonly("batches_per_epoch", [](const ProblemCore& p) { return p.run->sampler().batches_per_epoch(); })
        .def_property_readonly("has_validation", [](const ProblemCore& p) { return p.run->problem().has_validation(); })
        .def("describe", [](const ProblemCore& p) { return p.run->problem().describe(); })
        .def_property_readonly("store", &ProblemCore::store,
                               "The model's parameters and gradients: an optlab.ParamStore sharing the problem's arenas.")
        .def_property_readonly("params", [](const ProblemCore& p) {
            const py::object store = p.store();
            py::dict out;
            for (const std::string& name : store.attr("names")().cast<std::vector<std::string>>()) out[py::str(name)] = store.attr("param")(name);
            return out;
        }, "Tensor name → NumPy view of its parameters (no copies; writes are the model's).")
        .def_property_readonly("grads", [](const ProblemCore& p) {
            const py::object store = p.store();
            py::dict out;
            for (const std::string& name : store.attr("names")().cast<std::vector<std::string>>()) out[py::str(name)] = store.attr("grad")(name);
            return out;
        }, "Tensor name → NumPy view of its gradients.")
        .def("zero_grad", [](ProblemCore& p) {
            p.locked([](const std::shared_ptr<RunProblem>& run) { run->problem().store().zero_grad(); });
        }, "Sets every gradient to zero (train_batch adds to them).")
        .def("next_batch", [](ProblemCore& p) {
            const std::vector<std::uint32_t> batch = p.locked([](const std::shared_ptr<RunProblem>& run) {
                const std::span<const std::uint32_t> b = run->next_batch();
                return std::vector<std::uint32_t>(b.begin(), b.end());
            });
            return py::array_t<std::uint32_t>(py::ssize_t(batch.size()), batch.data());
        }, "The next batch of the training examples in train()'s order (epoch after epoch), as indices.")
        .def("train_batch", [](ProblemCore& p, py::object batch, bool backward) {
            const bool next = batch.is_none();
            const std::vector<std::uint32_t> examples = next ? std::vector<std::uint32_t>() : batch_from_python(batch);
            const BatchResult r = p.locked([&](const std::shared_ptr<RunProblem>& run) {
                return run->train_batch(next ? run->next_batch() : std::span<const std::uint32_t>(examples), backward);
            });
            return py::make_tuple(r.loss, r.metric_sum);
        }, py::arg("batch") = py::none(), py::arg("backward") = true,
           "Forward (and backward: dL/dθ added to the gradients) on the examples `batch` (None: next_batch()); "
           "returns (mean loss, metric summed over the batch).")
        .def("evaluate", [](ProblemCore& p, const std::string& split) {
            const Split s = split_from_python(split);
            const Evaluation e = p.locked([&](const std::shared_ptr<RunProblem>& run) { return run->evaluate(s); });
            return py::make_tuple(e.loss, e.metric);
        }, py::arg("split") = "test", "(mean loss, metric) over the 'test' or 'validation' split, in evaluation mode.")
        .def("_train", &train, py::arg("optimizer"), py::arg("externals"), py::arg("hyper"), py::arg("epochs"),
             py::arg("iterations"), py::arg("convention"), py::arg("threads"))
        .def("__repr__", [](const ProblemCore& p) {
            return "<optlab.Problem " + p.run->config().problem + ", seed " + std::to_string(p.run->config().seed) + ": " +
                   p.run->problem().describe() + ">";
        });
}

}  // namespace optlab::python
