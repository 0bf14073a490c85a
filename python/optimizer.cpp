// SPDX-License-Identifier: MIT
// optlab.Optimizer (made by optlab.make_optimizer), optlab.LrScheduler and optlab.GradClip: the
// library's registry, wrappers, schedules, clipping and state files, as the CLI uses them.
//
// An optimizer holds its store (alive, and pinned: its state buffers are sized to the arenas,
// which must not grow under it) and a mutex: its calls run without the GIL, one at a time, so
// Python threads can share it without racing on its lazily made state.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "binding.hpp"
#include "optlab/core/error.hpp"
#include "optlab/io/optimizer_state.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optim/wrappers.hpp"
#include "optlab/schedule/lr_scheduler.hpp"
#include "optlab/transform/clip.hpp"

namespace optlab::python {

namespace {

template <class T>
struct OptimizerCore {
    OptimizerCore(StorePtr<T> s, std::unique_ptr<Optimizer<T>> o) : store(std::move(s)), optimizer(std::move(o)) {
        store->pin();
    }
    ~OptimizerCore() { store->unpin(); }  // with the GIL: cores die with their Python owners
    OptimizerCore(const OptimizerCore&) = delete;
    OptimizerCore& operator=(const OptimizerCore&) = delete;

    StorePtr<T> store;
    std::unique_ptr<Optimizer<T>> optimizer;
    std::mutex mutex;  // one call at a time, taken after the GIL is released
};

/// A schedule bound to an optimizer: stepped by count (parse_schedule's) or on a metric
/// (reduce-on-plateau).
template <class T>
struct SchedulerCore {
    std::shared_ptr<OptimizerCore<T>> core;
    std::string spec;
    std::optional<LrScheduler<T>> stepped;
    std::optional<ReduceLrOnPlateau<T>> plateau;

    SchedulerCore(std::shared_ptr<OptimizerCore<T>> c, const std::string& s) : core(std::move(c)), spec(s) {
        const std::optional<PlateauOptions> p = parse_plateau(spec);
        std::unique_ptr<LrSchedule> schedule = p ? nullptr : parse_schedule(spec);
        py::gil_scoped_release unlocked;
        std::lock_guard lock(core->mutex);
        if (p) {
            plateau.emplace(*core->optimizer, *p);
        } else {
            stepped.emplace(*core->optimizer, std::shared_ptr<const LrSchedule>(std::move(schedule)));
        }
    }
    /// Called with the optimizer's mutex held.
    void step(std::optional<double> metric) {
        if (stepped) {
            stepped->step();
        } else {
            plateau->step(*metric);
        }
    }
};

}  // namespace

template <class T>
using CorePtr = std::shared_ptr<OptimizerCore<T>>;
template <class T>
using SchedulerPtr = std::shared_ptr<SchedulerCore<T>>;
template <class T>
struct ElementOf<CorePtr<T>> {
    using type = T;
};

namespace {

struct Scheduler {
    std::variant<SchedulerPtr<float>, SchedulerPtr<double>> core;
};

struct PyOptimizer {
    std::variant<CorePtr<float>, CorePtr<double>> core;
    py::object store;                 // the optlab.ParamStore it was made on
    std::optional<GradClip> clip;     // applied before each step
    py::object scheduler = py::none();  // an optlab.LrScheduler stepped after each step, or None
    double grad_norm = std::nan("");  // the gradients' norm before the last step's clipping

    /// f(optimizer) with the GIL released and the optimizer's mutex held.
    template <class F>
    auto locked(F&& f) {
        return std::visit([&](auto& c) {
            auto keep = c;
            py::gil_scoped_release unlocked;
            std::lock_guard lock(keep->mutex);
            return f(*keep->optimizer);
        }, core);
    }
    /// f(optimizer) with the GIL and the optimizer's mutex held, for what only reads: f returns
    /// C++ values and must not touch Python objects. (Nothing holding the mutex ever waits for
    /// the GIL — Python code run meanwhile, a finaliser, could pass the GIL to a thread waiting
    /// here — so waiting for the mutex with the GIL held cannot deadlock.)
    template <class F>
    auto with(F&& f) const {
        return std::visit([&](const auto& c) {
            std::lock_guard lock(c->mutex);
            return f(*c->optimizer);
        }, core);
    }
};

std::size_t group_index(const PyOptimizer& o, std::size_t group) {
    const std::size_t n = o.with([](const auto& opt) { return opt.num_groups(); });
    if (group >= n) {
        throw py::index_error("optimizer: no group " + std::to_string(group) + " (it has " + std::to_string(n) + ")");
    }
    return group;
}

std::vector<std::string> names_from_python(py::handle params) {
    if (py::isinstance<py::str>(params)) return {params.cast<std::string>()};
    std::vector<std::string> names;
    for (py::handle p : params) {
        if (!py::isinstance<py::str>(p)) {
            throw py::type_error("a group's params are tensor names, got " +
                                 type_name(p));
        }
        names.push_back(p.cast<std::string>());
    }
    return names;
}

/// torch's list of param-group dicts ({"params": names, "lr": ...}) or (names, {hyper}) pairs,
/// each over the hyper-parameters given to make_optimizer itself.
std::vector<GroupSpec> groups_from_python(py::handle groups, const HyperParams& common) {
    std::vector<GroupSpec> out;
    for (py::handle g : groups) {
        GroupSpec spec{{}, common};
        py::dict hyper;
        if (py::isinstance<py::dict>(g)) {
            const py::dict d = py::reinterpret_borrow<py::dict>(g);
            if (!d.contains("params")) {
                throw InvalidArgument("optimizer: group " + std::to_string(out.size()) + " has no 'params'");
            }
            spec.params = names_from_python(d["params"]);
            for (const auto& [key, value] : d) {
                if (py::cast<std::string>(key) != "params") hyper[key] = value;
            }
        } else if (py::isinstance<py::sequence>(g) && py::len(g) == 2) {
            spec.params = names_from_python(g[py::int_(0)]);
            hyper = py::dict(g[py::int_(1)]);
        } else {
            throw py::type_error("optimizer: a group is a dict with 'params' or a (names, hyper-parameters) pair");
        }
        for (auto& [name, value] : hyper_from_python(hyper)) spec.hyper.insert_or_assign(name, value);
        out.push_back(std::move(spec));
    }
    return out;
}

GradClip clip_from_python(py::handle clip) {
    if (py::isinstance<GradClip>(clip)) return clip.cast<GradClip>();
    const std::optional<GradClip> c = parse_clip(clip.cast<std::string>());
    if (!c) throw InvalidArgument("clip: '' is no clipping; pass None");
    return *c;
}

template <class T>
std::unique_ptr<Optimizer<T>> build(const std::string& name, ParamStore<T>& store, Convention convention,
                                    py::handle groups, const HyperParams& hyper, const Wrapping& wrapping) {
    std::unique_ptr<Optimizer<T>> inner =
        groups.is_none() ? make_optimizer<T>(name, store, hyper, convention)
                         : make_optimizer<T>(name, store, groups_from_python(groups, hyper), convention);
    return wrap(std::move(inner), wrapping);
}

PyOptimizer make(const std::string& name, py::object store, const std::string& convention, py::object groups,
                 py::object lookahead, py::object ema, py::object swa_start, py::object swa_lr,
                 py::object swa_anneal_epochs, py::object swa_anneal_strategy, py::object schedule, py::object clip,
                 py::kwargs kwargs) {
    if (!py::isinstance<Store>(store)) {
        throw py::type_error("make_optimizer: expected an optlab.ParamStore, got " +
                             type_name(store));
    }
    const HyperParams hyper = hyper_from_python(kwargs);
    const Convention c = parse_convention(convention);
    const Wrapping wrapping = wrapping_from_python(lookahead, ema, swa_start, swa_lr, swa_anneal_epochs, swa_anneal_strategy);
    PyOptimizer out;
    out.store = store;
    std::visit([&](auto& s) {
        using T = element_of<decltype(s)>;
        out.core = std::make_shared<OptimizerCore<T>>(s, build<T>(name, *s, c, groups, hyper, wrapping));
    }, store.cast<Store&>().store);
    if (!clip.is_none()) out.clip = clip_from_python(clip);
    if (!schedule.is_none()) {
        const std::string spec = schedule.cast<std::string>();
        if (parse_plateau(spec)) {
            throw InvalidArgument("make_optimizer: schedule '" + spec + "' steps on a metric; use "
                                  "optlab.LrScheduler(optimizer, '" + spec + "') and its step(metric)");
        }
        out.scheduler = std::visit([&](auto& core) {
            return py::cast(Scheduler{std::make_shared<SchedulerCore<element_of<decltype(core)>>>(core, spec)});
        }, out.core);
    }
    return out;
}

template <class T>
py::array copy_of(std::span<const T> data, const std::vector<std::size_t>& shape) {
    std::vector<py::ssize_t> dims(shape.begin(), shape.end());
    py::array_t<T> out(dims);
    std::copy(data.begin(), data.end(), out.mutable_data());
    return out;
}

// ---- an optimizer's state as Python data (OptimizerState<T>) -----------------------------------
// {"optimizer": "adam", "convention": "torch", "training": True,
//  "groups": [{"params": [names], "hyper": {...}, "step": 3, "scalars": {...}}, ...],
//  "state": {tensor name: {buffer name: ndarray of the tensor's shape}}}   (torch's layout)

template <class T>
py::dict state_to_python(const OptimizerState<T>& s) {
    py::dict out;
    out["optimizer"] = s.optimizer;
    out["convention"] = std::string(to_string(s.convention));
    out["training"] = s.training;
    py::list groups;
    for (const auto& g : s.groups) {
        py::dict d;
        d["params"] = g.params;
        d["hyper"] = to_python(g.hyper);
        d["step"] = g.step;
        d["scalars"] = g.scalars;
        groups.append(d);
    }
    out["groups"] = groups;
    py::dict state;
    for (const auto& b : s.buffers) {
        const py::str param(b.param);
        if (!state.contains(param)) state[param] = py::dict();
        state[param][py::str(b.buffer)] = copy_of(std::span<const T>(b.data), b.shape);
    }
    out["state"] = state;
    return out;
}

// py::cast<V>(value), or a TypeError naming where the value was and what was expected.
template <class V>
V take(py::handle value, const std::string& where, const char* expected) {
    try {
        return py::cast<V>(value);
    } catch (const py::cast_error&) {
        throw py::type_error("load_state_dict: " + where + ": expected " + expected + ", got " + type_name(value));
    }
}

template <class T>
OptimizerState<T> state_from_python(const py::dict& d) {
    auto item = [&](const char* key) -> py::object {
        if (!d.contains(key)) throw InvalidArgument(std::string("load_state_dict: no '") + key + "'");
        return d[key];
    };
    OptimizerState<T> s;
    s.optimizer = take<std::string>(item("optimizer"), "'optimizer'", "a registry name");
    s.convention = parse_convention(take<std::string>(item("convention"), "'convention'", "torch, keras or book"));
    if (!py::isinstance<py::bool_>(item("training"))) {  // (pybind11 would read None as False)
        throw py::type_error("load_state_dict: 'training': expected True or False, got " + type_name(item("training")));
    }
    s.training = py::cast<bool>(item("training"));
    std::size_t index = 0;
    for (py::handle g : item("groups")) {
        const std::string where = "groups[" + std::to_string(index++) + "]";
        if (!py::isinstance<py::dict>(g)) throw py::type_error("load_state_dict: " + where + ": expected a dict, got " + type_name(g));
        const py::dict group_dict = py::reinterpret_borrow<py::dict>(g);
        for (const char* key : {"params", "hyper", "step", "scalars"}) {
            if (!group_dict.contains(key)) throw InvalidArgument("load_state_dict: " + where + ": no '" + key + "'");
        }
        typename OptimizerState<T>::Group group;
        group.params = names_from_python(group_dict["params"]);
        if (!py::isinstance<py::dict>(group_dict["hyper"])) {
            throw py::type_error("load_state_dict: " + where + "['hyper']: expected a dict, got " + type_name(group_dict["hyper"]));
        }
        group.hyper = hyper_from_python(py::dict(group_dict["hyper"]));
        group.step = take<std::int64_t>(group_dict["step"], where + "['step']", "an integer");
        group.scalars = take<std::map<std::string, double>>(group_dict["scalars"], where + "['scalars']",
                                                           "a dict of names to numbers");
        s.groups.push_back(std::move(group));
    }
    if (!py::isinstance<py::dict>(item("state"))) {
        throw py::type_error("load_state_dict: 'state': expected a dict, got " + type_name(item("state")));
    }
    for (const auto& [param, buffers] : py::dict(item("state"))) {
        if (!py::isinstance<py::dict>(buffers)) {
            throw py::type_error("load_state_dict: state['" + std::string(py::str(param)) + "']: expected a dict, got " +
                                 type_name(buffers));
        }
        for (const auto& [buffer, values] : py::dict(py::reinterpret_borrow<py::object>(buffers))) {
            const std::string where = "load_state_dict: state['" + take<std::string>(param, "a state key", "a tensor name") +
                                      "']['" + take<std::string>(buffer, "a buffer key", "a buffer name") + "']";
            const std::string want = sizeof(T) == 4 ? "a float32 array" : "a float64 array";
            if (!py::isinstance<py::array>(values)) throw py::type_error(where + ": expected " + want + ", got " + type_name(values));
            const py::dtype dtype = py::reinterpret_borrow<py::array>(values).dtype();
            if (!dtype.is(py::dtype::of<T>())) {
                throw py::type_error(where + ": expected " + want + ", got " + py::str(dtype.attr("name")).cast<std::string>());
            }
            const auto a = py::array_t<T, py::array::c_style>::ensure(values);  // a copy only if strided
            s.buffers.push_back({py::cast<std::string>(param), py::cast<std::string>(buffer),
                                 std::vector<std::size_t>(a.shape(), a.shape() + a.ndim()),
                                 std::vector<T>(a.data(), a.data() + a.size())});
        }
    }
    return s;
}

}  // namespace

void bind_optimizer(py::module_& m) {
    py::class_<GradClip>(m, "GradClip", R"(Gradient clipping before a step (optlab::GradClip), as --clip spells it:
"value:C" (clamp to [-C, C]), "norm:C" (each tensor to norm <= C), "global-norm:C" (all together).)")
        .def(py::init([](const std::string& spec) { return clip_from_python(py::str(spec)); }), py::arg("spec"))
        .def(py::init([](const std::string& kind, double threshold) {
                 GradClip c{parse_clip_kind(kind), threshold};
                 c.validate();
                 return c;
             }),
             py::arg("kind"), py::arg("threshold"))
        .def("apply",
             [](const GradClip& c, Store& s) {
                 return std::visit([&](auto& store) {
                     Pin pin(*store);
                     py::gil_scoped_release unlocked;
                     return c.apply(*store);
                 }, s.store);
             },
             py::arg("store"), "Clips the store's gradients; returns their norm before clipping (value: the largest |g|).")
        .def_property_readonly("kind", [](const GradClip& c) { return std::string(to_string(c.kind)); })
        .def_readonly("threshold", &GradClip::threshold)
        .def("__repr__", [](const GradClip& c) {
            return "optlab.GradClip('" + std::string(to_string(c.kind)) + ":" + std::string(py::str(py::float_(c.threshold))) + "')";
        });

    py::class_<Scheduler>(m, "LrScheduler", R"(A learning-rate schedule bound to an optimizer (optlab::LrScheduler), from
the text --schedule takes: "cosine:1000,50", "step:10,0.5", "one-cycle:0.1,1000", ... Its lrs are
set for step 0 at once; step() moves to the next. "plateau[:FACTOR[,PATIENCE]]" is
reduce-on-plateau, stepped with the metric it watches: step(metric).)")
        .def(py::init([](PyOptimizer& o, const std::string& spec) {
                 return std::visit([&](auto& core) {
                     using T = element_of<decltype(core)>;
                     return Scheduler{std::make_shared<SchedulerCore<T>>(core, spec)};
                 }, o.core);
             }),
             py::arg("optimizer"), py::arg("spec"))
        .def("step",
             [](Scheduler& s, std::optional<double> metric) {
                 std::visit([&](auto& core) {
                     if (core->plateau && !metric) {
                         throw py::type_error("LrScheduler('" + core->spec + "').step: reduce-on-plateau needs the metric it watches");
                     }
                     auto keep = core;
                     py::gil_scoped_release unlocked;
                     std::lock_guard lock(keep->core->mutex);
                     keep->step(metric);
                 }, s.core);
             },
             py::arg("metric") = py::none(), "The next step's learning rates (reduce-on-plateau: given the metric).")
        .def_property("last_step",
                      [](const Scheduler& s) {
                          return std::visit([](const auto& core) {
                              if (!core->stepped) throw InvalidArgument("LrScheduler('" + core->spec + "'): reduce-on-plateau counts no steps");
                              return core->stepped->last_step();
                          }, s.core);
                      },
                      [](Scheduler& s, std::int64_t t) {
                          std::visit([&](auto& core) {
                              if (!core->stepped) throw InvalidArgument("LrScheduler('" + core->spec + "'): reduce-on-plateau counts no steps");
                              if (t < 0) throw_invalid("LrScheduler", "last_step", double(t), "an integer >= 0");
                              auto keep = core;
                              py::gil_scoped_release unlocked;
                              std::lock_guard lock(keep->core->mutex);
                              keep->stepped->set_last_step(t);
                          }, s.core);
                      },
                      "The schedule's step t; setting it replays the lrs of step t from the base lrs (a resume).")
        .def_property_readonly("base_lrs", [](const Scheduler& s) {
            return std::visit([](const auto& core) {
                return core->stepped ? core->stepped->base_lrs() : std::vector<double>{};
            }, s.core);
        })
        .def("__repr__", [](const Scheduler& s) {
            return std::visit([](const auto& core) {
                return "optlab.LrScheduler(" + (core->stepped ? core->stepped->schedule().describe() : core->spec) + ")";
            }, s.core);
        });

    py::class_<PyOptimizer>(m, "Optimizer", R"(An optimizer over a ParamStore (optlab::Optimizer): made by
optlab.make_optimizer. step() updates from the gradients in the store (clipping first and
stepping the schedule after, when it was made with clip= and schedule=); zero_grad(); learning
rates and hyper-parameters per group; save(path) / load(path) the safetensors state file the
C++ library and the CLI read.)")
        .def("step",
             [](PyOptimizer& o, py::object closure) -> py::object {
                 std::optional<double> norm;
                 std::optional<double> loss;
                 const std::optional<GradClip> clip = o.clip;
                 // A Python error in the closure, kept (with the GIL) until the step has unwound.
                 std::optional<py::error_already_set> closure_error;
                 struct ClosureFailed {};
                 std::visit([&](auto& core) {
                     using T = element_of<decltype(core)>;
                     SchedulerCore<T>* schedule = nullptr;
                     if (!o.scheduler.is_none()) {
                         schedule = std::get<SchedulerPtr<T>>(o.scheduler.cast<Scheduler&>().core).get();
                     }
                     auto keep = core;
                     py::gil_scoped_release unlocked;
                     std::lock_guard lock(keep->mutex);
                     // As optlab train's loop: clip, step, schedule — and with a closure (torch's
                     // step(closure); L-BFGS calls it within its step), clip after every call.
                     if (closure.is_none()) {
                         if (clip) norm = clip->apply(*keep->store);
                         keep->optimizer->step();
                     } else {
                         try {
                             loss = keep->optimizer->step([&]() -> double {
                                 double value = 0;
                                 {
                                     py::gil_scoped_acquire gil;
                                     try {
                                         value = py::float_(closure()).cast<double>();
                                     } catch (py::error_already_set& e) {
                                         closure_error.emplace(std::move(e));
                                         throw ClosureFailed{};
                                     }
                                 }
                                 if (clip) norm = clip->apply(*keep->store);
                                 return value;
                             });
                         } catch (const ClosureFailed&) {
                             return;
                         }
                     }
                     if (schedule) schedule->step(std::nullopt);
                 }, o.core);
                 if (closure_error) throw std::move(*closure_error);
                 if (norm) o.grad_norm = *norm;
                 return loss ? py::object(py::float_(*loss)) : py::object(py::none());
             },
             py::arg("closure") = py::none(),
             "One update of every group from the store's gradients. With closure (torch's "
             "step(closure): a callable that writes the gradient at the store's parameters into the "
             "store and returns the loss), the optimizer calls it — L-BFGS as often as its step "
             "needs, every other optimizer once, first — and step returns the loss of the first call.")
        // For optlab.torch, which makes a group per parameter: torch.optim skips a parameter whose
        // .grad is None (its state and step count unchanged), as step_groups leaves a group out.
        .def("step_groups",
             [](PyOptimizer& o, const std::vector<bool>& active) {
                 o.locked([&](auto& opt) { opt.step_groups(active); });
             },
             py::arg("active"),
             "One update of the groups whose flag is set (a bool per group); the others keep their parameters, "
             "state and step count. No clipping or schedule: step() has those.")
        .def("zero_grad", [](PyOptimizer& o) { o.locked([](auto& opt) { opt.zero_grad(); }); },
             "Zeroes the gradients of every tensor this optimizer updates.")
        .def_property_readonly("name", [](const PyOptimizer& o) { return o.with([](const auto& opt) { return std::string(opt.name()); }); })
        .def_property_readonly("convention", [](const PyOptimizer& o) {
            return o.with([](const auto& opt) { return std::string(to_string(opt.convention())); });
        })
        .def_readonly("store", &PyOptimizer::store)
        .def_readonly("scheduler", &PyOptimizer::scheduler)
        .def_property_readonly("clip", [](const PyOptimizer& o) { return o.clip ? py::cast(*o.clip) : py::object(py::none()); })
        .def_readonly("grad_norm", &PyOptimizer::grad_norm,
                      "The gradients' norm before clipping at the last step (NaN without clip=).")
        .def_property_readonly("num_groups", [](const PyOptimizer& o) { return o.with([](const auto& opt) { return opt.num_groups(); }); })
        .def_property("lr",
                      [](const PyOptimizer& o) { return o.with([](const auto& opt) { return opt.lr(0); }); },
                      [](PyOptimizer& o, double lr) {
                          o.locked([&](auto& opt) {
                              for (std::size_t g = 0; g < opt.num_groups(); ++g) opt.set_lr(g, lr);
                          });
                      },
                      "Group 0's learning rate; setting it sets every group's.")
        .def("get_lr", [](const PyOptimizer& o, std::size_t group) {
            group_index(o, group);
            return o.with([&](const auto& opt) { return opt.lr(group); });
        }, py::arg("group") = 0)
        .def("set_lr",
             [](PyOptimizer& o, double lr, std::optional<std::size_t> group) {
                 if (group) group_index(o, *group);
                 o.locked([&](auto& opt) {
                     for (std::size_t g = 0; g < opt.num_groups(); ++g) {
                         if (!group || *group == g) opt.set_lr(g, lr);
                     }
                 });
             },
             py::arg("lr"), py::arg("group") = py::none(), "Sets group `group`'s learning rate (None: every group's).")
        .def("hyper", [](const PyOptimizer& o, std::size_t group) {
            group_index(o, group);
            return to_python(o.with([&](const auto& opt) { return opt.hyper(group); }));
        }, py::arg("group") = 0, "Every hyper-parameter of the group by its PyTorch name.")
        .def("set_hyper",
             [](PyOptimizer& o, std::size_t group, py::kwargs values) {
                 group_index(o, group);
                 const HyperParams hyper = hyper_from_python(values);
                 o.locked([&](auto& opt) { opt.set_hyper(group, hyper); });
             },
             py::arg("group") = 0, "Changes the named hyper-parameters of the group, validated as at construction.")
        .def_property_readonly("param_groups", [](const PyOptimizer& o) {
            struct Group {
                std::vector<std::string> params;
                HyperParams hyper;
                std::int64_t step;
            };
            const std::vector<Group> groups = o.with([](const auto& opt) {
                std::vector<Group> out;
                for (std::size_t g = 0; g < opt.num_groups(); ++g) {
                    Group group{{}, opt.hyper(g), opt.step_count(g)};
                    for (std::size_t t : opt.group_tensors(g)) group.params.push_back(opt.store().info(t).name);
                    out.push_back(std::move(group));
                }
                return out;
            });
            py::list out;
            for (const Group& g : groups) {
                py::dict d;
                d["params"] = g.params;
                for (auto item : to_python(g.hyper)) d[item.first] = item.second;
                d["step"] = g.step;
                out.append(d);
            }
            return out;
        }, "The groups as torch's dicts (a snapshot): params (tensor names), every hyper-parameter, step.")
        .def("step_count", [](const PyOptimizer& o, std::size_t group) {
            group_index(o, group);
            return o.with([&](const auto& opt) { return opt.step_count(group); });
        }, py::arg("group") = 0, "Updates done by the group (torch's state['step']).")
        .def_property_readonly("buffer_names", [](const PyOptimizer& o) {
            return o.with([](const auto& opt) { return opt.buffer_names(); });
        })
        .def("buffer",
             [](PyOptimizer& o, const std::string& name, std::optional<std::string> tensor) {
                 return std::visit([&](auto& core) -> py::object {
                     using T = element_of<decltype(core)>;
                     std::vector<T> values;
                     std::vector<std::size_t> shape;
                     {
                         std::lock_guard lock(core->mutex);  // with the GIL, as PyOptimizer::with
                         const auto& opt = *core->optimizer;
                         const auto& names = opt.buffer_names();
                         if (std::find(names.begin(), names.end(), name) == names.end()) {
                             std::string list;
                             for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
                             throw NotFound(std::string(opt.name()) + ": no state buffer '" + name + "' (it has " +
                                            (list.empty() ? "none" : list) + ")");
                         }
                         std::span<const T> part = opt.buffer(name);
                         shape = {part.size()};
                         if (tensor && !part.empty()) {
                             const TensorInfo& t = core->store->info(core->store->index_of(*tensor));
                             part = part.subspan(t.offset, t.size);
                             shape = t.shape;
                         }
                         values.assign(part.begin(), part.end());
                     }
                     if (values.empty() && shape == std::vector<std::size_t>{0}) return py::none();
                     return copy_of(std::span<const T>(values), shape);
                 }, o.core);
             },
             py::arg("name"), py::arg("tensor") = py::none(),
             "A copy of a state buffer (exp_avg, ...) over the whole arena, or one tensor's part with its shape; "
             "None before the first step makes it.")
        .def_property_readonly("state_bytes", [](const PyOptimizer& o) { return o.with([](const auto& opt) { return opt.state_bytes(); }); })
        .def_property_readonly("has_eval_point", [](const PyOptimizer& o) {
            return o.with([](const auto& opt) { return opt.has_eval_point(); });
        }, "Whether the model is evaluated elsewhere than trained (Schedule-Free's x, Lookahead, EMA, SWA).")
        .def_property_readonly("training", [](const PyOptimizer& o) { return o.with([](const auto& opt) { return opt.training(); }); })
        .def("eval", [](PyOptimizer& o) { o.locked([](auto& opt) { opt.eval(); }); },
             "Puts the evaluation point into the parameters (nothing for most optimizers).")
        .def("train", [](PyOptimizer& o) { o.locked([](auto& opt) { opt.train(); }); },
             "Puts the training point back, bit for bit.")
        .def("state_dict",
             [](const PyOptimizer& o) {
                 return std::visit([](const auto& core) {
                     std::unique_lock lock(core->mutex);  // with the GIL, as PyOptimizer::with
                     const auto state = core->optimizer->state_dict();
                     lock.unlock();
                     return state_to_python(state);
                 }, o.core);
             },
             "The whole state as Python data (copies): optimizer, convention, training, groups (params, hyper, "
             "step, scalars) and state[tensor][buffer] arrays, as save() writes it.")
        .def("load_state_dict",
             [](PyOptimizer& o, const py::dict& state) {
                 std::visit([&](auto& core) {
                     auto s = state_from_python<element_of<decltype(core)>>(state);
                     auto keep = core;
                     py::gil_scoped_release unlocked;
                     std::lock_guard lock(keep->mutex);
                     keep->optimizer->load_state_dict(s);
                 }, o.core);
             },
             py::arg("state"), "Loads a state_dict(); refuses one that does not fit, naming what differs.")
        .def("save",
             [](PyOptimizer& o, const std::filesystem::path& path) {
                 o.locked([&](auto& opt) { save_optimizer_state(path, opt); });
             },
             py::arg("path"), "Writes the state as a safetensors file (docs/formats.md), atomically.")
        .def("load",
             [](PyOptimizer& o, const std::filesystem::path& path) {
                 o.locked([&](auto& opt) { load_optimizer_state(path, opt); });
             },
             py::arg("path"), "Loads a state file; refuses one that does not fit, naming what differs (optlab.StateMismatch).")
        .def("__repr__", [](const PyOptimizer& o) {
            const std::string dtype = o.core.index() == 0 ? "float32" : "float64";
            return o.with([&](const auto& opt) {
                return "<optlab.Optimizer " + std::string(opt.name()) + " (" + std::string(to_string(opt.convention())) +
                       "), " + std::to_string(opt.num_groups()) + " group" + (opt.num_groups() == 1 ? "" : "s") + ", " +
                       dtype + ">";
            });
        });

    m.def("make_optimizer", &make, py::arg("name"), py::arg("store"), py::arg("convention") = "torch", py::kw_only(),
          py::arg("groups") = py::none(), py::arg("lookahead") = py::none(), py::arg("ema") = py::none(),
          py::arg("swa_start") = py::none(), py::arg("swa_lr") = py::none(), py::arg("swa_anneal_epochs") = py::none(),
          py::arg("swa_anneal_strategy") = py::none(), py::arg("schedule") = py::none(), py::arg("clip") = py::none(),
          R"(Optimizer `name` (a registry name: optlab.optimizers()) over `store`, with its defaults under
`convention` and the hyper-parameters given as keywords by their PyTorch names (lr=, betas=(0.9, 0.999),
weight_decay=, eps=(None, 1e-3) for Adafactor, ...).

groups: torch's list of dicts ({"params": ["w"], "lr": 0.1}) or (names, {hyper}) pairs, each over the
  keywords given here; without it one group holds every tensor.
lookahead: "K,ALPHA" or (k, alpha), Lookahead around the optimizer; ema: a decay, a weight EMA;
  swa_start=N, swa_lr=X: stochastic weight averaging after N steps, SWALR annealing the lr to X over
  swa_anneal_epochs steps (10) as swa_anneal_strategy says ("cos" or "linear"), as --swa-* do.
schedule: a --schedule text ("cosine:1000,50"), stepped after each step(); clip: a --clip text
  ("global-norm:1") or an optlab.GradClip, applied before it.)");
}

}  // namespace optlab::python
