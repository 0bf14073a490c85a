#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generates tests/reference/torch_reference.json: optimizer runs computed by PyTorch.

Run with Debian's Python and python3-torch (scripts/install-deps.sh --reference):

    /usr/bin/python3 tests/reference/generate.py [OUT]     (OUT: this folder's torch_reference.json)

Every case runs one optimizer over a few tensors of given shapes for 50 steps. Parameters
and gradients come from splitmix64 (below), seeded from the case's name (so adding a case
changes no other), whose integer arithmetic and one IEEE multiply give the same doubles in
Python and C++, so the file stores only the expected results: the
parameters after steps 1, 10, 25 and 50, and every state tensor after step 50. The C++ test
(tests/optim/reference_test.cpp) regenerates the inputs the same way.

Sources of truth:
  * torch.optim (1.13), single-tensor path (foreach=False: with foreach=True, 1.13's SGD with
    nesterov changes p.grad in place, so its results differ);
  * NAdam: PyTorch >= 2.0's update, written below with torch tensor ops, because 1.13's
    torch.optim.NAdam multiplies mu_t into the product twice (mu_product * mu * mu_next);
  * RAdam with maximize / decoupled_weight_decay (added to torch.optim after 1.13): not here;
  * Lion: PyTorch has no Lion; the paper's rule (Chen et al. 2023, Program 1) in NumPy.
  * Rprop, ASGD: torch.optim 1.13. ASGD is also run as PyTorch 2.9's single-tensor step
    computes it (torch/optim/asgd.py, written below with torch ops), and the two must agree
    bit for bit: the cases pin both.
  * SparseAdam: torch.optim 1.13 on sparse gradients (sparse_coo_tensor of the rows seen, a
    tensor's first index; every row for the tensors a case gives dense gradients).
  * FTRL: PyTorch has none; Keras 3's keras.optimizers.Ftrl update_step in NumPy.
  * AdaBelief, Yogi, Adan, NovoGrad, LARS, Signum: PyTorch has none; Optax's chains
    (optax/_src/alias.py, transform.py) in NumPy, in OPTAX_RUNNERS / OPTAX_CONFIGS below.
  * AdEMAMix, ADOPT, Prodigy, D-Adaptation's Adam, DoG: their authors' PyTorch classes
    (apple/ml-ademamix, iShohei220/adopt, konstmish/prodigy, facebookresearch/dadaptation,
    formll/dog), their steps written below with the same torch operations in the same order.
  * SWA: torch.optim.swa_utils' own AveragedModel and SWALR (1.13) around torch.optim's SGD
    and Adam, in the loop their docstrings write (run_swa): the parameters, the average and
    the lr after the steps.
float64 cases run with torch's default dtype set to float64, so the scalar state PyTorch
keeps in tensors (step, NAdam's mu_product) is float64 too.

torch runs its kernels without fused multiply-adds (ATEN_CPU_CAPABILITY=default, set below
unless the environment sets another), so each operation rounds once as written, as optlab's
do, and the file is the same on every CPU. torch's AVX2 kernels fuse the multiply-add of
add_(x, alpha=a) (vec::fmadd), which moves float32 results by some ulps (docs/testing.md).
"""
import ctypes
import hashlib
import inspect
import json
import math
import os
import sys
import warnings

os.environ.setdefault("ATEN_CPU_CAPABILITY", "default")  # before torch is loaded

import numpy as np
import torch

MASK = (1 << 64) - 1
STEPS = 50
CHECKPOINTS = [1, 10, 25, 50]
GRAD_SCALES = [1.0, 0.1, 3.0, 1e-3]  # step k uses GRAD_SCALES[k % 4]; every 13th step is all zero


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def symmetric(self):
        """A double in [-1, 1): exact, (2u - 1) with u = top 53 bits / 2^53."""
        u = (self.next() >> 11) * (2.0 ** -53)
        return 2.0 * u - 1.0


def numel(shape):
    return math.prod(shape) if shape else 1


def in_default_dtype(dtype, run):
    """run() with torch's default dtype set to dtype (the tensors it makes are of it), float32 after."""
    torch.set_default_dtype(dtype)
    try:
        return run()
    finally:
        torch.set_default_dtype(torch.float32)


def inputs(seed, shapes):
    """Initial parameters (in [-2, 2)) and the gradients of steps 1..STEPS, as float64 lists."""
    rng = SplitMix64(seed)
    params = [[2.0 * rng.symmetric() for _ in range(numel(s))] for s in shapes]
    grads = []
    for k in range(1, STEPS + 1):
        scale = GRAD_SCALES[k % 4]
        step = [[rng.symmetric() * scale for _ in range(numel(s))] for s in shapes]
        if k % 13 == 0:
            step = [[0.0] * len(t) for t in step]
        grads.append(step)
    return params, grads


# ---- NAdam as PyTorch >= 2.0 computes it (single tensor, capturable=False) -------------------
class NAdam2(torch.optim.Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                grad = -p.grad if group["maximize"] else p.grad
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["mu_product"] = torch.tensor(1.0)
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                step = state["step"].item()
                bias_correction2 = 1 - beta2 ** step
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * wd)
                    else:
                        grad = grad.add(p, alpha=wd)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * group["momentum_decay"])))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * group["momentum_decay"])))
                state["mu_product"] *= mu
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                # optlab, like the rest of torch 1.13, uses mul_/add_ here (2.x: lerp_).
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
                mu_product = state["mu_product"].item()
                mu_product_next = mu_product * mu_next
                p.addcdiv_(grad, denom, value=(-lr * (1.0 - mu) / (1.0 - mu_product)))
                p.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1.0 - mu_product_next))


# ---- Lion, the paper's rule in NumPy --------------------------------------------------------
def run_lion(params, grads, hyper, dtype):
    lr = hyper.get("lr", 1e-4)
    beta1, beta2 = hyper.get("betas", (0.9, 0.99))
    wd = hyper.get("weight_decay", 0.0)
    sign = -1.0 if hyper.get("maximize", False) else 1.0
    p = [np.array(t, dtype=dtype) for t in params]
    m = [np.zeros_like(t) for t in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            g = np.array(g, dtype=dtype) * dtype(sign)
            c = dtype(beta1) * m[i] + dtype(1.0 - beta1) * g        # interpolation
            p[i] = p[i] - dtype(lr) * (np.sign(c) + dtype(wd) * p[i])  # sign update + decay
            m[i] = dtype(beta2) * m[i] + dtype(1.0 - beta2) * g       # momentum
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"exp_avg": [t.astype(np.float64).tolist() for t in m]}


# ---- LAMB as Optax's `lamb` computes it, in NumPy ---------------------------------------------
def run_lamb(params, grads, hyper, dtype):
    """optax.lamb = chain(scale_by_adam, add_decayed_weights, scale_by_trust_ratio, scale(-lr)),
    (optax/_src/alias.py, transform.py), with JAX's x64 mode for the bias corrections (1 - b**t
    in float64, then cast); maximize (g <- -g) is optlab's. Norms are summed in float64."""
    lr = hyper.get("lr", 1e-3)
    b1, b2 = hyper.get("betas", (0.9, 0.999))
    eps, eps_root = hyper.get("eps", 1e-6), hyper.get("eps_root", 0.0)
    wd = hyper.get("weight_decay", 0.0)
    sign = -1.0 if hyper.get("maximize", False) else 1.0
    p = [np.array(t, dtype=dtype) for t in params]
    mu = [np.zeros_like(t) for t in p]
    nu = [np.zeros_like(t) for t in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            g = np.array(g, dtype=dtype) * dtype(sign)
            mu[i] = dtype(1.0 - b1) * g + dtype(b1) * mu[i]               # update_moment
            nu[i] = dtype(1.0 - b2) * (g * g) + dtype(b2) * nu[i]         # update_moment_per_elem_norm
            mu_hat = mu[i] / dtype(1.0 - b1 ** k)                          # bias_correction
            nu_hat = nu[i] / dtype(1.0 - b2 ** k)
            u = mu_hat / (np.sqrt(nu_hat + dtype(eps_root)) + dtype(eps))  # scale_by_adam
            u = u + dtype(wd) * p[i]                                       # add_decayed_weights
            pn = np.sqrt(np.sum(p[i].astype(np.float64) ** 2))             # scale_by_trust_ratio
            un = np.sqrt(np.sum(u.astype(np.float64) ** 2))
            ratio = dtype(1.0) if pn == 0.0 or un == 0.0 else dtype(pn / un)
            p[i] = p[i] + dtype(-lr) * (u * ratio)                         # scale(-lr), apply_updates
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"exp_avg": [t.astype(np.float64).tolist() for t in mu],
                     "exp_avg_sq": [t.astype(np.float64).tolist() for t in nu]}


# ---- Schedule-Free AdamW and SGD as facebookresearch/schedule_free 1.3 computes them --------
def run_schedule_free(params, grads, hyper, dtype, adam):
    """AdamWScheduleFree / SGDScheduleFree's step (schedulefree/adamw_schedulefree.py,
    sgd_schedulefree.py, v1.3), written with the same torch operations in the same order, in
    train mode (p holds y). maximize (g <- -g) is optlab's; optlab leaves p.grad unchanged,
    which changes no parameter or state."""
    lr_group = hyper.get("lr", 0.0025 if adam else 1.0)
    beta1, beta2 = hyper.get("betas", (0.9, 0.999)) if adam else (hyper.get("momentum", 0.9), 0.0)
    eps, wd = hyper.get("eps", 1e-8), hyper.get("weight_decay", 0.0)
    warmup, r = hyper.get("warmup_steps", 0), hyper.get("r", 0.0)
    power = hyper.get("weight_lr_power", 2.0)
    sign = -1.0 if hyper.get("maximize", False) else 1.0
    ys = [torch.tensor(t, dtype=dtype) for t in params]
    zs = [y.clone() for y in ys]
    vs = [torch.zeros_like(y) for y in ys]
    lr_max, weight_sum, history = -1.0, 0.0, {}
    for k, step in enumerate(grads):
        sched = (k + 1) / warmup if k < warmup else 1.0
        bc2 = 1 - beta2 ** (k + 1)
        lr = lr_group * sched
        lr_max = max(lr, lr_max)
        weight = ((k + 1) ** r) * (lr_max ** power)
        weight_sum += weight
        ckp1 = weight / weight_sum if weight_sum != 0.0 else 0.0
        for y, z, v, g in zip(ys, zs, vs, step):
            grad = torch.tensor(g, dtype=dtype) * sign
            if adam:
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = v.div(bc2).sqrt_().add_(eps)
                grad.div_(denom)
            if wd != 0:
                grad.add_(y, alpha=wd)
            y.lerp_(end=z, weight=ckp1)
            y.add_(grad, alpha=lr * (beta1 * (1 - ckp1) - 1))
            z.sub_(grad, alpha=lr)
        if k + 1 in CHECKPOINTS:
            history[str(k + 1)] = [y.to(torch.float64).flatten().tolist() for y in ys]
    state = {"z": [z.to(torch.float64).flatten().tolist() for z in zs]}
    if adam:
        state["exp_avg_sq"] = [v.to(torch.float64).flatten().tolist() for v in vs]
    # The reference's eval(): p <- lerp(p, z, 1 - 1/beta), the average x where a model is evaluated,
    # by torch >= 2.0's rule: 1.13's lerp takes p + w(z - p) for every w < 0.5, negative weights
    # (beta < 2/3) too, where 2.0 (the reference's torch) takes it only for |w| < 0.5.
    w = 1 - 1 / beta1
    history["eval"] = [(y + w * (z - y) if abs(w) < 0.5 else z - (z - y) * (1 - w)).to(torch.float64).flatten().tolist()
                       for y, z in zip(ys, zs)]
    return history, state


# ---- Muon as torch.optim.Muon (PyTorch 2.9, torch/optim/_muon.py) ----------------------------
def run_muon(params, grads, shapes, hyper, dtype):
    """torch 2.9's Muon step with the same torch operations (torch 1.13 has no Muon), its
    Newton-Schulz iteration in the parameters' dtype instead of bfloat16 (optlab's documented
    difference) and with torch.addmm as 2.9 writes it. maximize (g <- -g) is optlab's."""
    lr, wd = hyper.get("lr", 1e-3), hyper.get("weight_decay", 0.1)
    momentum, nesterov = hyper.get("momentum", 0.95), hyper.get("nesterov", True)
    a, b, c = hyper.get("ns_coefficients", [3.4445, -4.7750, 2.0315])
    eps, ns_steps = hyper.get("eps", 1e-7), int(hyper.get("ns_steps", 5))
    adjust = hyper.get("adjust_lr_fn", "original")
    sign = -1.0 if hyper.get("maximize", False) else 1.0
    ps = [torch.tensor(t, dtype=dtype).reshape(s) for t, s in zip(params, shapes)]
    bufs = [torch.zeros_like(p) for p in ps]

    def newton_schulz(grad):
        X = grad.reshape(len(grad), -1)  # a kernel (out, in, kh, kw) as (out, in*kh*kw), as Keller Jordan's Muon
        X = X.clone()
        transposed = grad.size(0) > grad.size(1)
        if transposed:
            X = X.T
        X.div_(X.norm().clamp(min=eps))
        for _ in range(ns_steps):
            A = X @ X.T
            B = torch.addmm(A, A, A, beta=b, alpha=c)
            X = torch.addmm(X, B, X, beta=a)
        return X.T if transposed else X

    history = {}
    for k, step in enumerate(grads, start=1):
        for p, buf, g, shape in zip(ps, bufs, step, shapes):
            grad = torch.tensor(g, dtype=dtype).reshape(shape) * sign
            buf.lerp_(grad, 1 - momentum)
            update = grad.lerp(buf, momentum) if nesterov else buf
            update = newton_schulz(update).view_as(p)
            A, B = p.shape[0], p.numel() // p.shape[0]
            ratio = math.sqrt(max(1, A / B)) if adjust == "original" else 0.2 * math.sqrt(max(A, B))
            p.mul_(1 - lr * wd)
            p.add_(update, alpha=-lr * ratio)
        if k in CHECKPOINTS:
            history[str(k)] = [p.to(torch.float64).flatten().tolist() for p in ps]
    return history, {"momentum_buffer": [m.to(torch.float64).flatten().tolist() for m in bufs]}


# ---- Adafactor as torch.optim.Adafactor (PyTorch >= 2.5, _single_tensor_adafactor) ----------
def run_adafactor(params, grads, shapes, hyper, dtype):
    """torch/optim/_adafactor.py's single-tensor step with the same torch operations in the
    same order (torch 1.13 has no Adafactor). maximize negates the gradient, as torch's does."""
    lr, beta2_decay = hyper.get("lr", 1e-2), hyper.get("beta2_decay", -0.8)
    eps1, eps2 = hyper.get("eps", [None, 1e-3])
    d, wd, maximize = hyper.get("d", 1.0), hyper.get("weight_decay", 0.0), hyper.get("maximize", False)
    ps = [torch.tensor(t, dtype=dtype).reshape(s) for t, s in zip(params, shapes)]
    states = [{} for _ in ps]
    history = {}
    for k, step in enumerate(grads, start=1):
        for p, st, g, shape in zip(ps, states, step, shapes):
            grad = torch.tensor(g, dtype=dtype).reshape(shape)
            grad = -grad if maximize else grad
            if not st:
                st["step"] = torch.tensor(0.0)
                if grad.dim() > 1:
                    st["row_var"] = grad.new_zeros(grad.shape[:-1] + (1,))
                    st["col_var"] = grad.new_zeros(grad.shape[:-2] + (1,) + grad.shape[-1:])
                else:
                    st["variance"] = torch.zeros_like(grad)
            e1 = torch.finfo(p.dtype).eps if eps1 is None else eps1
            st["step"] += 1
            t = st["step"].item()
            one_minus_beta2_t = t ** beta2_decay
            rho_t = min(lr, 1 / (t ** 0.5))
            alpha = max(eps2, p.norm(2).item() / (p.numel() ** 0.5)) * rho_t
            if wd != 0:
                p.mul_(1 - lr * wd)
            if grad.dim() > 1:
                row_mean = torch.norm(grad, dim=-1, keepdim=True).square_().div_(grad.size(-1))
                st["row_var"].lerp_(row_mean, one_minus_beta2_t)
                col_mean = torch.norm(grad, dim=-2, keepdim=True).square_().div_(grad.size(-2))
                st["col_var"].lerp_(col_mean, one_minus_beta2_t)
                var_estimate = st["row_var"] @ st["col_var"]
                var_estimate.div_(st["row_var"].mean(dim=-2, keepdim=True).clamp_(min=e1))
            else:
                grad_squared = grad * grad
                st["variance"].lerp_(grad_squared, one_minus_beta2_t)
                var_estimate = st["variance"].clone()
            update = var_estimate.clamp_(min=e1 * e1).rsqrt_()
            update.mul_(grad)
            denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))
            p.add_(update, alpha=-alpha / denom)
        if k in CHECKPOINTS:
            history[str(k)] = [p.to(torch.float64).flatten().tolist() for p in ps]
    state = {}
    for i, st in enumerate(states):
        for key in ("row_var", "col_var", "variance"):
            if key in st:
                state.setdefault(key, [None] * len(ps))[i] = st[key].to(torch.float64).flatten().tolist()
    return history, state

# ---- ASGD as PyTorch 2.9 computes it (torch/optim/asgd.py, _single_tensor_asgd) --------------
def run_asgd_29(groups, params, grads, dtype):
    """torch 2.9's ASGD step (foreach=False, capturable=False: what runs on CPU tensors), written
    with the same torch operations: eta and mu are 0-dim tensors of the default dtype
    (_get_scalar_dtype), eta starting at lr, mu at 1; eta_value = eta.item(). Returns what
    run_torch returns, with "eval" (ax) added."""
    tensors = [torch.tensor(t, dtype=dtype) for t in params]
    history, axs = {}, [torch.zeros_like(t) for t in tensors]
    scalar = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
    owner = {i: hyper for idx, hyper in groups for i in idx}
    state = [None] * len(tensors)
    for k, step in enumerate(grads, start=1):
        for i, (param, g) in enumerate(zip(tensors, step)):
            h = {"lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0, "maximize": False,
                 **owner[i]}
            if state[i] is None:
                state[i] = {"step": torch.zeros((), dtype=scalar),
                            "eta": torch.as_tensor(h["lr"], dtype=scalar).clone().detach(),
                            "mu": torch.ones((), dtype=scalar)}
            st, ax = state[i], axs[i]
            grad = torch.tensor(g, dtype=dtype)
            grad = grad if not h["maximize"] else -grad
            st["step"] += 1
            if h["weight_decay"] != 0:
                grad = grad.add(param, alpha=h["weight_decay"])
            eta_value = st["eta"].item()
            param.mul_(1 - h["lambd"] * eta_value)
            param.add_(grad, alpha=-eta_value)
            if st["mu"].item() != 1:
                ax.add_(param.sub(ax).mul_(st["mu"]))
            else:
                ax.copy_(param)
            t = st["step"].item()
            st["eta"].copy_(torch.as_tensor(h["lr"] / ((1 + h["lambd"] * h["lr"] * t) ** h["alpha"])))
            st["mu"].copy_(torch.as_tensor(1 / max(1, t - h["t0"])))
        if k in CHECKPOINTS:
            history[str(k)] = [t.to(torch.float64).flatten().tolist() for t in tensors]
    history["eval"] = [a.to(torch.float64).flatten().tolist() for a in axs]
    return history, {"ax": [a.to(torch.float64).flatten().tolist() for a in axs]}


# ---- SparseAdam on sparse gradients (torch.optim 1.13) ---------------------------------------
def run_sparse_adam(groups, params, grads, shapes, rows_seen, dtype):
    """torch.optim.SparseAdam with each step's gradient a sparse_coo_tensor of the rows seen (a
    tensor's first index) and their values; a tensor without rows_seen gets every row, a dense
    gradient as optlab has it. The values of the rows not seen never reach torch. A step with
    no row seen: 1.13 fails on an empty sparse gradient of a matrix; 2.x counts the step and
    skips the update ("Skip update for empty grad"), which is done here by hand."""
    tensors = [torch.tensor(t, dtype=dtype).reshape(s) for t, s in zip(params, shapes)]
    param_groups = [{"params": [tensors[i] for i in idx], **torch_kwargs("sparse-adam", hyper)}
                    for idx, hyper in groups]
    opt = torch.optim.SparseAdam(param_groups)
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, (t, g, shape) in enumerate(zip(tensors, step, shapes)):
            dense = torch.tensor(g, dtype=dtype).reshape(shape)
            rows = rows_seen[str(i)][k - 1] if str(i) in rows_seen else list(range(shape[0]))
            if not rows:
                t.grad = None
                state = opt.state[t]
                if not state:
                    state.update(step=0, exp_avg=torch.zeros_like(t), exp_avg_sq=torch.zeros_like(t))
                state["step"] += 1
                continue
            index = torch.tensor([rows], dtype=torch.int64).reshape(1, len(rows))
            t.grad = torch.sparse_coo_tensor(index, dense[rows], shape)
        opt.step()
        if k in CHECKPOINTS:
            history[str(k)] = [t.to(torch.float64).flatten().tolist() for t in tensors]
    state = {}
    for i, t in enumerate(tensors):
        for key in ("exp_avg", "exp_avg_sq"):
            state.setdefault(key, [None] * len(tensors))[i] = opt.state[t][key].to(torch.float64).flatten().tolist()
    return history, state


def draw_rows_seen(case_name, shapes, tracked):
    """For each tracked tensor, the rows that receive a gradient at each step: each row with
    probability 1/2, and none at all every 7th step (an embedding no id of the batch reached)."""
    rng = SplitMix64(seed_of(case_name + "/rows"))
    out = {}
    for i in tracked:
        steps = []
        for k in range(1, STEPS + 1):
            rows = [r for r in range(shapes[i][0]) if rng.next() >> 63]
            steps.append([] if k % 7 == 0 else rows)
        out[str(i)] = steps
    return out


# ---- FTRL as Keras 3 computes it (keras/src/optimizers/ftrl.py), in NumPy --------------------
_LIBM = ctypes.CDLL("libm.so.6")
_LIBM.powf.restype, _LIBM.powf.argtypes = ctypes.c_float, [ctypes.c_float, ctypes.c_float]


def c_pow(x, q, dtype):
    """x**q element by element through the C library's pow (float64) or powf (float32), as
    optlab computes it; NumPy's SIMD power rounds otherwise in about a quarter of the values."""
    if dtype == np.float64:
        return np.array([math.pow(v, q) for v in x.flat], dtype=dtype).reshape(x.shape)
    return np.array([_LIBM.powf(float(v), float(q)) for v in x.flat], dtype=dtype).reshape(x.shape)


def run_ftrl(params, grads, hyper, dtype):
    """Ftrl.update_step with every tensor in the variable's dtype, after the base optimizer's
    decoupled weight decay (variable - variable * wd * lr). n^q is sqrt(n) for q = 0.5, as
    TensorFlow's graph optimizer (Grappler's ConvertPow) rewrites pow(n, 0.5), the C library's
    pow otherwise. maximize (g <- -g) is optlab's."""
    lr = dtype(hyper.get("lr", 1e-3))
    q = dtype(-hyper.get("learning_rate_power", -0.5))
    l1 = dtype(hyper.get("l1_regularization_strength", 0.0))
    l2 = dtype(hyper.get("l2_regularization_strength", 0.0))
    shrinkage2 = dtype(2 * hyper.get("l2_shrinkage_regularization_strength", 0.0))
    beta, wd = dtype(hyper.get("beta", 0.0)), dtype(hyper.get("weight_decay", 0.0))
    sign = dtype(-1.0 if hyper.get("maximize", False) else 1.0)
    power = (lambda x: np.sqrt(x)) if q == dtype(0.5) else (lambda x: c_pow(x, q, dtype))
    l2_reg = l2 + beta / (dtype(2.0) * lr)
    p = [np.array(t, dtype=dtype) for t in params]
    n = [np.full_like(t, dtype(hyper.get("initial_accumulator_value", 0.1))) for t in p]
    z = [np.zeros_like(t) for t in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            if wd != 0:
                p[i] = p[i] - p[i] * wd * lr                                   # base_optimizer
            g = np.array(g, dtype=dtype) * sign
            grad_to_use = g + shrinkage2 * p[i]
            new_n = n[i] + np.square(g)
            new_n_q = power(new_n)
            z[i] = z[i] + (grad_to_use - ((new_n_q - power(n[i])) / lr) * p[i])
            quadratic = new_n_q / lr + dtype(2) * l2_reg
            p[i] = (np.clip(z[i], -l1, l1) - z[i]) / quadratic
            n[i] = new_n
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"accumulator": [t.astype(np.float64).tolist() for t in n],
                     "linear": [t.astype(np.float64).tolist() for t in z]}


# ---- Optax's AdaBelief, Yogi, Adan, NovoGrad, LARS and Signum, in NumPy ----------------------
# Each as optax/_src/alias.py chains it (transform.py's scale_by_* pieces, then scale(-lr) and
# apply_updates), every array in the parameters' dtype and every Python scalar cast to it, as
# JAX's weak types do; the bias corrections 1 - b**t in float64, then cast (JAX with x64, as
# for LAMB). maximize (g <- -g) is optlab's. Per-tensor norms are summed in float64 and
# rounded to the dtype before the square root's result is used (Optax: jnp.linalg.norm in the
# dtype).
def optax_norm(x, dtype):
    """||x|| of one tensor: the sum of squares in float64, its root rounded to the dtype."""
    return dtype(np.sqrt(np.sum(np.asarray(x, dtype=np.float64) ** 2)))


def optax_bias_correction(moment, decay, t, dtype):
    return moment / dtype(1.0 - decay ** t)


def run_adabelief(params, grads, hyper, dtype):
    """optax.adabelief: scale_by_belief(b1, b2, eps, eps_root, nesterov), add_decayed_weights
    (when weight_decay is not 0), scale_by_learning_rate."""
    lr = hyper.get("lr", 3e-3)
    b1, b2 = hyper.get("betas", (0.9, 0.999))
    eps, eps_root = dtype(hyper.get("eps", 1e-16)), dtype(hyper.get("eps_root", 1e-16))
    wd, nesterov = hyper.get("weight_decay", 0.0), hyper.get("nesterov", False)
    sign = dtype(-1.0 if hyper.get("maximize", False) else 1.0)
    p = [np.array(t, dtype=dtype) for t in params]
    mu = [np.zeros_like(t) for t in p]
    nu = [np.zeros_like(t) for t in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            g = np.array(g, dtype=dtype) * sign
            mu[i] = dtype(1.0 - b1) * g + dtype(b1) * mu[i]                      # update_moment
            e = g - mu[i]                                                          # prediction error
            nu[i] = dtype(1.0 - b2) * (e * e) + dtype(b2) * nu[i]                # ..._per_elem_norm
            nu[i] = nu[i] + eps_root
            if nesterov:
                mu_hat = (dtype(b1) * optax_bias_correction(mu[i], b1, k + 1, dtype)
                          + dtype(1.0 - b1) * optax_bias_correction(g, b1, k, dtype))
            else:
                mu_hat = optax_bias_correction(mu[i], b1, k, dtype)
            nu_hat = optax_bias_correction(nu[i], b2, k, dtype)
            u = mu_hat / (np.sqrt(nu_hat) + eps)
            if wd != 0.0:
                u = u + dtype(wd) * p[i]                                           # add_decayed_weights
            p[i] = p[i] + dtype(-lr) * u                                           # scale(-lr), apply
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"exp_avg": [t.astype(np.float64).tolist() for t in mu],
                     "exp_avg_var": [t.astype(np.float64).tolist() for t in nu]}


def run_yogi(params, grads, hyper, dtype):
    """optax.yogi: scale_by_yogi(b1, b2, eps; eps_root 0, initial_accumulator_value 1e-6 for
    both moments), scale_by_learning_rate."""
    lr = hyper.get("lr", 2e-3)
    b1, b2 = hyper.get("betas", (0.9, 0.999))
    eps = dtype(hyper.get("eps", 1e-3))
    v0 = dtype(hyper.get("initial_accumulator_value", 1e-6))
    sign = dtype(-1.0 if hyper.get("maximize", False) else 1.0)
    p = [np.array(t, dtype=dtype) for t in params]
    mu = [np.full_like(t, v0) for t in p]
    nu = [np.full_like(t, v0) for t in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            g = np.array(g, dtype=dtype) * sign
            mu[i] = dtype(1.0 - b1) * g + dtype(b1) * mu[i]
            g2 = g * g                                                             # abs_sq
            nu[i] = nu[i] - dtype(1.0 - b2) * np.sign(nu[i] - g2) * g2
            mu_hat = optax_bias_correction(mu[i], b1, k, dtype)
            nu_hat = optax_bias_correction(nu[i], b2, k, dtype)
            u = mu_hat / (np.sqrt(nu_hat + dtype(0.0)) + eps)
            p[i] = p[i] + dtype(-lr) * u
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"exp_avg": [t.astype(np.float64).tolist() for t in mu],
                     "exp_avg_sq": [t.astype(np.float64).tolist() for t in nu]}


def run_adan(params, grads, hyper, dtype):
    """optax.adan: scale_by_adan(b1, b2, b3, eps, eps_root), add_decayed_weights,
    scale_by_learning_rate. The gradient difference is 0 at the first step."""
    lr = hyper.get("lr", 0.1)
    b1, b2, b3 = hyper.get("betas", (0.98, 0.92, 0.99))
    eps, eps_root = dtype(hyper.get("eps", 1e-8)), dtype(hyper.get("eps_root", 1e-8))
    wd = hyper.get("weight_decay", 0.0)
    sign = dtype(-1.0 if hyper.get("maximize", False) else 1.0)
    p = [np.array(t, dtype=dtype) for t in params]
    m = [np.zeros_like(t) for t in p]
    v = [np.zeros_like(t) for t in p]
    n = [np.zeros_like(t) for t in p]
    prev = [np.zeros_like(t) for t in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            g = np.array(g, dtype=dtype) * sign
            diff = np.zeros_like(g) if k == 1 else g - prev[i]
            m[i] = dtype(1.0 - b1) * g + dtype(b1) * m[i]
            v[i] = dtype(1.0 - b2) * diff + dtype(b2) * v[i]
            sq = g + dtype(1.0 - b2) * diff                                        # add_scale
            n[i] = dtype(1.0 - b3) * (sq * sq) + dtype(b3) * n[i]
            m_hat = optax_bias_correction(m[i], b1, k, dtype)
            v_hat = optax_bias_correction(v[i], b2, k, dtype)
            n_hat = optax_bias_correction(n[i], b3, k, dtype)
            u = m_hat + dtype(1.0 - b2) * v_hat
            u = u / (np.sqrt(n_hat + eps_root) + eps)
            if wd != 0.0:
                u = u + dtype(wd) * p[i]
            p[i] = p[i] + dtype(-lr) * u
            prev[i] = g
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"exp_avg": [t.astype(np.float64).tolist() for t in m],
                     "exp_avg_diff": [t.astype(np.float64).tolist() for t in v],
                     "exp_avg_sq": [t.astype(np.float64).tolist() for t in n],
                     "pre_grad": [t.astype(np.float64).tolist() for t in prev]}


def run_novograd(params, grads, hyper, dtype):
    """optax.novograd: scale_by_novograd(b1, b2, eps, eps_root, weight_decay),
    scale_by_learning_rate. nu is one number per tensor, ||g||**2 (the norm squared)."""
    lr = hyper.get("lr", 3e-3)
    b1, b2 = hyper.get("betas", (0.9, 0.25))
    eps, eps_root = dtype(hyper.get("eps", 1e-6)), dtype(hyper.get("eps_root", 0.0))
    wd = dtype(hyper.get("weight_decay", 0.0))
    sign = dtype(-1.0 if hyper.get("maximize", False) else 1.0)
    p = [np.array(t, dtype=dtype) for t in params]
    mu = [np.zeros_like(t) for t in p]
    nu = [dtype(0.0) for _ in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            g = np.array(g, dtype=dtype).reshape(p[i].shape) * sign
            norm = optax_norm(g, dtype)
            if k == 1:
                nu[i] = norm * norm                                                # init_nu
            else:
                nu[i] = dtype(1.0 - b2) * (norm * norm) + dtype(b2) * nu[i]       # update_nu
            addition = g / (np.sqrt(nu[i] + eps_root) + eps) + wd * p[i]           # mu_addition
            mu[i] = addition if k == 1 else dtype(b1) * mu[i] + addition
            p[i] = p[i] + dtype(-lr) * mu[i]
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"exp_avg": [t.astype(np.float64).tolist() for t in mu],
                     "exp_avg_sq": [[float(x)] for x in nu]}


def run_lars(params, grads, hyper, dtype):
    """optax.lars: add_decayed_weights, masked scale_by_trust_ratio(trust_coefficient, eps)
    (min_norm 0), scale_by_learning_rate, trace(momentum, nesterov). trust_ratio_mask false
    is the mask's False for the group's tensors (the ratio is not applied)."""
    lr = hyper.get("lr", 1.0)
    wd = hyper.get("weight_decay", 0.0)
    tc, eps = dtype(hyper.get("trust_coefficient", 0.001)), dtype(hyper.get("eps", 0.0))
    masked = hyper.get("trust_ratio_mask", True)
    mom, nesterov = dtype(hyper.get("momentum", 0.9)), hyper.get("nesterov", False)
    sign = dtype(-1.0 if hyper.get("maximize", False) else 1.0)
    p = [np.array(t, dtype=dtype) for t in params]
    trace = [np.zeros_like(t) for t in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            u = np.array(g, dtype=dtype) * sign
            if wd != 0.0:
                u = u + dtype(wd) * p[i]                                           # add_decayed_weights
            if masked:
                pn, un = optax_norm(p[i], dtype), optax_norm(u, dtype)
                ratio = dtype(1.0) if pn == 0.0 or un == 0.0 else tc * pn / (un + eps)
                u = u * ratio                                                      # scale_by_trust_ratio
            u = dtype(-lr) * u                                                     # scale(-lr)
            trace[i] = u + mom * trace[i]                                          # trace
            p[i] = p[i] + (u + mom * trace[i] if nesterov else trace[i])
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"momentum_buffer": [t.astype(np.float64).tolist() for t in trace]}


def run_signum(params, grads, hyper, dtype):
    """optax.signum: ema(beta, debias=False), scale_by_sign, scale_by_learning_rate."""
    lr, beta = hyper.get("lr", 3e-3), hyper.get("beta", 0.9)
    sign = dtype(-1.0 if hyper.get("maximize", False) else 1.0)
    p = [np.array(t, dtype=dtype) for t in params]
    m = [np.zeros_like(t) for t in p]
    history = {}
    for k, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            g = np.array(g, dtype=dtype) * sign
            m[i] = dtype(1.0 - beta) * g + dtype(beta) * m[i]                    # ema, not debiased
            p[i] = p[i] + dtype(-lr) * np.sign(m[i])                              # sign, scale(-lr)
        if k in CHECKPOINTS:
            history[str(k)] = [t.astype(np.float64).tolist() for t in p]
    return history, {"exp_avg": [t.astype(np.float64).tolist() for t in m]}


OPTAX_RUNNERS = {"signum": run_signum, "novograd": run_novograd, "lars": run_lars, "adan": run_adan, "adabelief": run_adabelief, "yogi": run_yogi}
OPTAX_REFERENCE = {"signum": "numpy (optax.signum)", "novograd": "numpy (optax.novograd)", "lars": "numpy (optax.lars)", "adan": "numpy (optax.adan)", "adabelief": "numpy (optax.adabelief)", "yogi": "numpy (optax.yogi)"}
OPTAX_CONFIGS = [
    ("signum", {}),
    ("signum", {"lr": 0.01, "beta": 0.5}),
    ("signum", {"lr": 0.01, "beta": 0.0}),  # optax.sign_sgd
    ("signum", {"lr": 0.01, "maximize": True}),
    ("yogi", {}),
    ("yogi", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-4}),
    ("yogi", {"lr": 0.01, "initial_accumulator_value": 0.1}),
    ("yogi", {"lr": 0.01, "maximize": True}),
    ("adabelief", {}),
    ("adabelief", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-8, "eps_root": 0.0}),
    ("adabelief", {"lr": 0.01, "nesterov": True}),
    ("adabelief", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("adan", {}),
    ("adan", {"lr": 0.01, "betas": [0.9, 0.8, 0.95], "eps": 1e-6, "eps_root": 0.0}),
    ("adan", {"lr": 0.01, "weight_decay": 0.1}),
    ("adan", {"lr": 0.01, "maximize": True}),
    ("lars", {}),
    ("lars", {"lr": 0.5, "weight_decay": 0.01, "trust_coefficient": 0.01, "eps": 1e-3}),
    ("lars", {"lr": 0.5, "nesterov": True, "momentum": 0.8}),
    ("lars", {"lr": 0.05, "trust_ratio_mask": False}),
    ("lars", {"lr": 0.5, "maximize": True}),
    ("novograd", {}),
    ("novograd", {"lr": 0.01, "betas": [0.95, 0.5], "eps": 1e-8, "eps_root": 1e-8}),
    ("novograd", {"lr": 0.01, "weight_decay": 0.1}),
    ("novograd", {"lr": 0.01, "maximize": True}),
]



# ---- AdEMAMix and ADOPT, the authors' PyTorch classes written with the same torch ops -------
def ademamix_alpha(step, alpha, warmup):
    """apple/ml-ademamix's linear_warmup_scheduler with alpha_start = 0: alpha grows linearly."""
    if warmup is None or not step < warmup:
        return alpha
    a = step / float(warmup)
    return (1.0 - a) * 0 + a * alpha


def ademamix_beta3(step, beta1, beta3, warmup):
    """apple/ml-ademamix's linear_hl_warmup_scheduler from beta1: the half-life
    ln(0.5)/ln(beta + 1e-8) - 1 grows linearly, and beta3 = 0.5^(1/(half-life + 1))."""
    if warmup is None or not step < warmup:
        return beta3
    half_life = lambda beta: math.log(0.5) / math.log(beta + 1e-8) - 1
    a = step / float(warmup)
    return math.pow(0.5, 1 / ((1.0 - a) * half_life(beta1) + a * half_life(beta3) + 1))


class AdEMAMixRef(torch.optim.Optimizer):
    """AdEMAMix.step (apple/ml-ademamix, pytorch/ademamix.py): step a Python int, the
    scalars Python floats, the same tensor operations in the same order. maximize is optlab's."""
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999, 0.9999), alpha=2.0, beta3_warmup=None,
                 alpha_warmup=None, eps=1e-8, weight_decay=0, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, alpha=alpha, beta3_warmup=beta3_warmup,
                                      alpha_warmup=alpha_warmup, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2, beta3_end = group["betas"]
            lr, lmbda, eps = group["lr"], group["weight_decay"], group["eps"]
            for p in group["params"]:
                grad = -p.grad if group["maximize"] else p.grad
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg_fast"] = torch.zeros_like(p) if beta1 != 0.0 else None
                    state["exp_avg_slow"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                bias_correction1 = 1 - beta1 ** t
                bias_correction2 = 1 - beta2 ** t
                alpha = ademamix_alpha(t, group["alpha"], group["alpha_warmup"])
                beta3 = ademamix_beta3(t, beta1, beta3_end, group["beta3_warmup"])
                fast, slow, sq = state["exp_avg_fast"], state["exp_avg_slow"], state["exp_avg_sq"]
                if beta1 != 0.0:
                    fast.mul_(beta1).add_(grad, alpha=1 - beta1)
                else:
                    fast = grad
                slow.mul_(beta3).add_(grad, alpha=1 - beta3)
                sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = (sq.sqrt() / math.sqrt(bias_correction2)).add_(eps)
                update = (fast.div(bias_correction1) + alpha * slow) / denom
                update.add_(p, alpha=lmbda)
                p.add_(-lr * update)


class ADOPTRef(torch.optim.Optimizer):
    """ADOPT's _single_tensor_adopt (iShohei220/adopt, src/adopt/adopt.py): step a tensor of the
    default dtype, read as a Python float before it counts this step; the first step only
    initialises exp_avg_sq. clip_exponent p stands for the reference's clip_lambda =
    lambda step: step**p (None: clip_lambda=None)."""
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.9999), eps=1e-6, clip_exponent=0.25,
                 weight_decay=0.0, decouple=False, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, clip_exponent=clip_exponent,
                                      weight_decay=weight_decay, decouple=decouple, maximize=maximize))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
            p_clip = group["clip_exponent"]
            clip_lambda = None if p_clip is None else (lambda step: step ** p_clip)
            for param in group["params"]:
                grad = -param.grad if group["maximize"] else param.grad
                state = self.state[param]
                if not state:
                    state["step"] = torch.tensor(0.0, dtype=torch.get_default_dtype())
                    state["exp_avg"] = torch.zeros_like(param)
                    state["exp_avg_sq"] = torch.zeros_like(param)
                exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
                step = step_t.item()
                if wd != 0 and not group["decouple"]:
                    grad = grad.add(param, alpha=wd)
                if step == 0:
                    exp_avg_sq.addcmul_(grad, grad)
                    step_t += 1
                    continue
                if wd != 0 and group["decouple"]:
                    param.add_(param, alpha=-lr * wd)
                denom = torch.clamp(exp_avg_sq.sqrt(), eps)
                normed_grad = grad.div(denom)
                if clip_lambda is not None:
                    clip = clip_lambda(step)
                    normed_grad.clamp_(-clip, clip)
                exp_avg.lerp_(normed_grad, 1 - beta1)
                param.add_(exp_avg, alpha=-lr)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                step_t += 1


# ---- Prodigy, D-Adaptation's Adam and DoG: their authors' classes, the same torch ops -------
class ProdigyRef(torch.optim.Optimizer):
    """prodigyopt.Prodigy.step (konstmish/prodigy, prodigyopt/prodigy.py) with slice_p = 1 and
    without FSDP: d and its sums are Python floats, torch.dot and .sum() per tensor as there,
    the step-wide settings read from the first group. maximize (g <- -g) is optlab's; p.grad is
    left as given (the reference adds the coupled decay to it in place, which changes no
    parameter or state). sums_in_float64: torch.dot and .sum() of the tensors cast to float64."""
    sums_in_float64 = False

    def __init__(self, params, lr=1.0, betas=(0.9, 0.999), beta3=None, eps=1e-8, weight_decay=0,
                 decouple=True, use_bias_correction=False, safeguard_warmup=False, d0=1e-6,
                 d_coef=1.0, growth_rate=float("inf"), maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, beta3=beta3, eps=eps, weight_decay=weight_decay,
                                      d=d0, d0=d0, d_max=d0, d_numerator=0.0, d_coef=d_coef, k=0,
                                      growth_rate=growth_rate, use_bias_correction=use_bias_correction,
                                      decouple=decouple, safeguard_warmup=safeguard_warmup,
                                      maximize=maximize))

    @torch.no_grad()
    def step(self):
        first = self.param_groups[0]
        beta1, beta2 = first["betas"]
        beta3 = first["beta3"] if first["beta3"] is not None else math.sqrt(beta2)
        k, d, d_max, d_coef = first["k"], first["d"], first["d_max"], first["d_coef"]
        lr = max(group["lr"] for group in self.param_groups)
        bias_correction = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1)) \
            if first["use_bias_correction"] else 1
        dlr = d * lr * bias_correction
        growth_rate, decouple = first["growth_rate"], first["decouple"]
        d_numerator = first["d_numerator"] * beta3
        delta_numerator, d_denom = 0.0, 0.0
        grads = {}
        for group in self.param_groups:
            decay, d0 = group["weight_decay"], group["d0"]
            assert group["lr"] in (lr, 0.0)
            for p in group["params"]:
                grad = -p.grad if group["maximize"] else p.grad.clone()
                if decay != 0 and not decouple:
                    grad.add_(p, alpha=decay)
                grads[p] = grad
                state = self.state[p]
                if "step" not in state:
                    state["step"] = 0
                    state["s"] = torch.zeros_like(p.flatten())
                    state["p0"] = p.flatten().clone() if p.any() else torch.tensor(0, dtype=p.dtype)
                    if beta1 > 0:
                        state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                if group["lr"] > 0.0:
                    flat = grad.flatten()
                    if self.sums_in_float64:
                        dot = torch.dot(flat.double(), (state["p0"] - p.flatten()).double()).item()
                    else:
                        dot = torch.dot(flat, state["p0"] - p.flatten()).item()
                    delta_numerator += (d / d0) * dlr * dot
                    if beta1 > 0:
                        state["exp_avg"].mul_(beta1).add_(grad, alpha=d * (1 - beta1))
                    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=d * d * (1 - beta2))
                    rate = (d / d0) * d if group["safeguard_warmup"] else (d / d0) * dlr
                    state["s"].mul_(beta3).add_(flat, alpha=rate)
                    d_denom += (state["s"].double() if self.sums_in_float64 else state["s"]).abs().sum().item()
        if d_denom == 0:
            return
        last_d0 = group["d0"]  # the reference's loop variable, left over from the loop above
        if lr > 0.0:
            global_d_numerator = d_numerator + delta_numerator
            d_hat = d_coef * global_d_numerator / d_denom
            if d == last_d0:
                d = max(d, d_hat)
            d_max = max(d_max, d_hat)
            d = min(d_max, d * growth_rate)
        for group in self.param_groups:
            group.update(d_numerator=global_d_numerator, d=d, d_max=d_max)
            decay, eps = group["weight_decay"], group["eps"]
            for p in group["params"]:
                state = self.state[p]
                state["step"] += 1
                denom = state["exp_avg_sq"].sqrt().add_(d * eps)
                if decay != 0 and decouple:
                    p.add_(p, alpha=-decay * dlr)
                if beta1 > 0:
                    p.addcdiv_(state["exp_avg"], denom, value=-dlr)
                else:
                    p.addcdiv_(grads[p], denom, value=-dlr * d)
            group["k"] = group["k"] + 1



class DAdaptAdamRef(torch.optim.Optimizer):
    """dadaptation.DAdaptAdam.step (facebookresearch/dadaptation, dadaptation/dadapt_adam.py)
    without FSDP or logging: d and its sums are Python floats, torch.dot and .sum() per tensor as
    there, the step-wide settings read from the first group. maximize (g <- -g) is optlab's; p.grad
    is left as given (the reference adds the coupled decay to it in place, which changes no
    parameter or state). sums_in_float64: torch.dot and .sum() of the tensors cast to float64."""
    sums_in_float64 = False

    def __init__(self, params, lr=1.0, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decouple=False,
                 use_bias_correction=False, d0=1e-6, growth_rate=float("inf"), layer_scale=1.0, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, d=d0, k=0,
                                      layer_scale=layer_scale, numerator_weighted=0.0, growth_rate=growth_rate,
                                      use_bias_correction=use_bias_correction, decouple=decouple,
                                      maximize=maximize))

    @torch.no_grad()
    def step(self):
        first = self.param_groups[0]
        beta1, beta2 = first["betas"]
        k, d, numerator_weighted = first["k"], first["d"], first["numerator_weighted"]
        lr = max(group["lr"] for group in self.param_groups)
        bias_correction = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1)) \
            if first["use_bias_correction"] else 1
        dlr = d * lr * bias_correction
        growth_rate, decouple = first["growth_rate"], first["decouple"]
        sqrt_beta2 = beta2 ** 0.5
        numerator_acum, sk_l1 = 0.0, 0.0
        for group in self.param_groups:
            decay, eps, r = group["weight_decay"], group["eps"], group["layer_scale"]
            assert group["lr"] in (lr, 0.0)
            for p in group["params"]:
                grad = -p.grad if group["maximize"] else p.grad.clone()
                if decay != 0 and not decouple:
                    grad.add_(p, alpha=decay)
                state = self.state[p]
                if "step" not in state:
                    state["step"] = 0
                    state["s"] = torch.zeros_like(p)
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                exp_avg, exp_avg_sq, s = state["exp_avg"], state["exp_avg_sq"], state["s"]
                if group["lr"] > 0.0:
                    denom = exp_avg_sq.sqrt().add_(eps)
                    if self.sums_in_float64:
                        dot = torch.dot(grad.flatten().double(), s.div(denom).flatten().double()).item()
                    else:
                        dot = torch.dot(grad.flatten(), s.div(denom).flatten()).item()
                    numerator_acum += r * dlr * dot
                    exp_avg.mul_(beta1).add_(grad, alpha=r * dlr * (1 - beta1))
                    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                    s.mul_(sqrt_beta2).add_(grad, alpha=dlr * (1 - sqrt_beta2))
                    sk_l1 += r * (s.double() if self.sums_in_float64 else s).abs().sum().item()
        if sk_l1 == 0:
            return
        global_numerator_weighted = sqrt_beta2 * numerator_weighted + (1 - sqrt_beta2) * numerator_acum
        if lr > 0.0:
            d_hat = global_numerator_weighted / ((1 - sqrt_beta2) * sk_l1)
            d = max(d, min(d_hat, d * growth_rate))
        for group in self.param_groups:
            group.update(numerator_weighted=global_numerator_weighted, d=d)
            decay, eps = group["weight_decay"], group["eps"]
            for p in group["params"]:
                state = self.state[p]
                state["step"] += 1
                denom = state["exp_avg_sq"].sqrt().add_(eps)
                if decay != 0 and decouple:
                    p.add_(p, alpha=-decay * dlr)
                p.addcdiv_(state["exp_avg"], denom, value=-1)
            group["k"] = group["k"] + 1


class DoGRef(torch.optim.Optimizer):
    """dog.DoG.step (formll/dog, src/dog/dog.py): r̄, G and η 0-dim tensors of the parameters'
    dtype, the group's norms and sums per tensor then stacked, as there. maximize (g <- -g) is
    optlab's; p.grad is left as given (the reference adds the decay to it in place).
    sums_in_float64: the norms and sums of the tensors cast to float64, then r̄ and G rounded to
    the parameters' dtype as the reference keeps them."""
    sums_in_float64 = False

    def __init__(self, params, reps_rel=1e-6, lr=1.0, weight_decay=0.0, eps=1e-8, init_eta=None, maximize=False):
        super().__init__(params, dict(reps_rel=reps_rel, lr=lr, weight_decay=weight_decay, eps=eps,
                                      init_eta=init_eta, maximize=maximize))
        self._first_step = True

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            grads = [-p.grad if group["maximize"] else p.grad.clone() for p in group["params"]]
            if self._first_step:
                group["init_buffer"] = [torch.clone(p).detach() for p in group["params"]]
                for p, x0 in zip(group["params"], group["init_buffer"]):
                    self.state[p]["init_buffer"] = x0  # (the reference keeps it in the group only)
            if group["weight_decay"] > 0:
                for p, g in zip(group["params"], grads):
                    g.add_(p, alpha=group["weight_decay"])
            reps_rel = 0 if group["init_eta"] is not None else group["reps_rel"]
            wide = (lambda t: t.double()) if self.sums_in_float64 else (lambda t: t)
            narrow = (lambda t: t.to(grads[0].dtype)) if self.sums_in_float64 else (lambda t: t)
            squares = narrow(torch.stack([(wide(g) ** 2).sum() for g in grads]).sum())
            if self._first_step:
                norm = narrow(torch.stack([wide(p).norm() for p in group["params"]]).norm())
                group["rbar"] = reps_rel * (1 + norm)
                group["G"] = squares + group["eps"]
            else:
                distance = narrow(torch.stack([torch.norm(wide(p - x0)) for p, x0 in
                                               zip(group["params"], group["init_buffer"])]).norm())
                group["rbar"] = torch.maximum(group["rbar"], distance)
                group["G"] += squares
            assert group["G"] > 0
            eta = group["lr"] * group["rbar"] / torch.sqrt(group["G"])
            if self._first_step and group["init_eta"] is not None:
                eta = eta * 0 + group["init_eta"]
            for p, g in zip(group["params"], grads):
                p.add_(g, alpha=-eta)
        self._first_step = False


# The authors' classes above, by registry name: run as torch.optim's are (run_authors).
AUTHORS_CLASSES = {"ademamix": AdEMAMixRef, "adopt": ADOPTRef, "prodigy": ProdigyRef,
                   "dadapt-adamw": DAdaptAdamRef, "dog": DoGRef}
# optlab's registry names that are an authors' class with other defaults (registry.cpp).
AUTHORS_ALIASES = {"dadapt-adamw": {"decouple": True}}


def run_authors(name, groups, params, grads, dtype):
    """A class of AUTHORS_CLASSES over the case's groups, each group's hyper-parameters its own;
    returns what run_torch returns."""
    tensors = [torch.tensor(t, dtype=dtype) for t in params]
    kwargs = lambda hyper: {k: tuple(v) if isinstance(v, list) else v for k, v in hyper.items()}
    # The first group's hyper-parameters go to the constructor, as users write it (Prodigy's d
    # starts at the constructor's d0); a later group's over the class's defaults, as optlab takes
    # a group's (not over the first group's, which the constructor makes every group's default).
    cls, alias = AUTHORS_CLASSES[name], AUTHORS_ALIASES.get(name, {})
    defaults = {k: v.default for k, v in inspect.signature(cls.__init__).parameters.items() if k in groups[0][1]}
    opt = cls([{"params": [tensors[i] for i in groups[0][0]]}] +
              [{"params": [tensors[i] for i in idx], **kwargs(defaults), **alias, **kwargs(hyper)}
               for idx, hyper in groups[1:]],
              **{**alias, **kwargs(groups[0][1])})
    # float32 runs of the optimizers whose step size comes from sums over the parameters take
    # those sums in float64 (optlab's; torch's float32 dot and sum round in their own order,
    # which the estimate of d or η amplifies: docs/optimizers.md#prodigy).
    opt.sums_in_float64 = dtype == torch.float32 and hasattr(opt, "sums_in_float64")
    history = {}
    for k, step in enumerate(grads, start=1):
        for t, g in zip(tensors, step):
            t.grad = torch.tensor(g, dtype=dtype)
        opt.step()
        if k in CHECKPOINTS:
            history[str(k)] = [t.detach().to(torch.float64).flatten().tolist() for t in tensors]
    state = {}
    for i, t in enumerate(tensors):
        for key, value in opt.state[t].items():
            if torch.is_tensor(value) and value.shape == t.shape and key != "step":
                state.setdefault(key, [None] * len(tensors))[i] = value.detach().to(torch.float64).flatten().tolist()
    return history, state


# ---- Lookahead and weight EMA around a torch optimizer -------------------------------------
def run_wrapped(name, hyper, wrapper, params, grads, dtype):
    """Lookahead as Zhang et al.'s PyTorch reference writes the sync (slow.add_(fast - slow,
    alpha); fast.copy_(slow)) every k steps, slow starting at the initial weights; EMA as
    torch.optim.swa_utils' AveragedModel with get_ema_multi_avg_fn (the first update copies,
    then ema.lerp_(p, 1 - decay)). "eval" is where the model is evaluated: slow, or ema."""
    tensors = [torch.tensor(t, dtype=dtype) for t in params]
    opt = getattr(torch.optim, TORCH_NAME[ALIASES.get(name, (name,))[0]])(tensors, **torch_kwargs(name, hyper))
    kind, setting = next(iter(wrapper.items()))
    extra = [t.clone() for t in tensors] if kind == "lookahead" else None
    history = {}
    for k, step in enumerate(grads, start=1):
        for t, g in zip(tensors, step):
            t.grad = torch.tensor(g, dtype=dtype)
        opt.step()
        with torch.no_grad():
            if kind == "lookahead" and k % setting[0] == 0:
                for fast, slow in zip(tensors, extra):
                    slow.add_(fast - slow, alpha=setting[1])
                    fast.copy_(slow)
            elif kind == "ema":
                if extra is None:
                    extra = [t.detach().clone() for t in tensors]
                else:
                    for e, t in zip(extra, tensors):
                        e.lerp_(t, 1 - setting)
        if k in CHECKPOINTS:
            history[str(k)] = [t.detach().to(torch.float64).flatten().tolist() for t in tensors]
    history["eval"] = [e.to(torch.float64).flatten().tolist() for e in extra]
    state = {}
    for i, t in enumerate(tensors):
        for key, value in opt.state[t].items():
            if torch.is_tensor(value) and value.shape == t.shape and key != "step":
                state.setdefault(key, [None] * len(tensors))[i] = value.to(torch.float64).flatten().tolist()
    state["slow" if kind == "lookahead" else "ema"] = [e.to(torch.float64).flatten().tolist() for e in extra]
    return history, state


# Optimizers inside a wrapper: (registry name, its hyper-parameters, {"lookahead": [k, alpha]}
# or {"ema": decay}).
WRAPPED_CONFIGS = [
    ("adam", {"lr": 0.01}, {"lookahead": [5, 0.5]}),
    ("momentum", {"lr": 0.05}, {"lookahead": [3, 0.8]}),
    ("adam", {"lr": 0.01}, {"ema": 0.9}),
    ("sgd", {"lr": 0.05}, {"ema": 0.99}),
]


# ---- SWA around a torch optimizer: torch.optim.swa_utils' own classes ---------------------
# --schedule specs the SWA cases step before swa_start, as the torch classes they name.
SWA_SCHEDULES = {"exponential:0.9": lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9),
                 "step:5,0.5": lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)}


def run_swa(name, hyper, swa, schedule, params, grads, dtype):
    """torch's SWA loop, as swa_utils' docstrings write it, counted in optimizer steps:

        for i in range(STEPS):
            optimizer.step()
            if i >= swa_start: swa_model.update_parameters(model); swa_scheduler.step()
            else: scheduler.step()           (when the case has a schedule)

    swa_model = AveragedModel(model) (the equal average, n_averaged counting), swa_scheduler =
    SWALR(optimizer, swa_lr, anneal_epochs, anneal_strategy), made when averaging starts (made
    before the loop, anneal_epochs = 0 would set swa_lr at step 0; otherwise the same). Returns
    what run_wrapped returns, plus the average at the checkpoints where there is one, the lrs
    after every step (group["lr"], which the next step uses) and n_averaged."""
    model = torch.nn.ParameterList([torch.nn.Parameter(torch.tensor(t, dtype=dtype)) for t in params])
    tensors = list(model.parameters())
    opt = getattr(torch.optim, TORCH_NAME[ALIASES.get(name, (name,))[0]])(tensors, **torch_kwargs(name, hyper))
    swa_model = torch.optim.swa_utils.AveragedModel(model)
    scheduler = SWA_SCHEDULES[schedule](opt) if schedule else None
    swa_scheduler = None
    history, averages, lrs = {}, {}, {}
    for i, step in enumerate(grads):
        for t, g in zip(tensors, step):
            t.grad = torch.tensor(g, dtype=dtype)
        opt.step()
        if i >= swa["swa_start"]:
            # Made when averaging starts; its construction resets the optimizer's step counter,
            # so torch warns (wrongly here) that its first step comes before optimizer.step().
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                if swa_scheduler is None:
                    swa_scheduler = torch.optim.swa_utils.SWALR(opt, swa_lr=swa["swa_lr"],
                                                                anneal_epochs=swa["anneal_epochs"],
                                                                anneal_strategy=swa["anneal_strategy"])
                swa_model.update_parameters(model)
                swa_scheduler.step()
        elif scheduler is not None:
            scheduler.step()
        k = str(i + 1)
        lrs[k] = [group["lr"] for group in opt.param_groups]
        if i + 1 in CHECKPOINTS:
            history[k] = [t.detach().to(torch.float64).flatten().tolist() for t in tensors]
            if swa_model.n_averaged.item() > 0:
                averages[k] = [a.detach().to(torch.float64).flatten().tolist() for a in swa_model.parameters()]
    history["eval"] = [a.detach().to(torch.float64).flatten().tolist() for a in swa_model.parameters()]
    state = {}
    for i, t in enumerate(tensors):
        for key, value in opt.state[t].items():
            if torch.is_tensor(value) and value.shape == t.shape and key != "step":
                state.setdefault(key, [None] * len(tensors))[i] = value.detach().to(torch.float64).flatten().tolist()
    state["swa_model"] = history["eval"]
    return history, state, averages, lrs, int(swa_model.n_averaged.item())


# (registry name, its hyper-parameters, SWA's options by torch's names, a schedule before
# swa_start or None). swa_lr above the lr anneals up; anneal_epochs 0 jumps.
SWA_CONFIGS = [
    ("sgd", {"lr": 0.05}, {"swa_start": 10, "swa_lr": 0.01, "anneal_epochs": 5, "anneal_strategy": "cos"}, None),
    ("adam", {"lr": 0.01}, {"swa_start": 20, "swa_lr": 0.002, "anneal_epochs": 10, "anneal_strategy": "linear"}, None),
    ("momentum", {"lr": 0.02}, {"swa_start": 30, "swa_lr": 0.005, "anneal_epochs": 0, "anneal_strategy": "cos"}, None),
    ("adam", {"lr": 0.01}, {"swa_start": 15, "swa_lr": 0.02, "anneal_epochs": 4, "anneal_strategy": "cos"},
     "exponential:0.9"),
    ("momentum", {"lr": 0.05}, {"swa_start": 7, "swa_lr": 0.01, "anneal_epochs": 3, "anneal_strategy": "linear"},
     "step:5,0.5"),
]


# ---- the cases -----------------------------------------------------------------------------
SHAPES = [[[3, 4], [5]], [[7]], [[2, 3, 2], [1], [4, 4]]]
# Muon takes matrices only: wide, square, tall (transposed for Newton-Schulz) and one row.
MATRIX_SHAPES = [[[3, 4], [4, 4]], [[5, 3]], [[2, 6], [4, 4], [1, 3]]]
# Cases whose shapes are chosen, not drawn from a list (a new list entry would move the others):
# Muon on convolution kernels (out, in, kh, kw), wide, wide and tall as (out, in*kh*kw) matrices.
CASE_SHAPES = {"muon[lr=0.03,weight_decay=0.01]": [[4, 2, 3, 3], [3, 5, 1, 2], [6, 1, 2, 1]]}

TORCH_NAME = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adadelta": "Adadelta",
              "adam": "Adam", "adamw": "AdamW", "adamax": "Adamax", "radam": "RAdam",
              "rprop": "Rprop", "asgd": "ASGD", "sparse-adam": "SparseAdam"}
# optlab's registry names that are a torch optimizer with other defaults (registry.cpp):
# the case gives optlab only its own hyper-parameters; torch gets these added.
ALIASES = {"momentum": ("sgd", {"momentum": 0.9}),
           "nag": ("sgd", {"momentum": 0.9, "nesterov": True}),
           "amsgrad": ("adam", {"amsgrad": True})}

CONFIGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "maximize": True}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.2, "maximize": True}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}),
    ("adagrad", {"lr": 0.1, "maximize": True}),
    ("adagrad", {"lr": 0.1, "eps": 1e-3}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 0.01, "centered": True}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.05}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "maximize": True}),
    ("rmsprop", {"lr": 0.01, "eps": 1e-3}),
    ("adadelta", {}),
    ("adadelta", {"lr": 0.5, "rho": 0.95}),
    ("adadelta", {"weight_decay": 0.1}),
    ("adadelta", {"eps": 1e-4, "maximize": True}),
    ("adam", {}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "amsgrad": True}),
    ("adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("adam", {"lr": 0.01, "maximize": True}),
    ("adam", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6}),
    ("adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("adamw", {}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("adamw", {"lr": 0.01, "maximize": True}),
    ("nadam", {}),
    ("nadam", {"lr": 0.01, "weight_decay": 0.1}),
    ("nadam", {"lr": 0.01, "momentum_decay": 0.01, "betas": [0.8, 0.99]}),
    ("nadam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("nadam", {"lr": 0.01, "maximize": True}),
    ("adamax", {}),
    ("adamax", {"lr": 0.01, "weight_decay": 0.1}),
    ("adamax", {"lr": 0.01, "maximize": True}),
    ("adamax", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-4}),
    ("radam", {}),
    ("radam", {"lr": 0.01}),
    ("radam", {"lr": 0.01, "weight_decay": 0.1}),
    ("radam", {"lr": 0.01, "betas": [0.8, 0.9]}),
    ("lion", {"lr": 1e-3}),
    ("lion", {"lr": 1e-3, "weight_decay": 0.1}),
    ("lion", {"lr": 1e-3, "betas": [0.95, 0.98]}),
    ("lion", {"lr": 1e-3, "maximize": True}),
    ("momentum", {"lr": 0.05}),
    ("momentum", {"lr": 0.05, "weight_decay": 0.1, "dampening": 0.2}),
    ("nag", {"lr": 0.05}),
    ("nag", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("amsgrad", {"lr": 0.01}),
    ("amsgrad", {"lr": 0.01, "weight_decay": 0.1, "betas": [0.8, 0.9]}),
    ("lamb", {}),
    ("lamb", {"lr": 0.01, "weight_decay": 0.1}),
    ("lamb", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-4, "eps_root": 1e-8}),
    ("lamb", {"lr": 0.01, "maximize": True}),
    ("muon", {}),
    ("muon", {"lr": 0.02, "nesterov": False, "weight_decay": 0.0}),
    ("muon", {"lr": 0.01, "adjust_lr_fn": "match_rms_adamw", "momentum": 0.9}),
    ("muon", {"lr": 0.05, "momentum": 0.5}),
    ("muon", {"lr": 0.01, "ns_steps": 3, "ns_coefficients": [2.0, -1.5, 0.5], "eps": 1e-5, "maximize": True}),
    ("muon", {"lr": 0.03, "weight_decay": 0.01}),  # on kernels of 4 dimensions: CASE_SHAPES
    ("adafactor", {}),
    ("adafactor", {"lr": 0.05, "weight_decay": 0.1, "beta2_decay": -0.5}),
    ("adafactor", {"eps": [1e-6, 1e-2], "d": 2.0, "maximize": True}),
    ("adafactor", {"lr": 0.001, "eps": [None, 1e-4], "d": 1.5}),
    ("schedule-free-adamw", {}),
    ("schedule-free-adamw", {"lr": 0.01, "warmup_steps": 5}),
    ("schedule-free-adamw", {"lr": 0.01, "weight_decay": 0.1, "betas": [0.8, 0.99], "eps": 1e-6}),
    ("schedule-free-adamw", {"lr": 0.01, "r": 1.0, "weight_lr_power": 1.0, "maximize": True}),
    ("schedule-free-sgd", {}),
    ("schedule-free-sgd", {"lr": 0.1, "momentum": 0.5, "warmup_steps": 10}),
    ("schedule-free-sgd", {"lr": 0.1, "weight_decay": 0.1, "r": 0.5}),
    ("schedule-free-sgd", {"lr": 0.1, "maximize": True}),
    ("rprop", {}),
    ("rprop", {"lr": 0.05, "etas": [0.3, 1.5]}),
    ("rprop", {"lr": 0.01, "step_sizes": [1e-3, 0.05]}),
    ("rprop", {"lr": 0.01, "maximize": True}),
    ("asgd", {}),
    ("asgd", {"lr": 0.05, "t0": 10}),
    ("asgd", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 5}),
    ("asgd", {"lr": 0.05, "weight_decay": 0.1, "t0": 20}),
    ("asgd", {"lr": 0.05, "t0": 0, "maximize": True}),
    ("sparse-adam", {"lr": 0.01}),  # dense gradients: every row
    ("ftrl", {}),
    ("ftrl", {"lr": 0.1}),
    ("ftrl", {"lr": 0.1, "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.01}),
    ("ftrl", {"lr": 0.1, "l2_shrinkage_regularization_strength": 0.1, "beta": 0.5}),
    ("ftrl", {"lr": 0.1, "learning_rate_power": -0.3, "initial_accumulator_value": 0.5}),
    ("ftrl", {"lr": 0.1, "learning_rate_power": 0.0}),
    ("ftrl", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("ademamix", {}),
    ("ademamix", {"lr": 0.01, "alpha": 5.0, "betas": [0.9, 0.999, 0.999]}),
    ("ademamix", {"lr": 0.01, "alpha_warmup": 30, "beta3_warmup": 40}),
    ("ademamix", {"lr": 0.01, "betas": [0.0, 0.99, 0.99], "beta3_warmup": 20, "eps": 1e-6}),
    ("ademamix", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("adopt", {}),
    ("adopt", {"lr": 0.01, "betas": [0.8, 0.99]}),
    ("adopt", {"lr": 0.01, "clip_exponent": None}),
    ("adopt", {"lr": 0.01, "clip_exponent": 0.5, "eps": 1e-3}),
    ("adopt", {"lr": 0.01, "weight_decay": 0.1}),
    ("adopt", {"lr": 0.01, "weight_decay": 0.1, "decouple": True, "maximize": True}),
    ("prodigy", {}),
    ("prodigy", {"lr": 0.5, "weight_decay": 0.1}),
    ("prodigy", {"decouple": False, "weight_decay": 0.1, "d0": 1e-3}),
    ("prodigy", {"betas": [0.0, 0.99], "maximize": True}),
    ("prodigy", {"use_bias_correction": True, "safeguard_warmup": True, "growth_rate": 1.02,
                 "d_coef": 2.0, "beta3": 0.9}),
    ("dadapt-adamw", {}),
    ("dadapt-adamw", {"lr": 0.5, "weight_decay": 0.1}),
    ("dadapt-adamw", {"decouple": False, "weight_decay": 0.1, "d0": 1e-3, "maximize": True}),
    ("dadapt-adamw", {"use_bias_correction": True, "growth_rate": 1.05, "betas": [0.8, 0.99], "eps": 1e-6}),
    ("dog", {}),
    ("dog", {"lr": 0.5, "weight_decay": 0.1}),
    ("dog", {"init_eta": 1e-3, "maximize": True}),
    ("dog", {"reps_rel": 1e-4, "eps": 1e-6}),
]
# SparseAdam on an embedding's row-sparse gradient: tensors 0 and 2 of SPARSE_SHAPES receive a
# gradient in some rows only (rows_seen, drawn per case), tensor 1 a dense one, all in one group.
SPARSE_SHAPES = [[6, 4], [5], [7, 3]]
SPARSE_TRACKED = [0, 2]
SPARSE_CONFIGS = [
    {},
    {"lr": 0.01},
    {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6},
    {"lr": 0.01, "maximize": True},
]
# Two parameter groups with their own hyper-parameters: (optimizer, group 0, group 1).
GROUP_CONFIGS = [
    ("sgd", {"lr": 0.1, "momentum": 0.9}, {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1}),
    ("adam", {"lr": 0.01}, {"lr": 0.001, "amsgrad": True, "betas": [0.8, 0.9]}),
    ("asgd", {"lr": 0.05, "t0": 10}, {"lr": 0.01, "lambd": 0.001, "t0": 3}),
    ("ademamix", {"lr": 0.01, "alpha_warmup": 20}, {"lr": 0.001, "betas": [0.8, 0.9, 0.99]}),
    ("adopt", {"lr": 0.01}, {"lr": 0.001, "decouple": True, "weight_decay": 0.5}),
    ("prodigy", {"weight_decay": 0.1}, {"eps": 1e-6, "d0": 1e-5, "safeguard_warmup": True}),
    ("dadapt-adamw", {"weight_decay": 0.1}, {"layer_scale": 0.5, "eps": 1e-6}),
    ("dog", {"reps_rel": 1e-4}, {"weight_decay": 0.1, "init_eta": 0.01}),
]


def torch_kwargs(name, hyper):
    kw = dict(ALIASES[name][1], **hyper) if name in ALIASES else dict(hyper)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    if name not in ("nadam", "sparse-adam"):  # (SparseAdam has no foreach)
        kw["foreach"] = False
    return kw


def run_torch(name, groups, params, grads, dtype):
    tensors = [torch.tensor(t, dtype=dtype) for t in params]
    # The first group's hyper-parameters go to the constructor, as users write it: torch 1.13's
    # Adagrad fills its accumulators from the constructor's initial_accumulator_value and
    # ignores a param group's.
    param_groups = [{"params": [tensors[i] for i in idx], **torch_kwargs(name, hyper)}
                    for idx, hyper in groups[1:]]
    param_groups.insert(0, {"params": [tensors[i] for i in groups[0][0]]})
    cls = NAdam2 if name == "nadam" else getattr(torch.optim, TORCH_NAME[ALIASES.get(name, (name,))[0]])
    opt = cls(param_groups, **torch_kwargs(name, groups[0][1]))
    history = {}
    for k, step in enumerate(grads, start=1):
        for t, g in zip(tensors, step):
            t.grad = torch.tensor(g, dtype=dtype)
        opt.step()
        if k in CHECKPOINTS:
            history[str(k)] = [t.detach().to(torch.float64).flatten().tolist() for t in tensors]
    state = {}
    for i, t in enumerate(tensors):
        for key, value in opt.state[t].items():
            if torch.is_tensor(value) and value.shape == t.shape and value.numel() == t.numel() \
                    and key != "step":
                state.setdefault(key, [None] * len(tensors))[i] = \
                    value.detach().to(torch.float64).flatten().tolist()
    return history, state


# Where an optimizer's expected values come from when torch.optim 1.13 lacks it.
REFERENCE_OF = {"lion": "numpy (Lion paper)", "nadam": "torch ops (PyTorch 2.x NAdam)",
                "asgd": "torch.optim.ASGD (1.13; 2.9's step in torch ops agrees bit for bit)",
                "sparse-adam": "torch.optim.SparseAdam (1.13, sparse gradients)",
                "ftrl": "numpy (Keras 3 Ftrl)",
                "ademamix": "torch ops (apple/ml-ademamix AdEMAMix)",
                "adopt": "torch ops (iShohei220/adopt ADOPT)",
                "prodigy": "torch ops (konstmish/prodigy prodigyopt.Prodigy)",
                "dadapt-adamw": "torch ops (facebookresearch/dadaptation DAdaptAdam, decouple=True)",
                "dog": "torch ops (formll/dog DoG)",
                "lamb": "numpy (optax.lamb)", "adafactor": "torch ops (PyTorch 2.5 Adafactor)",
                "muon": "torch ops (PyTorch 2.9 Muon, Newton-Schulz in the parameters' dtype)",
                "schedule-free-adamw": "torch ops (schedule_free 1.3 AdamWScheduleFree)",
                "schedule-free-sgd": "torch ops (schedule_free 1.3 SGDScheduleFree)"}


def seed_of(case_name):
    """A case's seed from its name, so inserting a case changes no other case's inputs."""
    return int.from_bytes(hashlib.sha256(case_name.encode()).digest()[:8], "little")


def main():
    # generate.py [OUT]: another file, e.g. under ATEN_CPU_CAPABILITY=avx2 (docs/testing.md)
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                  "torch_reference.json")
    cases = []
    all_configs = [(n, [h]) for n, h in CONFIGS + OPTAX_CONFIGS] + [(n, [a, b]) for n, a, b in GROUP_CONFIGS]
    for name, hypers in all_configs:
        label = ",".join(f"{k}={v}" for k, v in hypers[0].items()) or "defaults"
        if len(hypers) > 1:
            label = "two groups"
        shape_list = MATRIX_SHAPES if name == "muon" else SHAPES
        shapes = CASE_SHAPES.get(f"{name}[{label}]") or shape_list[seed_of(f"{name}[{label}]") % len(shape_list)]
        if len(hypers) > 1 and len(shapes) < 2:  # two groups need two tensors: the next list that has them
            shapes = next(s for s in shape_list[shape_list.index(shapes):] + shape_list if len(s) > 1)
        if len(hypers) == 1:
            groups = [(list(range(len(shapes))), hypers[0])]
        else:
            groups = [([0], hypers[0]), (list(range(1, len(shapes))), hypers[1])]
        for dtype_name in ("float64", "float32"):
            case_name = f"{name}[{label}]/{dtype_name}"
            seed = seed_of(case_name)
            params, grads = inputs(seed, shapes)
            if dtype_name == "float64":
                torch.set_default_dtype(torch.float64)
            try:
                np_dtype = np.float64 if dtype_name == "float64" else np.float32
                if name == "lion":
                    history, state = run_lion(params, grads, hypers[0], np_dtype)
                elif name == "lamb":
                    history, state = run_lamb(params, grads, hypers[0], np_dtype)
                elif name == "muon":
                    dtype = torch.float64 if dtype_name == "float64" else torch.float32
                    history, state = run_muon(params, grads, shapes, hypers[0], dtype)
                elif name == "adafactor":
                    dtype = torch.float64 if dtype_name == "float64" else torch.float32
                    history, state = run_adafactor(params, grads, shapes, hypers[0], dtype)
                elif name.startswith("schedule-free"):
                    dtype = torch.float64 if dtype_name == "float64" else torch.float32
                    history, state = run_schedule_free(params, grads, hypers[0], dtype,
                                                       adam=name.endswith("adamw"))
                elif name == "ftrl":
                    history, state = run_ftrl(params, grads, hypers[0], np_dtype)
                elif name in OPTAX_RUNNERS:
                    history, state = OPTAX_RUNNERS[name](params, grads, hypers[0], np_dtype)
                elif name == "sparse-adam":
                    dtype = torch.float64 if dtype_name == "float64" else torch.float32
                    history, state = run_sparse_adam(groups, params, grads, shapes, {}, dtype)
                elif name in AUTHORS_CLASSES:
                    dtype = torch.float64 if dtype_name == "float64" else torch.float32
                    history, state = run_authors(name, groups, params, grads, dtype)
                else:
                    dtype = torch.float64 if dtype_name == "float64" else torch.float32
                    history, state = run_torch(name, groups, params, grads, dtype)
                    if name == "asgd":  # evaluated at ax; and 2.9's step must give the same bits
                        history["eval"] = state["ax"]
                        if run_asgd_29(groups, params, grads, dtype) != (history, state):
                            sys.exit(f"generate.py: {case_name}: torch 1.13's ASGD and 2.9's step differ")
            finally:
                torch.set_default_dtype(torch.float32)
            torch_class = TORCH_NAME.get(ALIASES.get(name, (name,))[0])
            cases.append({
                "name": case_name,
                "optimizer": name,
                "reference": REFERENCE_OF.get(name) or OPTAX_REFERENCE.get(name) or f"torch.optim.{torch_class}",
                "dtype": dtype_name,
                "seed": seed,
                "shapes": shapes,
                "groups": [{"params": [f"t{i}" for i in idx], "hyper": hyper}
                           for idx, hyper in groups],
                "steps": STEPS,
                "params_after": history,
                "state": state,
            })
    for hyper in SPARSE_CONFIGS:
        label = ",".join(f"{k}={v}" for k, v in hyper.items()) or "defaults"
        for dtype_name in ("float64", "float32"):
            case_name = f"sparse-adam[{label},rows seen]/{dtype_name}"
            seed = seed_of(case_name)
            params, grads = inputs(seed, SPARSE_SHAPES)
            rows_seen = draw_rows_seen(case_name, SPARSE_SHAPES, SPARSE_TRACKED)
            dtype = torch.float64 if dtype_name == "float64" else torch.float32
            groups = [(list(range(len(SPARSE_SHAPES))), hyper)]
            history, state = in_default_dtype(
                dtype, lambda: run_sparse_adam(groups, params, grads, SPARSE_SHAPES, rows_seen, dtype))
            cases.append({
                "name": case_name, "optimizer": "sparse-adam",
                "reference": REFERENCE_OF["sparse-adam"] + ", rows seen only",
                "dtype": dtype_name, "seed": seed, "shapes": SPARSE_SHAPES,
                "groups": [{"params": [f"t{i}" for i in range(len(SPARSE_SHAPES))], "hyper": hyper}],
                "rows_seen": rows_seen,
                "steps": STEPS, "params_after": history, "state": state,
            })
    for name, hyper, wrapper in WRAPPED_CONFIGS:
        kind = next(iter(wrapper))
        label = ",".join(f"{k}={v}" for k, v in hyper.items()) + f"+{kind}={wrapper[kind]}"
        shapes = SHAPES[seed_of(f"{name}[{label}]") % len(SHAPES)]
        for dtype_name in ("float64", "float32"):
            case_name = f"{name}[{label}]/{dtype_name}"
            seed = seed_of(case_name)
            params, grads = inputs(seed, shapes)
            dtype = torch.float64 if dtype_name == "float64" else torch.float32
            history, state = in_default_dtype(dtype, lambda: run_wrapped(name, hyper, wrapper, params, grads, dtype))
            cases.append({
                "name": case_name, "optimizer": name, "wrapper": wrapper,
                "reference": f"torch.optim.{TORCH_NAME[ALIASES.get(name, (name,))[0]]} + "
                             + ("Lookahead (Zhang et al.'s PyTorch sync)" if kind == "lookahead"
                                else "torch.optim.swa_utils EMA"),
                "dtype": dtype_name, "seed": seed, "shapes": shapes,
                "groups": [{"params": [f"t{i}" for i in range(len(shapes))], "hyper": hyper}],
                "steps": STEPS, "params_after": history, "state": state,
            })
    for name, hyper, swa, schedule in SWA_CONFIGS:
        label = (",".join(f"{k}={v}" for k, v in hyper.items()) +
                 f"+swa=start {swa['swa_start']},lr {swa['swa_lr']},{swa['anneal_strategy']} {swa['anneal_epochs']}" +
                 (f",after {schedule}" if schedule else ""))
        shapes = SHAPES[seed_of(f"{name}[{label}]") % len(SHAPES)]
        for dtype_name in ("float64", "float32"):
            case_name = f"{name}[{label}]/{dtype_name}"
            seed = seed_of(case_name)
            params, grads = inputs(seed, shapes)
            dtype = torch.float64 if dtype_name == "float64" else torch.float32
            history, state, averages, lrs, n_averaged = in_default_dtype(
                dtype, lambda: run_swa(name, hyper, swa, schedule, params, grads, dtype))
            case = {
                "name": case_name, "optimizer": name, "wrapper": {"swa": swa},
                "reference": f"torch.optim.{TORCH_NAME[ALIASES.get(name, (name,))[0]]} + "
                             "torch.optim.swa_utils AveragedModel and SWALR",
                "dtype": dtype_name, "seed": seed, "shapes": shapes,
                "groups": [{"params": [f"t{i}" for i in range(len(shapes))], "hyper": hyper}],
                "steps": STEPS, "params_after": history, "state": state,
                "eval_after": averages, "lr_after": lrs, "scalars": {"n_averaged": n_averaged},
            }
            if schedule:
                case["schedule"] = schedule
            cases.append(case)
    names = [c["name"] for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        sys.exit(f"generate.py: case names must be unique (they name the tests): {duplicates}")
    doc = {
        "generator": "tests/reference/generate.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "inputs": {"rng": "splitmix64", "init": "2*(2u-1)", "grad": "(2u-1)*scale",
                   "grad_scales": GRAD_SCALES, "zero_every": 13, "steps": STEPS,
                   "checkpoints": CHECKPOINTS},
        "cases": cases,
    }
    with open(out_path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
