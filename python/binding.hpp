// SPDX-License-Identifier: MIT
// The Python module optlab._optlab: liboptlab bound with pybind11, as web/engine.cpp binds it to
// JavaScript. It translates types and errors and nothing else — every path, optimizer, schedule
// and file comes from the library the CLI uses — so `optlab.trajectory` is `optlab trajectory`
// bit for bit and a state saved from Python is the file the CLI reads.
//
// What crosses the border:
//   hyper-parameters  Python values <-> HyperValue: a bool, a number, 2 or 3 numbers (None: an
//                     unset member, torch's None), a name; names and kinds are the library's
//   arrays            NumPy views of a ParamStore's arenas, zero copy; each view holds the store
//                     (keeping it alive) and pins it (ParamStore::pin), so the arenas cannot move
//                     under it
//   errors            optlab's exception types as Python exceptions, in one place (module.cpp)
//   the GIL           released around every call that does work (a step, a path, a copy, a
//                     file), so other Python threads run meanwhile
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "optlab/core/param_store.hpp"
#include "optlab/optim/hyper.hpp"
#include "optlab/optim/wrappers.hpp"

namespace optlab::python {

namespace py = pybind11;

// ---- hyper-parameters -------------------------------------------------------------------------

/// One Python value as a hyper-parameter called `name`; TypeError for a value of no kind.
HyperValue hyper_from_python(std::string_view name, py::handle value);
/// Keyword arguments as hyper-parameters; None values are left out (the default).
HyperParams hyper_from_python(const py::dict& values);
py::object to_python(const HyperValue& value);
py::dict to_python(const HyperParams& hyper);
/// Lookahead ("K,ALPHA" or (k, alpha), None: none), a weight EMA's decay (None: none) and SWA
/// (swa_start and swa_lr, None: none; the anneal's epochs and strategy, None: SWALR's
/// defaults) as the library's Wrapping, validated by it.
Wrapping wrapping_from_python(py::handle lookahead, py::handle ema, py::handle swa_start, py::handle swa_lr,
                              py::handle swa_anneal_epochs, py::handle swa_anneal_strategy);
/// The name of a value's type, for messages: "list", "ndarray".
std::string type_name(py::handle value);

// ---- the store ---------------------------------------------------------------------------------

template <class T>
using StorePtr = std::shared_ptr<ParamStore<T>>;

/// optlab.ParamStore: a ParamStore<float> or ParamStore<double>, shared with the views and the
/// optimizers made on it, which keep it alive.
struct Store {
    std::variant<StorePtr<float>, StorePtr<double>> store;
};

/// The element type (float, double) of a store or of what is made on one, through a pointer.
template <class Holder>
struct ElementOf;
template <class T>
struct ElementOf<StorePtr<T>> {
    using type = T;
};
template <class Holder>
using element_of = typename ElementOf<std::remove_cvref_t<Holder>>::type;

/// Holds a pin on a store for its lifetime (made and destroyed with the GIL held: the pin
/// count is the interpreter's to guard).
template <class T>
class Pin {
  public:
    explicit Pin(ParamStore<T>& store) : store_(store) { store_.pin(); }
    ~Pin() { store_.unpin(); }
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;

  private:
    ParamStore<T>& store_;
};

// ---- the parts of the module --------------------------------------------------------------------

void bind_errors(py::module_& m);
void bind_catalogue(py::module_& m);
void bind_store(py::module_& m);
void bind_optimizer(py::module_& m);

}  // namespace optlab::python
