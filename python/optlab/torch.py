# SPDX-License-Identifier: MIT
"""optlab.torch: the torch.optim family, stepped by optlab's library.

Every registry optimizer as a ``torch.optim.Optimizer``: torch's class names, constructor
arguments and defaults where torch has the optimizer (``SGD``, ``Adam``, ``AdamW``, ``Adagrad``,
``RMSprop``, ``Adadelta``, ``Adamax``, ``NAdam``, ``RAdam``, ``Adafactor``, ``Muon``), the
CamelCase of the registry name otherwise (``Lion``, ``Lamb``, ``ScheduleFreeAdamW``, ...), and
``optimizer(name, params, **hyper)`` by registry name:

    import optlab.torch
    opt = optlab.torch.Adam(model.parameters(), lr=1e-3)
    for x, y in batches:                 # the loop is torch's, unchanged
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

At construction the parameters move into one arena (an optlab.ParamStore): each ``param.data``
becomes a view of it, so the model keeps working and no second copy exists, and each existing
``param.grad`` a view of the gradient arena, into which autograd then accumulates. A step reads
``param.grad``: the arena's view as it is, a tensor that replaced it (``zero_grad(set_to_none=
True)`` then backward) copied in, None skipped as torch skips it. Each parameter is a group of
the library's optimizer, so a skipped parameter keeps its state and step count, as in torch.
``param_groups`` are torch's dicts: whatever a scheduler writes there is handed to the library
(validated) at the next step. ``state_dict()`` is torch's layout with torch's buffer names.

Only what translates between torch and the library lives here; the optimizers, their
validation and state are the library's (docs/python.md, "The torch drop-in").
"""

import collections.abc
import inspect
import weakref

try:
    import torch
except ImportError as error:  # torch is not a dependency of optlab, only of this module
    raise ImportError(
        "optlab.torch needs PyTorch, which is not installed (Debian: apt install python3-torch; "
        "scripts/install-deps.sh installs it). `import optlab` works without it."
    ) from error

import numpy as np

import optlab

__all__ = ["Optimizer", "optimizer"]  # and a class per optimizer, added below

_TORCH_MAJOR = int(torch.__version__.split(".")[0])
# zero_grad's default: False in torch 1.x, True from 2.0; this module follows the installed torch.
_SET_TO_NONE = inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default

# ---- torch's names for the registry's optimizers --------------------------------------------------
# class name: (registry name, the hyper-parameters torch takes positionally, in its order). The
# other hyper-parameters are keyword-only, as torch's maximize is.
_TORCH_CLASSES = {
    "SGD": ("sgd", ("lr", "momentum", "dampening", "weight_decay", "nesterov")),
    "Adam": ("adam", ("lr", "betas", "eps", "weight_decay", "amsgrad")),
    "AdamW": ("adamw", ("lr", "betas", "eps", "weight_decay", "amsgrad")),
    "Adagrad": ("adagrad", ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")),
    "RMSprop": ("rmsprop", ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")),
    "Adadelta": ("adadelta", ("lr", "rho", "eps", "weight_decay")),
    "Adamax": ("adamax", ("lr", "betas", "eps", "weight_decay")),
    "NAdam": ("nadam", ("lr", "betas", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay")),
    "RAdam": ("radam", ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay")),
    "Adafactor": ("adafactor", ("lr", "beta2_decay", "eps", "d", "weight_decay")),
    "Muon": ("muon", ("lr", "weight_decay", "momentum", "nesterov", "ns_coefficients", "eps", "ns_steps",
                      "adjust_lr_fn")),
    "ASGD": ("asgd", ("lr", "lambd", "alpha", "t0", "weight_decay")),
    "Rprop": ("rprop", ("lr", "etas", "step_sizes")),
    "SparseAdam": ("sparse-adam", ("lr", "betas", "eps", "maximize")),
}

# torch's keywords of its own implementation. optlab has one step, fused, for every optimizer:
# foreach and fused are accepted and change nothing; capturable and differentiable are refused.
# Optimizers whose step size is computed over a group's tensors together (DoG's η): a torch group
# of several tensors has no counterpart in the library's group per parameter.
_OVER_A_GROUPS_TENSORS = {"dog"}
_TORCH_ONLY = {"foreach": None, "fused": False, "capturable": False, "differentiable": False}

# ---- torch's state layout, by the library's optimizer name ----------------------------------------
# Where torch keeps per-parameter state the library keeps in another form. (The library's names
# are torch's: buffers as they are, per-group scalars such as NAdam's mu_product as 0-d tensors.)
_NO_STEP = {"sgd", "muon"}             # torch keeps no 'step' for these
_INT_STEP_1X = {"rmsprop", "adadelta", "rprop", "sparse-adam"}  # torch 1.x: an int; the rest a tensor
_EAGER = {"adagrad"}                   # torch makes its state at construction, not at the first step
_STARTED = {"sgd": "momentum_buffer"}  # the scalar saying the buffer holds something (torch: not None)
_SPARSE = {"sgd", "adagrad", "sparse-adam"}  # torch has a sparse form: the gradient is taken densely,
                                              # the rows it reached marked (SparseAdam steps those)

_DTYPES = {torch.float32: "float32", torch.float64: "float64"}


def _registry():
    """Registry name -> (its entry, the name of the library optimizer it builds: 'sgd' for
    'momentum', 'adam' for 'adamw')."""
    out = {}
    for info in optlab.optimizers():
        store = optlab.ParamStore("float64")
        store.add("w", (2, 2))
        out[info["name"]] = (info, optlab.make_optimizer(info["name"], store).name)
    return out


_REGISTRY = _registry()


def _who(index, name):
    return f"parameter {index}" + (f" ({name!r})" if name is not None else "")


def _hyper_value(where, value, default):
    """A hyper-parameter from a group dict as the library takes it, by the kind of its default:
    numbers may be Python, NumPy or 0-d torch values; None is torch's None for a number (unset:
    NaN in the library, as AdEMAMix's warm-ups and ADOPT's clip take it, whose default may be
    None too) and the default for the rest."""
    number = default is None or (isinstance(default, float) and not isinstance(default, bool))
    if value is None:
        return float("nan") if number else default
    try:
        if isinstance(default, bool):
            return bool(value)
        if number:
            return float(value)
        if isinstance(default, tuple):
            return tuple(None if v is None else float(v) for v in value)
        return str(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: expected {type(default).__name__}, got {value!r}") from error


def _as_step(where, value):
    step = float(value.item() if isinstance(value, torch.Tensor) else value)
    if step < 0 or step != int(step):
        raise ValueError(f"{where}: 'step' {step} is not a count of steps")
    return int(step)


def _state_step(core, step):
    if _TORCH_MAJOR < 2 and core in _INT_STEP_1X:
        return step
    return torch.tensor(float(step))  # as torch's own: the default dtype


# ---- the optimizer ---------------------------------------------------------------------------------

class Optimizer(torch.optim.Optimizer):
    """A torch.optim.Optimizer whose step is optlab's: the base of every optlab.torch class.

    Beyond torch's interface: ``core`` (the library's optlab.Optimizer, a group per parameter),
    ``store`` (the optlab.ParamStore holding the parameters and gradients), ``name`` (the registry
    name), ``convention``, and ``eval()`` / ``train()`` for optimizers that evaluate the model
    elsewhere than they train it (Schedule-Free).
    """

    def _setup(self, params, name, given):
        info, core = _REGISTRY[name]
        given = dict(given)
        convention = given.pop("convention", "torch")
        if convention not in optlab.conventions():
            raise ValueError(f"{self._what()}: unknown convention {convention!r} "
                             f"(expected one of {', '.join(optlab.conventions())})")
        extra = {key: given.pop(key, default) for key, default in _TORCH_ONLY.items()}
        if extra["capturable"]:
            raise ValueError(f"{self._what()}: capturable=True is for CUDA graphs; optlab steps CPU tensors")
        if extra["differentiable"]:
            raise ValueError(f"{self._what()}: differentiable=True: optlab's step is not one autograd can "
                             "differentiate through; use torch.optim for that")
        hyper = dict(info["defaults"][convention])
        unknown = [key for key in given if key not in hyper]
        if unknown:  # the library's message, with its hints ("Keras' name for alpha: use alpha")
            store = optlab.ParamStore("float64")
            store.add("w", (2, 2))
            optlab.make_optimizer(name, store, convention, **{unknown[0]: given[unknown[0]]})
        for key, value in given.items():
            hyper[key] = _hyper_value(f"{self._what()}: {key}", value, hyper[key])
        self.name = name
        self.convention = convention
        self._core_name = core
        self._buffer_names = set(info["buffers"]) | {"train_point"}
        self._matrices_only = info["matrices_only"]
        self._hyper_defaults = dict(info["defaults"][convention])
        self._built = False
        super().__init__(params, {**hyper, **extra})
        if name in _OVER_A_GROUPS_TENSORS and any(len(g["params"]) > 1 for g in self.param_groups):
            # A group per parameter here would make DoG's η per tensor (LDoG), not the group's.
            raise NotImplementedError(f"{self._what()}: {name}'s step size is over all the tensors of a torch "
                                      "group together, and optlab.torch steps a library group per parameter; "
                                      "give each parameter its own group (per-tensor, LDoG's rule), or use "
                                      "optlab.make_optimizer with the group's tensors in one group")
        self._build()
        self.state = _State(self)

    def _what(self):
        return f"optlab.torch.{type(self).__name__}"

    # -- parameters into the arena -------------------------------------------------------------

    def add_param_group(self, param_group):
        """torch's add_param_group, also taking (name, tensor) pairs (named_parameters()). After
        construction the arena is made again with the new group's tensors: every parameter
        moves into it (one copy) and the state of the others is kept."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{self._what()}: a parameter group is a dict, got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is not None and not isinstance(params, (torch.Tensor, set)):
            params = list(params)
            if params and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params):
                param_group["param_names"] = [n for n, _ in params]
                params = [p for _, p in params]
            param_group["params"] = params
        super().add_param_group(param_group)
        if self._built:
            try:
                self._build()
            except BaseException:
                self.param_groups.pop()
                raise

    def _build(self):
        """Makes the arena and the library's optimizer for the groups in self.param_groups, moves
        every parameter (and gradient) into it and, when there was an arena before, carries its
        state over."""
        if self._built and not self.core.training:
            raise RuntimeError(f"{self._what()}: add_param_group in evaluation mode; call train() first")
        params, names, members = [], [], []
        for group in self.param_groups:
            group_names = group.get("param_names")
            members.append(list(range(len(params), len(params) + len(group["params"]))))
            for j, p in enumerate(group["params"]):
                params.append(p)
                names.append(group_names[j] if group_names is not None else None)
        dtype = self._check(params, names)
        labels = [n if n is not None else f"params[{i}]" for i, n in enumerate(names)]
        seen = {}
        for i, (p, label) in enumerate(zip(params, labels)):
            if id(p) in seen:
                raise ValueError(f"{self._what()}: {_who(i, names[i])} is {_who(seen[id(p)], names[seen[id(p)]])} "
                                 "again: a parameter appears once")
            seen[id(p)] = i
        if len(set(labels)) != len(labels):
            raise ValueError(f"{self._what()}: two parameters have the same name")

        store = optlab.ParamStore(_DTYPES[dtype])
        for p, label in zip(params, labels):
            store.add(label, tuple(p.shape))
        pviews = [torch.from_numpy(store.param(label)) for label in labels]
        gviews = [torch.from_numpy(store.grad(label)) for label in labels]
        hypers = [self._group_hyper(k, group) for k, group in enumerate(self.param_groups)]
        specs, library_groups = self._library_groups(labels, members, hypers)
        with torch.no_grad():
            for p, view in zip(params, pviews):
                view.copy_(p)
        core = optlab.make_optimizer(self.name, store, self.convention, groups=specs)
        if self._built:  # add_param_group: the old parameters' state, the new ones' fresh state
            old, fresh = self.core.state_dict(), core.state_dict()
            groups = old["groups"] + fresh["groups"][len(old["groups"]):]
            for group, spec in zip(groups, specs):
                group["hyper"] = {key: value for key, value in spec.items() if key != "params"}
            core.load_state_dict({**old, "groups": groups, "state": {**fresh["state"], **old["state"]}})

        # Nothing has failed: the parameters and gradients move into the arena.
        with torch.no_grad():
            for i, p in enumerate(params):
                p.data = pviews[i]
                g = p.grad
                if g is not None and g.layout == torch.strided:
                    gviews[i].copy_(g)
                    p.grad = gviews[i]
        self.core, self.store = core, store
        self._params, self._names, self._labels, self._members = params, names, labels, members
        self._library_members = library_groups
        self._pviews, self._gviews = pviews, gviews
        self._pptr = [v.data_ptr() for v in pviews]
        self._tracked = set()  # parameters whose rows the store records (a sparse gradient came)
        self._synced = hypers
        self._version = getattr(self, "_version", 0) + 1
        self._built = True

    def _library_groups(self, labels, members, hypers):
        """The library's groups for torch's: one per parameter (a parameter torch skips keeps its
        state and step count), each with its torch group's hyper-parameters. Returns the groups'
        specs and, per torch group, the indices of its library groups."""
        specs = [None] * len(labels)
        for k, indices in enumerate(members):
            for i in indices:
                specs[i] = {"params": [labels[i]], **hypers[k]}
        return specs, members

    def _check(self, params, names):
        """The parameters' common dtype; refuses, naming the parameter, what optlab cannot step."""
        dtype = None
        for i, p in enumerate(params):
            who = f"{self._what()}: {_who(i, names[i])}"
            if p.device.type != "cpu":
                raise ValueError(f"{who} is on {p.device}: optlab steps CPU tensors only "
                                 f"(keep the model on the CPU, or use torch.optim.{type(self).__name__} on the GPU)")
            if p.layout != torch.strided:
                raise ValueError(f"{who} is a {p.layout} tensor: optlab steps dense tensors only")
            if p.dtype not in _DTYPES:
                raise TypeError(f"{who} is {p.dtype}: optlab steps float32 or float64 parameters "
                                "(keep float32 master weights for half or bfloat16 training)")
            if dtype is None:
                dtype, first = p.dtype, i
            elif p.dtype != dtype:
                raise TypeError(f"{who} is {p.dtype} but {_who(first, names[first])} is {dtype}: one "
                                "optimizer's parameters share one dtype (make one optimizer per dtype)")
            if self._matrices_only and p.dim() < 2:
                raise ValueError(f"{who} has shape {tuple(p.shape)}: {self._core_name} steps weights of 2 or more "
                                 "dimensions only "
                                 "(give the other parameters to another optimizer, e.g. AdamW)")
        if dtype is None:
            dtype = torch.get_default_dtype()
            if dtype not in _DTYPES:
                raise TypeError(f"{self._what()}: no parameters, and the default dtype {dtype} is not float32 or float64")
        return dtype

    def _group_hyper(self, k, group):
        return {key: _hyper_value(f"{self._what()}: param_groups[{k}][{key!r}]", group.get(key, default), default)
                for key, default in self._hyper_defaults.items()}

    def _sync(self):
        """Hands every group's hyper-parameters, as schedulers and users left them in the dicts, to
        the library (validated there: a bad value raises its ValueError, changing nothing)."""
        for k, group in enumerate(self.param_groups):
            hyper = self._group_hyper(k, group)
            synced = self._synced[k]
            if hyper == synced:
                continue
            changed = {key: value for key, value in hyper.items() if synced.get(key) != value}
            for i in self._library_members[k]:
                self.core.set_hyper(i, **changed)
            self._synced[k] = hyper

    # -- steps -------------------------------------------------------------------------------------

    def _moved(self, i):
        return (f"{self._what()}: {_who(i, self._names[i])} no longer points into the optimizer's arena "
                "(model.to(), .cuda() or `param.data = ...` after the optimizer was made); make the "
                "optimizer after moving the model")

    def _gather(self):
        """Which parameters step: those whose .grad is not None, their gradients in the arena."""
        active = []
        for i, p in enumerate(self._params):
            if p.data_ptr() != self._pptr[i]:
                raise RuntimeError(self._moved(i))
            g = p.grad
            if g is None:
                active.append(False)
                continue
            rows = self._take_grad(i, p, g) if g is not self._gviews[i] else None
            if rows is not None or i in self._tracked:
                self._mark_rows(i, rows)
            active.append(True)
        return active

    def _take_grad(self, i, p, g):
        """Puts .grad into the arena; for a sparse gradient returns the rows it reached."""
        view = self._gviews[i]
        if g.layout != torch.strided:
            who = f"{self._what()}: {_who(i, self._names[i])}"
            if self._core_name not in _SPARSE:
                raise RuntimeError(f"{who} has a sparse gradient: {type(self).__name__} has no sparse form (as in "
                                   "torch.optim); use nn.Embedding(sparse=False), or torch.optim.SparseAdam")
            if self._core_name == "adagrad" and self.core.hyper(i)["weight_decay"] != 0:
                raise RuntimeError(f"{who} has a sparse gradient: weight_decay option is not compatible "
                                   "with sparse gradients (as in torch.optim.Adagrad)")
            g = g.coalesce()
            if g.sparse_dim() != 1:
                raise RuntimeError(f"{who} has a gradient sparse in {g.sparse_dim()} dimensions: optlab takes "
                                   "gradients sparse in their rows (an Embedding's)")
            view.copy_(g.to_dense())  # the dense step equals torch's sparse one (docs/python.md)
            return g.indices()[0]
        if (g.data_ptr() == view.data_ptr() and g.dtype == view.dtype and g.shape == view.shape
                and g.stride() == view.stride()):
            return  # another tensor over the same arena memory
        view.copy_(g)
        p.grad = view  # from now on autograd accumulates into the arena
        return None

    def _mark_rows(self, i, rows):
        """Records the rows of parameter i that this step's gradient reached (None: every row,
        a dense gradient's), once it has had a sparse gradient: the library's row tracking."""
        label = self._labels[i]
        if i not in self._tracked:
            self.store.track_rows(label)
            self._tracked.add(i)
        self.store.forget_rows(label)
        self.store.mark_rows(label, None if rows is None else rows.numpy())

    def step(self, closure=None):
        """One update of every parameter whose .grad is not None (torch's contract: the closure,
        if given, is re-evaluated with gradients enabled and its loss returned)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            active = self._gather()
            self._sync()
            if any(active):
                self.core.step_groups(active)
        self._version += 1
        return loss

    def zero_grad(self, set_to_none=_SET_TO_NONE):
        """torch's zero_grad. set_to_none's default is the installed torch's (1.x: False, 2.x:
        True). Zeroing in place zeroes the gradient arena in one pass and keeps every .grad (one
        that was replaced becomes the arena's view again)."""
        for i, p in enumerate(self._params):
            g = p.grad
            if g is None:
                continue
            if set_to_none:
                p.grad = None
            elif g is not self._gviews[i]:  # (the arena's views are zeroed below, in one pass)
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()
                if g.layout == torch.strided:
                    p.grad = self._gviews[i]
        if not set_to_none:
            self._zero_arena()

    def _zero_arena(self):
        self.core.zero_grad()  # the gradient arena in one pass

    def eval(self):
        """Puts the evaluation point (Schedule-Free's average x) into the parameters; nothing
        for optimizers that evaluate where they train."""
        self._sync()
        self.core.eval()

    def train(self):
        """Puts the training point back into the parameters, bit for bit."""
        self.core.train()

    # -- state --------------------------------------------------------------------------------------

    def _torch_state(self):
        """torch's per-parameter state, by position: {index: {"step": ..., buffer: tensor, ...}}."""
        lib = self.core.state_dict()
        flag = _STARTED.get(self._core_name)
        out = {}
        for i, label in enumerate(self._labels):
            group = lib["groups"][i]
            if group["step"] == 0 and self._core_name not in _EAGER:
                continue  # torch has no state for a parameter before its first step
            entry = {}
            if self._core_name not in _NO_STEP:
                entry["step"] = _state_step(self._core_name, group["step"])
            for key, value in group["scalars"].items():
                if key != flag:
                    entry[key] = torch.tensor(value, dtype=torch.float64)
            for key, array in lib["state"].get(label, {}).items():
                if key != "train_point" or not lib["training"]:  # (kept by the library after train())
                    entry[key] = torch.from_numpy(array)
            if flag is not None:
                entry[flag] = entry.get(flag) if group["scalars"].get(flag) else None
            out[i] = entry
        return out, lib["training"]

    def state_dict(self):
        """torch's layout: {"state": {index: {"step", buffers...}}, "param_groups": [{hyper...,
        "params": [indices]}]}, with torch's buffer names and step conventions (copies)."""
        state, training = self._torch_state()
        groups, index = [], 0
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = list(range(index, index + len(group["params"])))
            index += len(group["params"])
            if self.core.has_eval_point:
                packed["train_mode"] = training
            groups.append(packed)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Loads a state_dict() of this class or of torch.optim's (torch's checks and messages);
        the library refuses, changing nothing, state that does not fit (ValueError)."""
        groups, saved_groups = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        position = {}
        for saved, indices in zip(saved_groups, self._members):
            position.update(zip(saved["params"], indices))
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            new = {key: value for key, value in saved.items() if key not in ("params", "train_mode")}
            for key, value in group.items():
                new.setdefault(key, value)  # what the saving torch did not have (decoupled_weight_decay)
            new["params"] = group["params"]
            if "param_names" in group:
                new["param_names"] = group["param_names"]
            new_groups.append(new)
        hypers = [self._group_hyper(k, group) for k, group in enumerate(new_groups)]

        dtype = self._pviews[0].dtype if self._pviews else torch.get_default_dtype()
        steps, scalars, buffers = [0] * len(self._params), [{} for _ in self._params], {}
        for key, entry in state_dict["state"].items():
            if key not in position:
                raise ValueError(f"{self._what()}: state of parameter {key!r}, which no group has")
            i = position[key]
            where = f"{self._what()}: state[{key!r}]"
            mine = buffers.setdefault(self._labels[i], {})
            if self._core_name in _NO_STEP:
                steps[i] = 1  # torch counts no steps here; a parameter with state has taken one at least
            for name, value in entry.items():
                if name == "step":
                    steps[i] = _as_step(where, value)
                elif name in self._buffer_names:
                    if value is None:
                        continue  # SGD's momentum_buffer before momentum: nothing yet
                    value = value.detach().to("cpu", dtype)
                    mine[name] = (value.to_dense() if value.layout != torch.strided else value).contiguous().numpy()
                    if _STARTED.get(self._core_name) == name:
                        scalars[i][name] = 1.0
                else:
                    try:
                        scalars[i][name] = float(value)
                    except (TypeError, ValueError) as error:
                        raise ValueError(f"{where}[{name!r}] is no state of {type(self).__name__}") from error
        lib = {
            "optimizer": self.core.name,
            "convention": self.convention,
            "training": all(s.get("train_mode", True) for s in saved_groups),
            "groups": [None] * len(self._params),
            "state": buffers,
        }
        for k, indices in enumerate(self._members):
            for i in indices:
                lib["groups"][i] = {"params": [self._labels[i]], "hyper": hypers[k], "step": steps[i],
                                    "scalars": scalars[i]}
        self.core.load_state_dict(lib)
        self.param_groups = new_groups
        self._synced = hypers
        self._version += 1

    def __getstate__(self):
        raise TypeError(f"{self._what()} cannot be pickled (its state is the library's); "
                        "save opt.state_dict() instead")

    def __repr__(self):
        return super().__repr__().replace(type(self).__name__, self._what(), 1)


class _State(collections.abc.Mapping):
    """optimizer.state: parameter -> its state in torch's layout (copies, made again after each
    step), read-only; a parameter without state reads as {} (torch's defaultdict)."""

    def __init__(self, opt):
        self._opt = weakref.proxy(opt)
        self._cache = (None, {})

    def _current(self):
        version, by_param = self._cache
        if version != self._opt._version:
            state, _ = self._opt._torch_state()
            by_param = {self._opt._params[i]: entry for i, entry in state.items()}
            self._cache = (self._opt._version, by_param)
        return by_param

    def __getitem__(self, param):
        return self._current().get(param, {})

    def __iter__(self):
        return iter(self._current())

    def __len__(self):
        return len(self._current())

    def __contains__(self, param):
        return param in self._current()

    def __repr__(self):
        return repr(dict(self._current()))


# ---- L-BFGS: one vector of every parameter, stepped through a closure ----------------------------

class LBFGS(Optimizer):
    """torch.optim.LBFGS stepped by optlab's L-BFGS (docs/optimizers.md#l-bfgs): torch's
    arguments, defaults and its single parameter group; ``step(closure)`` calls the closure as
    often as torch's does (``optlab.torch.LBFGS.step``). ``cap_line_search=True`` (keyword only,
    not in torch 1.13) caps the strong-Wolfe search's evaluations as torch 2.10 does.

    As torch, all parameters form one vector: one group of the library's optimizer, not a group
    per parameter, and a parameter without gradient counts as zeros. ``state_dict()`` is torch's
    layout (``state[0]``: func_evals, n_iter, d, t, old_dirs, old_stps, ro, H_diag,
    prev_flat_grad, prev_loss, al), so torch's and optlab's state dicts load into each other.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None, *, cap_line_search=False, convention="torch"):
        if line_search_fn not in (None, "strong_wolfe"):  # torch: RuntimeError at the first step
            raise ValueError(f"optlab.torch.LBFGS: line_search_fn {line_search_fn!r}: expected None or 'strong_wolfe'")
        if max_eval is None:
            max_eval = max_iter * 5 // 4  # torch's default, written into the group as torch writes it
        self._setup(params, "lbfgs", dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                          tolerance_change=tolerance_change, history_size=history_size,
                                          line_search_fn=line_search_fn, cap_line_search=cap_line_search,
                                          convention=convention))
        # The group keeps torch's values as given (ints, None), so torch's LBFGS loads this state dict.
        self.param_groups[0].update(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                    tolerance_change=tolerance_change, history_size=history_size,
                                    line_search_fn=line_search_fn)

    def add_param_group(self, param_group):
        if getattr(self, "param_groups", None):
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")  # torch's words
        super().add_param_group(param_group)
        for key in _TORCH_ONLY:  # torch's LBFGS has none of these keywords: they stay out of its dicts
            self.param_groups[0].pop(key, None)

    def _library_groups(self, labels, members, hypers):
        return [{"params": list(labels), **hypers[0]}], [[0]]

    def _zero_arena(self):
        # Through torch, not the library: the closure zeroes the gradients while the library's
        # step, which holds the optimizer, is calling it.
        for view in self._gviews:
            view.zero_()

    def _group_hyper(self, k, group):
        hyper = super()._group_hyper(k, group)
        hyper["line_search_fn"] = group.get("line_search_fn") or "fixed"  # torch's None is the library's "fixed"
        return hyper

    def _flat_grads_into_arena(self):
        """Each parameter's .grad into the arena, as torch's _gather_flat_grad reads it: zeros
        for a parameter without gradient, a sparse gradient densely."""
        for i, p in enumerate(self._params):
            if p.data_ptr() != self._pptr[i]:
                raise RuntimeError(self._moved(i))
            g, view = p.grad, self._gviews[i]
            if g is None:
                view.zero_()
            elif g is not view:
                view.copy_(g.to_dense() if g.layout != torch.strided else g)
                if g.layout == torch.strided:
                    p.grad = view  # from now on autograd accumulates into the arena

    def step(self, closure=None):
        """One L-BFGS step (up to max_iter iterations): calls ``closure`` — which zeroes the
        gradients, evaluates the loss, calls backward and returns the loss — with gradients
        enabled, as often as torch's LBFGS, and returns the loss of its first call."""
        if closure is None or not callable(closure):
            raise TypeError("optlab.torch.LBFGS.step: L-BFGS needs a closure (a function that zeroes the gradients, "
                            f"evaluates the loss, calls backward and returns the loss), got {closure!r}")
        first = []

        def evaluate():
            with torch.enable_grad():
                loss = closure()
            if not first:
                first.append(loss)
            self._flat_grads_into_arena()
            return float(loss)

        with torch.no_grad():
            self._sync()
            self.core.step(evaluate)
        self._version += 1
        return first[0] if first else None

    def _split(self, where, flat):
        """A flat tensor of every parameter (torch's layout) as the library's per-tensor arrays."""
        flat = flat.detach().to("cpu", self._pviews[0].dtype).reshape(-1)
        sizes = [p.numel() for p in self._params]
        if flat.numel() != sum(sizes):
            raise ValueError(f"{self._what()}: {where} has {flat.numel()} values, the parameters {sum(sizes)}")
        return [piece.reshape(p.shape).contiguous().numpy() for piece, p in zip(flat.split(sizes), self._params)]

    def _torch_state(self):
        lib = self.core.state_dict()
        scalars = lib["groups"][0]["scalars"]
        if scalars.get("func_evals", 0) == 0:
            return {}, lib["training"]
        entry = {"func_evals": int(scalars["func_evals"]), "n_iter": int(scalars["n_iter"])}
        if "t" in scalars:  # a direction was taken (torch: not when the first gradient was already small)
            dtype, state = self._pviews[0].dtype, lib["state"]

            def flat(buffer):
                return torch.cat([torch.from_numpy(state[label][buffer]).reshape(-1) for label in self._labels])

            history = int(scalars["history"])
            entry.update({
                "d": flat("d"), "t": scalars["t"],
                "old_dirs": [flat(f"old_dirs.{i}") for i in range(history)],
                "old_stps": [flat(f"old_stps.{i}") for i in range(history)],
                "ro": [torch.tensor(scalars[f"ro.{i}"], dtype=dtype) for i in range(history)],
                "H_diag": torch.tensor(scalars["H_diag"], dtype=dtype),
                "prev_flat_grad": flat("prev_flat_grad"), "prev_loss": scalars["prev_loss"],
                # torch's scratch of the two-loop recursion, written before it is read: nothing to carry
                "al": [None] * int(self.param_groups[0]["history_size"]),
            })
        return {0: entry}, lib["training"]

    def load_state_dict(self, state_dict):
        """torch.optim.LBFGS's state dict (or this class's): its one group and its state[0]."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != 1 or len(saved_groups[0]["params"]) != len(self._params):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        group = {**self.param_groups[0], **{k: v for k, v in saved_groups[0].items() if k != "params"},
                 "params": self.param_groups[0]["params"]}
        hyper = self._group_hyper(0, group)
        entries = list(state_dict["state"].values())
        if len(entries) > 1:
            raise ValueError(f"{self._what()}: state of {len(entries)} parameters; torch's LBFGS keeps its state "
                             "under the first parameter only")
        entry = entries[0] if entries else {}
        where = f"{self._what()}: state[0]"
        unknown = set(entry) - {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
                                "prev_flat_grad", "prev_loss", "al"}
        if unknown:
            raise ValueError(f"{where} has {sorted(unknown)}, no state of LBFGS")
        scalars, buffers = {}, {label: {} for label in self._labels}
        steps = 0
        if entry:
            scalars["func_evals"], scalars["n_iter"] = float(entry["func_evals"]), float(entry["n_iter"])
            steps = int(entry["n_iter"])  # torch counts no step() calls: the library's count becomes n_iter
        if entry.get("d") is not None:
            dirs, stps, ro = entry["old_dirs"], entry["old_stps"], entry["ro"]
            if not len(dirs) == len(stps) == len(ro):
                raise ValueError(f"{where}: old_dirs, old_stps and ro of lengths {len(dirs)}, {len(stps)}, {len(ro)}")
            scalars.update(t=float(entry["t"]), H_diag=float(entry["H_diag"]), prev_loss=float(entry["prev_loss"]),
                           history=float(len(dirs)))
            named = {"d": entry["d"], "prev_flat_grad": entry["prev_flat_grad"]}
            for i in range(len(dirs)):
                named[f"old_dirs.{i}"], named[f"old_stps.{i}"] = dirs[i], stps[i]
                scalars[f"ro.{i}"] = float(ro[i])
            for buffer, value in named.items():
                for label, piece in zip(self._labels, self._split(f"state[0][{buffer!r}]", value)):
                    buffers[label][buffer] = piece
        self.core.load_state_dict({
            "optimizer": self.core.name, "convention": self.convention, "training": True,
            "groups": [{"params": list(self._labels), "hyper": hyper, "step": steps, "scalars": scalars}],
            "state": {label: b for label, b in buffers.items() if b},
        })
        self.param_groups = [group]
        self._synced = [hyper]
        self._version += 1


# ---- a class per optimizer -------------------------------------------------------------------------

def _class_name(name):
    """CamelCase of a registry name, each part spelled as torch spells its class when torch has
    one: 'schedule-free-adamw' -> 'ScheduleFreeAdamW', 'lamb' -> 'Lamb'."""
    torch_spelling = {registry: cls for cls, (registry, _) in _TORCH_CLASSES.items()}
    return "".join(torch_spelling.get(part, part.capitalize()) for part in name.split("-"))


def _make_class(class_name, name, positional):
    info, _ = _REGISTRY[name]
    defaults = info["defaults"]["torch"]
    P = inspect.Parameter
    parameters = [P("self", P.POSITIONAL_OR_KEYWORD), P("params", P.POSITIONAL_OR_KEYWORD)]
    parameters += [P(key, P.POSITIONAL_OR_KEYWORD, default=defaults[key]) for key in positional]
    parameters += [P(key, P.KEYWORD_ONLY, default=defaults[key]) for key in sorted(defaults) if key not in positional]
    parameters += [P(key, P.KEYWORD_ONLY, default=default) for key, default in _TORCH_ONLY.items()]
    parameters.append(P("convention", P.KEYWORD_ONLY, default="torch"))
    signature = inspect.Signature(parameters)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)  # only what the caller gave
        given = {key: value for key, value in bound.arguments.items() if key not in ("self", "params")}
        self._setup(bound.arguments["params"], name, given)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{class_name}.__init__"
    shown = ", ".join(f"{key}={defaults[key]!r}" for key in positional)
    doc = (f"{info['summary']}\n\noptlab.torch.{class_name}(params, {shown}, ...): optlab's '{name}' as a "
           "torch.optim.Optimizer. Defaults follow `convention` ('torch', 'keras', 'book'); the "
           "hyper-parameters are described by optlab.optimizers() and docs/optimizers.md.")
    return type(class_name, (Optimizer,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


def _make_classes():
    classes, by_name = {}, {}
    for class_name, (name, positional) in _TORCH_CLASSES.items():
        if name in _REGISTRY:
            classes[class_name] = by_name[name] = _make_class(class_name, name, positional)
    if "lbfgs" in _REGISTRY:  # written out above: its one group, its closure, its state layout
        classes["LBFGS"] = by_name["lbfgs"] = LBFGS
    for name, (info, core) in _REGISTRY.items():
        if name in by_name or core != name:
            continue  # torch's own name, or an alias (below)
        class_name = _class_name(name)
        classes[class_name] = by_name[name] = _make_class(class_name, name, ("lr",))
    for name, (info, core) in _REGISTRY.items():
        if name not in by_name:  # momentum, nag: SGD; amsgrad: Adam, with their own defaults
            by_name[name] = by_name[core]
    return classes, by_name


_CLASSES, _BY_NAME = _make_classes()
globals().update(_CLASSES)
__all__ += sorted(_CLASSES)


def optimizer(name, params, convention="torch", **hyper):
    """Registry optimizer `name` (optlab.optimizers(); aliases too: 'momentum' and 'nag' are SGD
    with momentum 0.9 by default, 'amsgrad' Adam with amsgrad) over `params`, with its defaults
    under `convention` and the hyper-parameters given by their PyTorch names."""
    if name not in _BY_NAME:
        raise optlab.NotFound(f"optimizer: unknown name {name!r} (expected one of {', '.join(_REGISTRY)})")
    cls = _BY_NAME[name]
    if cls is LBFGS:  # its constructor turns torch's None into the library's values
        return LBFGS(params, convention=convention, **hyper)
    opt = cls.__new__(cls)
    opt._setup(params, name, {**hyper, "convention": convention})
    return opt
