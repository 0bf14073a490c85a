// SPDX-License-Identifier: MIT
// optlab.ParamStore: the library's ParamStore, its tensors as NumPy views of the arenas.
//
// A view is an ndarray over the arena's own memory whose base object holds the store (so the
// arenas live as long as any view, or any view of a view, or a torch tensor made from one by
// torch.from_numpy) and a pin on it (so add() refuses to move the arenas while a view points
// into them, with the library's message). Arrays coming in are copied only where asked
// (set_param, set_grad), and only when their dtype, shape and layout are the tensor's exactly.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "binding.hpp"
#include "optlab/core/error.hpp"

namespace optlab::python {

namespace {

std::string dtype_text(const Store& s) { return s.store.index() == 0 ? "float32" : "float64"; }

/// An ndarray of `shape` over `data` (C order), holding `store` and a pin on it.
template <class T>
py::array view_of(const StorePtr<T>& store, T* data, const std::vector<std::size_t>& shape) {
    auto* holder = new StorePtr<T>(store);
    (*holder)->pin();
    py::capsule base(holder, [](void* p) {
        auto* held = static_cast<StorePtr<T>*>(p);
        (*held)->unpin();
        delete held;
    });
    std::vector<py::ssize_t> dims(shape.begin(), shape.end());
    std::vector<py::ssize_t> strides(shape.size());
    py::ssize_t stride = sizeof(T);
    for (std::size_t i = shape.size(); i-- > 0;) {
        strides[i] = stride;
        stride *= static_cast<py::ssize_t>(shape[i]);
    }
    return py::array_t<T>(dims, strides, data, base);
}

std::vector<std::size_t> shape_from_python(const std::string& name, py::handle shape) {
    std::vector<std::size_t> out;
    auto dim = [&](py::handle d) {
        if (!py::isinstance<py::int_>(d) && !py::hasattr(d, "__index__")) {
            throw py::type_error("ParamStore.add('" + name + "'): a shape is integers, got " +
                                 type_name(d));
        }
        const py::int_ value(py::reinterpret_borrow<py::object>(d));
        int overflow = 0;  // beyond a long long: past any size the store could hold
        const long long n = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
        if (n < 0 || overflow < 0) {
            throw InvalidArgument("ParamStore.add('" + name + "'): dimension " + py::str(py::handle(value)).cast<std::string>() +
                                  " is negative");
        }
        if (overflow > 0) {
            throw InvalidArgument("ParamStore.add('" + name + "'): dimension " + py::str(py::handle(value)).cast<std::string>() +
                                  " is too large");
        }
        out.push_back(static_cast<std::size_t>(n));
    };
    if (py::isinstance<py::sequence>(shape) && !py::isinstance<py::str>(shape)) {
        for (py::handle d : shape) dim(d);
    } else {
        dim(shape);
    }
    return out;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

/// Copies `values` into tensor `name`'s parameters (grad: its gradients). The array must be the
/// tensor exactly: its dtype, its shape, C-contiguous — nothing is converted behind the caller's back.
template <class T>
void assign(const StorePtr<T>& store, const std::string& name, const py::handle& values, bool grad) {
    const std::string where = std::string(grad ? "ParamStore.set_grad('" : "ParamStore.set_param('") + name + "')";
    const TensorView<T> view = store->view(name);
    if (!py::isinstance<py::array>(values)) {
        throw py::type_error(where + ": expected a NumPy array, got " +
                             type_name(values));
    }
    const py::array a = py::reinterpret_borrow<py::array>(values);
    if (!a.dtype().is(py::dtype::of<T>())) {
        const std::string want = sizeof(T) == 4 ? "float32" : "float64";
        throw py::type_error(where + ": expected a " + want + " array, got " + py::str(a.dtype().attr("name")).cast<std::string>() +
                             " (convert it with .astype(numpy." + want + "))");
    }
    const std::vector<std::size_t> shape(a.shape(), a.shape() + a.ndim());
    if (shape != view.info->shape) {
        throw InvalidArgument(where + ": the array's shape " + shape_text(shape) + " is not the tensor's " +
                              shape_text(view.info->shape));
    }
    if ((a.flags() & py::array::c_style) == 0) {
        throw InvalidArgument(where + ": the array is not C-contiguous (a transposed or strided view); "
                              "pass numpy.ascontiguousarray(values)");
    }
    T* to = (grad ? view.grad : view.param).data();
    const void* from = a.data();
    Pin<T> pin(*store);
    py::gil_scoped_release unlocked;
    std::memmove(to, from, view.param.size() * sizeof(T));  // it may be a view of the arena itself
}

}  // namespace

void bind_store(py::module_& m) {
    py::class_<Store>(m, "ParamStore", R"(Every parameter of a model in one contiguous arena, every gradient in a
second with the same layout (optlab::ParamStore). param(name) and grad(name) are NumPy views
of the arenas: writes through them are the store's, and they keep it alive.

    store = optlab.ParamStore("float32")
    store.add("layer1.weight", (784, 100))
    store.add("layer1.bias", 100)
    w = store.param("layer1.weight")     # a (784, 100) float32 view, no copy
)")
        .def(py::init([](py::object dtype) {
                 py::dtype d;
                 try {
                     d = py::dtype::from_args(dtype);
                 } catch (py::error_already_set&) {  // NumPy's own parse failed (a SyntaxError for "01")
                     throw py::type_error("ParamStore: dtype must be float32 or float64, got " +
                                          py::repr(dtype).cast<std::string>());
                 }
                 if (d.is(py::dtype::of<float>())) return Store{std::make_shared<ParamStore<float>>()};
                 if (d.is(py::dtype::of<double>())) return Store{std::make_shared<ParamStore<double>>()};
                 throw py::type_error("ParamStore: dtype must be float32 or float64, got " + py::str(d.attr("name")).cast<std::string>());
             }),
             py::arg("dtype") = "float32")
        .def("add",
             [](Store& s, const std::string& name, py::handle shape) {
                 const std::vector<std::size_t> dims = shape_from_python(name, shape);
                 return std::visit([&](auto& store) { return store->add(name, dims); }, s.store);
             },
             py::arg("name"), py::arg("shape"),
             "Adds a zero tensor of `shape` (an int or a tuple; () is a scalar) and returns its index. "
             "Refused (optlab.Error) while views or optimizers hold the store: adding may move the arenas.")
        .def("param",
             [](Store& s, const std::string& name) {
                 return std::visit([&](auto& store) {
                     const auto view = store->view(name);
                     return view_of(store, view.param.data(), view.info->shape);
                 }, s.store);
             },
             py::arg("name"), "The tensor's parameters: a writeable NumPy view of the arena, no copy.")
        .def("grad",
             [](Store& s, const std::string& name) {
                 return std::visit([&](auto& store) {
                     const auto view = store->view(name);
                     return view_of(store, view.grad.data(), view.info->shape);
                 }, s.store);
             },
             py::arg("name"), "The tensor's gradients: a writeable NumPy view of the gradient arena, no copy.")
        .def("params",
             [](Store& s) {
                 return std::visit([](auto& store) {
                     return view_of(store, store->params().data(), {store->arena_size()});
                 }, s.store);
             },
             "The whole parameter arena as one flat view, every tensor back to back in the order added.")
        .def("grads",
             [](Store& s) {
                 return std::visit([](auto& store) {
                     return view_of(store, store->grads().data(), {store->arena_size()});
                 }, s.store);
             },
             "The whole gradient arena as one flat view.")
        .def("set_param",
             [](Store& s, const std::string& name, py::handle values) {
                 std::visit([&](auto& store) { assign(store, name, values, false); }, s.store);
             },
             py::arg("name"), py::arg("values"),
             "Copies `values` into the tensor's parameters: a C-contiguous array of the store's dtype and the "
             "tensor's shape (TypeError, optlab.InvalidArgument otherwise).")
        .def("set_grad",
             [](Store& s, const std::string& name, py::handle values) {
                 std::visit([&](auto& store) { assign(store, name, values, true); }, s.store);
             },
             py::arg("name"), py::arg("values"), "Copies `values` into the tensor's gradients, as set_param.")
        .def("zero_grad",
             [](Store& s) {
                 std::visit([](auto& store) {
                     Pin pin(*store);
                     py::gil_scoped_release unlocked;
                     store->zero_grad();
                 }, s.store);
             },
             "Sets every gradient to zero.")
        // ---- rows that received a gradient (ParamStore::track_rows), for optlab.torch: a sparse
        // gradient (an Embedding's) reaches some rows of its tensor, and SparseAdam steps those only.
        .def("track_rows",
             [](Store& s, const std::string& name) {
                 std::visit([&](auto& store) { store->track_rows(store->index_of(name)); }, s.store);
             },
             py::arg("name"),
             "Records from now on which rows (first index) of the tensor receive a gradient: none until "
             "mark_rows. An optimizer that updates only the rows seen (sparse-adam) reads them; zero_grad() "
             "forgets them.")
        .def("mark_rows",
             [](Store& s, const std::string& name, py::object rows) {
                 std::visit([&](auto& store) {
                     const std::size_t index = store->index_of(name);
                     const auto& tracked = store->tracked_tensors();
                     if (std::find(tracked.begin(), tracked.end(), index) == tracked.end()) {
                         throw InvalidArgument("ParamStore.mark_rows('" + name + "'): its rows are not tracked "
                                               "(track_rows first)");
                     }
                     const std::size_t n = store->rows_seen(index).size();
                     if (rows.is_none()) {
                         for (std::size_t r = 0; r < n; ++r) store->mark_row(index, r);
                         return;
                     }
                     if (!py::isinstance<py::array>(rows) || py::array(rows).dtype().kind() != 'i') {
                         throw py::type_error("ParamStore.mark_rows('" + name + "'): rows are a NumPy array of "
                                              "integers, got " + type_name(rows));
                     }
                     const auto ids = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>(rows);
                     const std::int64_t* id = ids.data();
                     for (py::ssize_t k = 0; k < ids.size(); ++k) {
                         if (id[k] < 0 || std::size_t(id[k]) >= n) {
                             throw InvalidArgument("ParamStore.mark_rows('" + name + "'): row " + std::to_string(id[k]) +
                                                   " is not in [0, " + std::to_string(n) + ")");
                         }
                     }
                     for (py::ssize_t k = 0; k < ids.size(); ++k) store->mark_row(index, std::size_t(id[k]));
                 }, s.store);
             },
             py::arg("name"), py::arg("rows") = py::none(),
             "Marks rows of a tracked tensor as having received a gradient: an integer array, or None for every row.")
        .def("forget_rows",
             [](Store& s, const std::string& name) {
                 std::visit([&](auto& store) { store->forget_rows(store->index_of(name)); }, s.store);
             },
             py::arg("name"), "Counts every row of the tensor as unseen again.")
        .def("rows_seen",
             [](const Store& s, const std::string& name) -> py::object {
                 return std::visit([&](const auto& store) -> py::object {
                     const std::size_t index = store->index_of(name);
                     const auto& tracked = store->tracked_tensors();
                     if (std::find(tracked.begin(), tracked.end(), index) == tracked.end()) return py::none();
                     const std::span<const std::uint8_t> seen = store->rows_seen(index);
                     py::array_t<bool> out(static_cast<py::ssize_t>(seen.size()));
                     std::transform(seen.begin(), seen.end(), out.mutable_data(), [](std::uint8_t v) { return v != 0; });
                     return out;
                 }, s.store);
             },
             py::arg("name"), "Per row of the tensor, whether it received a gradient (a copy); None when its rows "
             "are not tracked.")
        .def("names",
             [](const Store& s) {
                 return std::visit([](const auto& store) {
                     std::vector<std::string> names;
                     for (const TensorInfo& t : store->tensors()) names.push_back(t.name);
                     return names;
                 }, s.store);
             },
             "The tensors' names, in the order added.")
        .def("shape",
             [](const Store& s, const std::string& name) {
                 return std::visit([&](const auto& store) {
                     return py::tuple(py::cast(store->info(store->index_of(name)).shape));
                 }, s.store);
             },
             py::arg("name"))
        .def("offset",
             [](const Store& s, const std::string& name) {
                 return std::visit([&](const auto& store) { return store->info(store->index_of(name)).offset; },
                                   s.store);
             },
             py::arg("name"), "The tensor's first element in the arenas.")
        .def("__contains__",
             [](const Store& s, const std::string& name) {
                 return std::visit([&](const auto& store) { return store->contains(name); }, s.store);
             })
        .def("__len__", [](const Store& s) { return std::visit([](const auto& store) { return store->num_tensors(); }, s.store); })
        .def_property_readonly("dtype", [](const Store& s) {
            return s.store.index() == 0 ? py::dtype::of<float>() : py::dtype::of<double>();
        })
        .def_property_readonly("num_parameters", [](const Store& s) {
            return std::visit([](const auto& store) { return store->num_parameters(); }, s.store);
        })
        .def_property_readonly("pins", [](const Store& s) {
            return std::visit([](const auto& store) { return store->pins(); }, s.store);
        }, "How many views and optimizers hold the arenas where they are (add() waits for 0).")
        .def("__repr__", [](const Store& s) {
            return std::visit([&](const auto& store) {
                return "<optlab.ParamStore " + dtype_text(s) + ": " + std::to_string(store->num_tensors()) +
                       " tensors, " + std::to_string(store->num_parameters()) + " parameters>";
            }, s.store);
        });
}

}  // namespace optlab::python
