#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Forward and backward of the image, embedding and loss layers as PyTorch computes them, on
fixed weights and inputs: tests/reference/torch_layers.json, which layers_reference_test
compares with optlab's layers. Run with Debian's python3-torch (1.13): /usr/bin/python3 layers.py

Every tensor is written in torch's own layout (NCHW images, Conv2d weights (C', C, k, k),
Linear weights (out, in)); the test converts to optlab's (channels-last images, (k·k·C, C')
and (in, out) weights). Each case runs in float64 and in float32 from the same numbers
(drawn in float64, then rounded).

A case is a torch.nn.Sequential on a batch x; its loss is either a model loss (cross-entropy
on labels, binary cross-entropy with logits on targets) or, for a single layer, Σ y·r with a
fixed random r, so backward starts from dL/dy = r. Recorded: the output y, the loss, the
gradient of every parameter and of x (where x is not token ids).
"""
import json
import pathlib

import torch
from torch import nn


def conv_stack():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(6 * 2 * 2, 5))


class EmbeddingMlp(nn.Module):
    """Bengio et al.'s model on a context of 3 tokens, as the char-LM problem builds it."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(7, 3)
        self.hidden = nn.Linear(9, 8)
        self.out = nn.Linear(8, 7)

    def forward(self, ids):
        e = self.embedding(ids).view(ids.shape[0], -1)
        return self.out(torch.tanh(self.hidden(e)))


# name, model, input shape (or "ids"), loss ("sum_r", "cross_entropy", "bce")
CASES = [
    ("conv_k3_s1_p1", lambda: nn.Conv2d(3, 4, 3, stride=1, padding=1), (2, 3, 5, 6), "sum_r"),
    ("conv_k2_s2_p0", lambda: nn.Conv2d(2, 3, 2, stride=2, padding=0), (2, 2, 6, 5), "sum_r"),
    ("conv_k3_s2_p1", lambda: nn.Conv2d(2, 5, 3, stride=2, padding=1), (3, 2, 7, 6), "sum_r"),
    ("maxpool_k2_s2", lambda: nn.MaxPool2d(2, 2), (2, 3, 6, 4), "sum_r"),
    ("maxpool_k3_s2", lambda: nn.MaxPool2d(3, 2), (2, 2, 7, 7), "sum_r"),
    ("avgpool_k2_s2", lambda: nn.AvgPool2d(2, 2), (2, 3, 6, 4), "sum_r"),
    ("avgpool_k3_s1", lambda: nn.AvgPool2d(3, 1), (2, 2, 5, 6), "sum_r"),
    ("flatten", lambda: nn.Flatten(), (2, 3, 4, 5), "sum_r"),
    ("embedding", lambda: nn.Embedding(7, 4), "ids", "sum_r"),
    ("linear_bce", lambda: nn.Linear(4, 5), (3, 4), "bce"),
    ("conv_stack", conv_stack, (3, 1, 8, 8), "cross_entropy"),
    ("embedding_mlp", EmbeddingMlp, "ids", "cross_entropy"),
]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run(name, make, shape, loss_kind, dtype):
    torch.manual_seed(sum(map(ord, name)))  # the same numbers, drawn in float64, for both types
    model = make().to(torch.float64)
    with torch.no_grad():
        for p in model.parameters():  # away from torch's small default init: general position
            p.copy_(torch.randn_like(p) * 0.5)
    model = model.to(dtype)
    if shape == "ids":
        x = torch.tensor([[1, 4, 4], [0, 6, 2], [3, 3, 3], [5, 1, 0]], dtype=torch.long)
        if name == "embedding":
            x = x.reshape(-1)
    else:
        x = torch.randn(shape, dtype=torch.float64).to(dtype).requires_grad_()
    y = model(x)
    if name == "embedding":
        y = y.reshape(4, -1)  # the ids of a row side by side, as optlab's layer writes them
    case = {"name": name, "dtype": str(dtype).replace("torch.", ""), "loss_kind": loss_kind,
            "x_shape": list(x.shape), "x": flat(x), "y_shape": list(y.shape), "y": flat(y),
            "params": {n: {"shape": list(p.shape), "value": flat(p)} for n, p in model.named_parameters()}}
    if loss_kind == "sum_r":
        r = torch.randn(y.shape, dtype=torch.float64).to(dtype)
        loss = (y * r).sum()
        case["r"] = flat(r)
    elif loss_kind == "cross_entropy":
        labels = torch.arange(y.shape[0]) * 3 % y.shape[1]
        loss = nn.functional.cross_entropy(y, labels)
        case["labels"] = labels.tolist()
    else:
        targets = torch.rand(y.shape, dtype=torch.float64).to(dtype)
        loss = nn.functional.binary_cross_entropy_with_logits(y, targets)
        case["targets"] = flat(targets)
    loss.backward()
    case["loss"] = float(loss)
    case["grads"] = {n: flat(p.grad) for n, p in model.named_parameters()}
    if x.dtype != torch.long:
        case["x_grad"] = flat(x.grad)
    return case


def main():
    cases = [run(name, make, shape, loss, dtype) for name, make, shape, loss in CASES
             for dtype in (torch.float64, torch.float32)]
    out = pathlib.Path(__file__).with_name("torch_layers.json")
    out.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, separators=(",", ":")) + "\n")
    print(f"{out}: {len(cases)} cases")


if __name__ == "__main__":
    main()
