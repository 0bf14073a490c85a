#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reference runs of the matrix-preconditioned optimizers, SOAP and Shampoo, in NumPy float64.

Neither reference is installed here (nikhilvyas/SOAP's soap.py; facebookresearch/optimizers'
DistributedShampoo), so each is written again from its source, operation for operation, with
NumPy's LAPACK (eigh: syevd; qr: geqrf + orgqr) in float64 throughout. Where a source casts
its eigendecompositions to float32 (soap.py's get_orthogonal_matrix and _QR for float64
statistics) or computes its bias corrections in float32 (DistributedShampoo's step tensor),
float64 is kept: those casts are not part of the update (docs/optimizers.md#soap, #shampoo).

Cases: 2-D functions from a 1×2 matrix point (as optlab trajectory runs them) and tensors of
several shapes under generate.py's inputs (splitmix64 parameters and gradients), 50 steps.
Writes tests/reference/preconditioned.json; tests/optim/preconditioned_test.cpp reruns them.

    /usr/bin/python3 tests/reference/preconditioned.py
"""
import json
import math
import os

import numpy as np

from generate import CHECKPOINTS, STEPS, inputs, numel

HERE = os.path.dirname(os.path.abspath(__file__))


def lerp(a, b, w):
    """torch.lerp: a + w(b − a) for |w| < 0.5, else b − (b − a)(1 − w)."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)


def tensordot_first(x, q, back):
    """torch.tensordot(x, q, dims=[[0], [0]]) (or [[0], [1]] when back): dimension 0 moved last."""
    return np.tensordot(x, q, axes=([0], [1] if back else [0]))


# ---- SOAP, as soap.py computes it (channels_first) ------------------------------------------
def soap_merge_dims(shape, max_precond_dim):
    new_shape, current = [], 1
    for sh in shape:
        if current * sh > max_precond_dim:
            if current > 1:
                new_shape.append(current)
                current = sh
            else:
                new_shape.append(sh)
                current = 1
        else:
            current *= sh
    if current > 1 or not new_shape:
        new_shape.append(current)
    return new_shape


class Soap:
    DEFAULTS = dict(lr=3e-3, betas=(0.95, 0.95), shampoo_beta=-1, eps=1e-8, weight_decay=0.01,
                    precondition_frequency=10, max_precond_dim=10000, merge_dims=False,
                    precondition_1d=False, normalize_grads=False, correct_bias=True, maximize=False)

    def __init__(self, shapes, **hyper):
        self.h = dict(self.DEFAULTS, **hyper)
        self.shapes = shapes
        self.state = [{} for _ in shapes]

    def view(self, x):
        h = self.h
        return x.reshape(soap_merge_dims(x.shape, h["max_precond_dim"])) if h["merge_dims"] and x.ndim > 1 else x

    def project(self, x, st, back=False):
        shape = x.shape
        x = self.view(x)
        for q in st["Q"]:
            x = tensordot_first(x, q, back) if q is not None else np.transpose(x, list(range(1, x.ndim)) + [0])
        return x.reshape(shape)

    def update_preconditioner(self, g, st):
        h = self.h
        if st["Q"] is not None:
            st["exp_avg"] = self.project(st["exp_avg"], st, back=True)
        if g.ndim == 1:
            if h["precondition_1d"] and g.shape[0] <= h["max_precond_dim"]:
                st["GG"][0] = lerp(st["GG"][0], np.outer(g, g), 1 - st["shampoo_beta"])
        else:
            gv = self.view(g)
            for k, sh in enumerate(gv.shape):
                if sh <= h["max_precond_dim"]:
                    others = [d for d in range(gv.ndim) if d != k]
                    outer = np.tensordot(gv, gv, axes=(others, others))
                    st["GG"][k] = lerp(st["GG"][k], outer, 1 - st["shampoo_beta"])
        if st["Q"] is None:
            st["Q"] = [None if m is None else np.flip(np.linalg.eigh(m + 1e-30 * np.eye(m.shape[0]))[1], 1)
                       for m in st["GG"]]
        if st["step"] > 0 and st["step"] % h["precondition_frequency"] == 0:
            self.refresh(st)
        if st["step"] > 0:
            st["exp_avg"] = self.project(st["exp_avg"], st)

    def refresh(self, st):
        shape = st["exp_avg_sq"].shape
        v = self.view(st["exp_avg_sq"])
        final = []
        for k, (m, o) in enumerate(zip(st["GG"], st["Q"])):
            if m is None:
                final.append(None)
                continue
            est_eig = np.diag(o.T @ m @ o)
            order = np.argsort(-est_eig, kind="stable")
            v = np.take(v, order, axis=k)
            o = o[:, order]
            q, _ = np.linalg.qr(m @ o)
            final.append(q)
        st["exp_avg_sq"] = v.reshape(shape)
        st["Q"] = final

    def step(self, params, grads):
        h = self.h
        for p, g0, st in zip(params, grads, self.state):
            g = -g0 if h["maximize"] else g0
            if "step" not in st:
                st["step"] = 0
                st["exp_avg"] = np.zeros_like(g)
                st["exp_avg_sq"] = np.zeros_like(g)
                st["shampoo_beta"] = h["shampoo_beta"] if h["shampoo_beta"] >= 0 else h["betas"][1]
                if g.ndim == 1:
                    n = g.shape[0]
                    st["GG"] = [np.zeros((n, n)) if h["precondition_1d"] and n <= h["max_precond_dim"] else None]
                else:
                    st["GG"] = [np.zeros((sh, sh)) if sh <= h["max_precond_dim"] else None for sh in self.view(g).shape]
                st["Q"] = None
                self.update_preconditioner(g, st)
                continue
            gp = self.project(g, st)
            beta1, beta2 = h["betas"]
            st["step"] += 1
            st["exp_avg"] = st["exp_avg"] * beta1 + (1.0 - beta1) * gp
            st["exp_avg_sq"] = st["exp_avg_sq"] * beta2 + (1.0 - beta2) * np.square(gp)
            denom = np.sqrt(st["exp_avg_sq"]) + h["eps"]
            step_size = h["lr"]
            if h["correct_bias"]:
                bc1 = 1.0 - beta1 ** st["step"]
                bc2 = 1.0 - beta2 ** st["step"]
                step_size = step_size * (bc2 ** .5) / bc1
            norm_grad = self.project(st["exp_avg"] / denom, st, back=True)
            if h["normalize_grads"]:
                norm_grad = norm_grad / (1e-30 + np.mean(norm_grad ** 2) ** 0.5)
            p += -step_size * norm_grad
            if h["weight_decay"] > 0.0:
                p += (-h["lr"] * h["weight_decay"]) * p
            self.update_preconditioner(g, st)


# ---- Shampoo, as DistributedShampoo computes it on one process (optlab's subset) -------------
def inverse_root(a, epsilon, root=4):
    """matrix_inverse_root, EigenConfig with the default PerturbationConfig(perturb_before_computation=True)."""
    lam, q = np.linalg.eigh(a + epsilon * np.eye(a.shape[0]))
    lam_min = lam.min()
    if lam_min < epsilon:
        lam = (lam + -lam_min) + epsilon
    return (q * lam ** (-1.0 / root)) @ q.T


def blocks(shape, b):
    """multi_dim_split of a matrix: chunks of b along each dimension, row-chunk major."""
    return [(slice(r, min(r + b, shape[0])), slice(c, min(c + b, shape[1])))
            for r in range(0, shape[0], b) for c in range(0, shape[1], b)]


class Shampoo:
    DEFAULTS = dict(lr=1e-2, betas=(0.9, 1.0), eps=1e-12, weight_decay=0.0, max_preconditioner_dim=1024,
                    precondition_frequency=1, start_preconditioning_step=-1, use_bias_correction=True,
                    grafting="adam", grafting_beta2=0.999, grafting_eps=1e-10, momentum=0.0, nesterov=False,
                    maximize=False)

    def __init__(self, shapes, **hyper):
        self.h = dict(self.DEFAULTS, **hyper)
        h = self.h
        self.start = h["precondition_frequency"] if h["start_preconditioning_step"] == -1 else h["start_preconditioning_step"]
        self.t = 0
        self.state = []
        for shape in shapes:
            st = dict(filtered=np.zeros(shape), graft=np.zeros(shape), momentum=np.zeros(shape))
            if len(shape) == 2 and numel(shape) > 0:
                st["blocks"] = [dict(index=ix, L=np.zeros((ix[0].stop - ix[0].start,) * 2),
                                     R=np.zeros((ix[1].stop - ix[1].start,) * 2))
                                for ix in blocks(shape, h["max_preconditioner_dim"])]
            self.state.append(st)

    def step(self, params, grads):
        h = self.h
        self.t += 1
        t = self.t
        beta1, beta2 = h["betas"]
        adam = h["grafting"] == "adam"
        gbeta2 = h["grafting_beta2"] if adam else 1.0
        gweight = 1 - gbeta2 if adam else 1.0
        fweight = 1.0 if beta2 == 1.0 else 1 - beta2
        refresh = (t % h["precondition_frequency"] == 0 and t > self.start) or t == self.start
        bc2 = 1.0 - beta2 ** t if h["use_bias_correction"] and beta2 < 1.0 else 1.0
        gbc2 = 1.0 - gbeta2 ** t if adam else 1.0
        for p, g0, st in zip(params, grads, self.state):
            g = -g0 if h["maximize"] else g0
            # _update_preconditioners: factor matrices (and inverse roots), then the grafting's
            for blk in st.get("blocks", []):
                gb = g[blk["index"]]
                for name, outer in (("L", gb @ gb.T), ("R", gb.T @ gb)):
                    if beta2 != 1.0:
                        blk[name] = blk[name] * beta2
                    blk[name] = blk[name] + fweight * outer
                    if refresh:
                        blk[name + "inv"] = inverse_root(blk[name] / bc2, h["eps"])
            if gbeta2 != 1.0:
                st["graft"] = st["graft"] * gbeta2
            st["graft"] = st["graft"] + gweight * g * g
            # _compute_filtered_grad_list
            if beta1 != 0.0:
                st["filtered"] = lerp(st["filtered"], g, 1 - beta1)
                gbar = st["filtered"] / (1.0 - beta1 * beta1 ** (t - 1)) if h["use_bias_correction"] else st["filtered"]
            else:
                gbar = g
            # _precondition_and_grafting
            grafted = gbar / (np.sqrt(st["graft"] / gbc2) + h["grafting_eps"])
            direction = grafted.copy()
            if "blocks" in st and t >= self.start:
                for blk in st["blocks"]:
                    ix = blk["index"]
                    pb = blk["Linv"] @ gbar[ix] @ blk["Rinv"]
                    direction[ix] = pb * (np.linalg.norm(grafted[ix]) / (np.linalg.norm(pb) + 1e-16))
            # _apply_weight_decay (decoupled: added to the direction), _apply_classic_momentum
            direction = direction + h["weight_decay"] * p
            if h["momentum"] != 0.0:
                st["momentum"] = st["momentum"] * h["momentum"] + direction
                direction = direction + h["momentum"] * st["momentum"] if h["nesterov"] else st["momentum"]
            p += -h["lr"] * direction


OPTIMIZERS = {"soap": Soap, "shampoo": Shampoo}

# ---- the 2-D functions (src/problems/functions2d.cpp), from a 1×2 matrix point -------------
FUNCTIONS = {
    "rosenbrock": (lambda x, y: np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]), (-1.5, 2.0)),
    "ravine": (lambda x, y: np.array([x / 10.0, 2.0 * y]), (-7.0, 2.0)),
    "booth": (lambda x, y: np.array([2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5), 4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)]),
              (-5.0, -5.0)),
}

FUNCTION_CASES = [
    ("soap", "rosenbrock", {"lr": 0.01}),
    ("soap", "ravine", {"lr": 0.1, "precondition_frequency": 3}),
    ("soap", "booth", {"lr": 0.05, "normalize_grads": True, "weight_decay": 0.0}),
    ("shampoo", "rosenbrock", {"lr": 0.01}),
    ("shampoo", "ravine", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("shampoo", "booth", {"lr": 0.05, "grafting": "adagrad", "precondition_frequency": 5, "weight_decay": 0.01}),
]

# Shapes whose first statistics have null spaces of at most one dimension: there the
# eigenvectors are unique up to sign, which SOAP's result does not depend on (a larger null
# space would let LAPACK pick any basis of it, and Adam in that basis is another run).
TENSOR_CASES = [
    ("soap", [[3, 4], [4], [5, 5]], {"lr": 0.01}),
    ("soap", [[6, 5], [2, 3, 5]], {"lr": 0.02, "precondition_frequency": 4, "betas": (0.9, 0.99)}),
    ("soap", [[2, 3, 5], [4, 12]], {"lr": 0.01, "merge_dims": True, "max_precond_dim": 6, "shampoo_beta": 0.9}),
    ("soap", [[4, 12], [2]], {"lr": 0.01, "max_precond_dim": 8, "precondition_1d": True, "correct_bias": False,
                              "maximize": True}),
    ("soap", [[7, 6]], {"lr": 0.003, "normalize_grads": True, "precondition_frequency": 1, "eps": 1e-6}),
    ("shampoo", [[3, 4], [4], [5, 5]], {"lr": 0.01}),
    # Refreshes every 4 steps: at step 3 the 1×4 block's R (three rank-one terms) would have a null
    # direction, which the gradients of steps 4 and 5 leave, and its eigenvalue — ε plus rounding
    # noise of 1e-16 of the largest, 1e-4 of ε = 1e-12 — would decide their step (docs: Shampoo).
    ("shampoo", [[9, 7], [5]], {"lr": 0.01, "max_preconditioner_dim": 4, "precondition_frequency": 4,
                                "weight_decay": 0.01}),
    ("shampoo", [[10, 3]], {"lr": 0.02, "max_preconditioner_dim": 4, "betas": (0.9, 0.999), "momentum": 0.5,
                            "start_preconditioning_step": 5, "precondition_frequency": 2}),
    ("shampoo", [[6, 8], [3]], {"lr": 0.01, "grafting": "adagrad", "betas": (0.0, 0.99), "eps": 1e-6,
                                "maximize": True, "use_bias_correction": False}),
    ("shampoo", [[5, 6]], {"lr": 0.01, "max_preconditioner_dim": 3, "momentum": 0.9, "nesterov": True,
                           "grafting_beta2": 0.99, "grafting_eps": 1e-8}),
]


def case_name(optimizer, what, hyper):
    return f"{optimizer}[{','.join(f'{k}={v}' for k, v in hyper.items())}]/{what}"


def jsonable(hyper):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in hyper.items()}


def main():
    cases = []
    for optimizer, fn, hyper in FUNCTION_CASES:
        grad, start = FUNCTIONS[fn]
        p = np.array([[start[0], start[1]]])
        opt = OPTIMIZERS[optimizer]([[1, 2]], **hyper)
        path = [p[0].tolist()]
        for _ in range(STEPS):
            opt.step([p], [grad(p[0, 0], p[0, 1]).reshape(1, 2)])
            path.append(p[0].tolist())
        cases.append(dict(name=case_name(optimizer, fn, hyper), optimizer=optimizer, function=fn, hyper=jsonable(hyper),
                          steps=STEPS, path=path))
    for index, (optimizer, shapes, hyper) in enumerate(TENSOR_CASES):
        seed = 0x50AB0000 + index
        params0, grads = inputs(seed, shapes)
        params = [np.array(t, dtype=np.float64).reshape(s) for t, s in zip(params0, shapes)]
        opt = OPTIMIZERS[optimizer](shapes, **hyper)
        after = {}
        for k in range(1, STEPS + 1):
            opt.step(params, [np.array(t).reshape(s) for t, s in zip(grads[k - 1], shapes)])
            if k in CHECKPOINTS:
                after[str(k)] = [p.reshape(-1).tolist() for p in params]
        cases.append(dict(name=case_name(optimizer, "x".join("(" + ",".join(map(str, s)) + ")" for s in shapes), hyper),
                          optimizer=optimizer, seed=seed, shapes=shapes, hyper=jsonable(hyper), steps=STEPS,
                          params_after=after))
    doc = dict(generator="tests/reference/preconditioned.py", numpy_version=np.__version__,
               references={"soap": "nikhilvyas/SOAP soap.py (a1e5535), float64",
                           "shampoo": "facebookresearch/optimizers DistributedShampoo (f606606), one process, "
                                      "optlab's subset, float64"},
               cases=cases)
    with open(os.path.join(HERE, "preconditioned.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
