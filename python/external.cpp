// SPDX-License-Identifier: MIT
// Optimizers written in Python, as the library's Optimizer: what the trainer and the suite run
// when they are given a Python class (training.hpp).
//
// The class is called as cls(params, **hyper) — params a dict of tensor name → NumPy view of
// the parameter arena, hyper what the run gives (lr; nothing for its own defaults) — and the
// object's step(grads) with a dict of tensor name → NumPy view of the gradient arena, once per
// iteration. The training loop around it runs without the GIL; the adapter takes the GIL only
// around those Python calls (and to let go of the object), so a Python exception from them
// propagates through the loop, with its traceback, to whoever started the run.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "optlab/core/error.hpp"
#include "training.hpp"

namespace optlab::python {

namespace {

/// One group of every tensor; its only hyper-parameter is the lr it was made with (set_lr also
/// sets the object's `lr` attribute, when it has one, so schedules reach it).
class PythonOptimizer final : public Optimizer<float> {
  public:
    PythonOptimizer(ParamStore<float>& store, std::string name, double lr, py::object optimizer, py::object grads)
        : Optimizer<float>(store, Convention::torch, {}),
          name_(std::move(name)), lr_(lr), optimizer_(std::move(optimizer)), grads_(std::move(grads)) {
        std::vector<std::string> all;
        for (const TensorInfo& t : store.tensors()) all.push_back(t.name);
        add_group(all);
    }
    ~PythonOptimizer() override {
        py::gil_scoped_acquire gil;  // the trainer lets go of it without the GIL
        optimizer_.release().dec_ref();
        grads_.release().dec_ref();
    }

    std::string_view name() const override { return name_; }
    double lr(std::size_t) const override { return lr_; }
    void set_lr(std::size_t, double lr) override {
        if (!(lr >= 0) || !std::isfinite(lr)) throw_invalid(name_, "lr", lr, "a finite number >= 0");
        lr_ = lr;
        py::gil_scoped_acquire gil;
        if (py::hasattr(optimizer_, "lr")) optimizer_.attr("lr") = lr;
    }
    HyperParams hyper(std::size_t) const override { return {{"lr", HyperValue(lr_)}}; }
    void set_hyper(std::size_t g, const HyperParams& values) override {
        for (const auto& [name, value] : values) {
            if (name != "lr" || !std::holds_alternative<double>(value)) {
                throw InvalidArgument(name_ + ": a Python optimizer's only hyper-parameter optlab sets is lr, not " + name);
            }
        }
        if (const auto lr = values.find("lr"); lr != values.end()) set_lr(g, std::get<double>(lr->second));
    }

    OptimizerState<float> state_dict() const override { throw unsaved(); }
    void load_state_dict(const OptimizerState<float>&) override { throw unsaved(); }

  protected:
    void step_group(std::size_t) override {
        py::gil_scoped_acquire gil;
        // A dict of its own each step: the optimizer may change what it is given.
        optimizer_.attr("step")(grads_.attr("copy")());
    }
    void load_group_hyper(std::size_t, const HyperParams&) override { throw unsaved(); }

  private:
    Error unsaved() const {
        return Error(name_ + " is written in Python and keeps its state there: optlab cannot save or load it");
    }

    std::string name_;
    double lr_;
    py::object optimizer_, grads_;
};

/// A Python object owned from C++ code that may run without the GIL: let go of with the GIL.
std::shared_ptr<py::object> held(py::object object) {
    return std::shared_ptr<py::object>(new py::object(std::move(object)), [](py::object* o) {
        py::gil_scoped_acquire gil;
        delete o;
    });
}

}  // namespace

OptimizerCatalogue catalogue_from_python(py::handle entries) {
    OptimizerCatalogue catalogue;
    for (py::handle entry : entries) {
        const auto t = entry.cast<py::tuple>();
        const std::string name = t[0].cast<std::string>();
        ExternalOptimizer e;
        e.origin = t[2].cast<std::string>();
        e.default_lr = t[3].is_none() ? std::numeric_limits<double>::quiet_NaN() : t[3].cast<double>();
        e.make = [cls = held(py::reinterpret_borrow<py::object>(t[1])), name, default_lr = e.default_lr](
                     std::shared_ptr<ParamStore<float>> store, const HyperParams& hyper) -> std::unique_ptr<Optimizer<float>> {
            py::gil_scoped_acquire gil;
            // The views hold `store` (and so the run's problem) for as long as Python keeps them.
            const py::object views = py::cast(Store{store});
            py::dict params, grads;
            for (const TensorInfo& tensor : store->tensors()) {
                params[py::str(tensor.name)] = views.attr("param")(tensor.name);
                grads[py::str(tensor.name)] = views.attr("grad")(tensor.name);
            }
            const py::dict kwargs = to_python(hyper);
            py::object optimizer = (*cls)(params, **kwargs);
            const auto lr = hyper.find("lr");
            const double used = lr != hyper.end() && std::holds_alternative<double>(lr->second)
                                    ? std::get<double>(lr->second) : default_lr;
            return std::make_unique<PythonOptimizer>(*store, name, used, std::move(optimizer), std::move(grads));
        };
        catalogue.add(name, std::move(e));
    }
    return catalogue;
}

}  // namespace optlab::python
