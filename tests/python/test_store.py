# SPDX-License-Identifier: MIT
"""optlab.ParamStore: its views are the arena itself (no copies, writes go through), they keep
the store alive, the arenas never move under them, and every bad input is a clear exception."""

import gc

import numpy as np
import pytest

import optlab
from conftest import import_torch


def make_store(dtype="float32"):
    store = optlab.ParamStore(dtype)
    store.add("w", (3, 4))
    store.add("b", 4)
    store.add("s", ())
    return store


@pytest.mark.parametrize("dtype", ["float32", "float64", np.float32, np.dtype("float64")])
def test_views_are_the_arena_without_copies(dtype):
    store = make_store(dtype)
    assert store.dtype == np.dtype(dtype) and store.num_parameters == 17 and len(store) == 3
    assert store.names() == ["w", "b", "s"] and store.shape("w") == (3, 4) and store.shape("s") == ()
    assert [store.offset(n) for n in store.names()] == [0, 12, 16]
    w, b, s = store.param("w"), store.param("b"), store.param("s")
    assert (w.shape, b.shape, s.shape) == ((3, 4), (4,), ())
    assert w.dtype == np.dtype(dtype) and w.flags.c_contiguous and w.flags.writeable and not w.flags.owndata
    arena = store.params()
    assert arena.shape == (17,)
    # The views are windows of the one arena, back to back in the order added.
    item = arena.itemsize
    assert w.ctypes.data == arena.ctypes.data
    assert b.ctypes.data == arena.ctypes.data + 12 * item
    assert store.grads().ctypes.data != arena.ctypes.data
    assert arena.ctypes.data % 64 == 0  # a cache line
    w[1, 2] = 5
    b[:] = [1, 2, 3, 4]
    s[()] = 7
    assert arena[6] == 5 and list(arena[12:16]) == [1, 2, 3, 4] and arena[16] == 7
    assert store.param("w")[1, 2] == 5  # a second view sees the first's write
    g = store.grad("b")
    g += 2
    assert list(store.grads()[12:16]) == [2, 2, 2, 2]
    store.zero_grad()
    assert not store.grads().any() and list(g) == [0, 0, 0, 0]


def test_a_step_writes_into_the_views_taken_before_it():
    store = make_store("float64")
    w, gw = store.param("w"), store.grad("w")
    w[:] = 1.0
    gw[:] = 0.5
    opt = optlab.make_optimizer("sgd", store, lr=0.1)
    opt.step()
    assert np.all(w == 1.0 - 0.1 * 0.5)
    opt.zero_grad()
    assert not gw.any()


def test_views_keep_the_store_alive():
    store = make_store()
    w = store.param("w")
    view_of_view = w[1:, ::2]
    store.param("b")[:] = 3
    del store
    gc.collect()
    w[:] = 2.0  # the arena is still there: the view holds it
    assert view_of_view.sum() == 2.0 * 4
    assert w.base is not None


def test_an_optimizer_keeps_its_store_alive():
    store = make_store()
    opt = optlab.make_optimizer("sgd", store, lr=1.0)
    g = opt.store.grad("w")
    assert opt.store is store
    del store
    gc.collect()
    g[:] = 1
    opt.step()
    assert np.all(opt.store.param("w") == -1)


def test_adding_is_refused_while_views_or_optimizers_hold_the_arenas():
    store = make_store()
    assert store.pins == 0
    w = store.param("w")
    part = w[0]
    assert store.pins == 1
    with pytest.raises(optlab.Error, match=r"cannot add tensor 'c': the arenas are pinned \(1 holder"):
        store.add("c", 3)
    assert store.names() == ["w", "b", "s"]  # nothing changed
    del w
    assert store.pins == 1  # `part` still points into the arena
    del part
    gc.collect()
    assert store.pins == 0
    store.add("c", 3)  # no holders: the arena may move
    opt = optlab.make_optimizer("adam", store)
    with pytest.raises(RuntimeError, match="pinned"):
        store.add("d", 1)
    del opt
    gc.collect()
    store.add("d", 1)
    assert store.num_parameters == 21


def test_views_can_be_shared_with_torch():
    torch = import_torch()
    store = make_store()
    t = torch.from_numpy(store.param("w"))
    t.add_(3.0)
    assert np.all(store.param("w") == 3.0)
    del store
    gc.collect()
    t.mul_(2)  # the tensor keeps the NumPy view, which keeps the store
    assert float(t.sum()) == 6.0 * 12


def test_set_param_and_set_grad_copy_exactly_matching_arrays():
    store = make_store()
    store.set_param("w", np.arange(12, dtype=np.float32).reshape(3, 4))
    store.set_grad("b", np.full(4, 0.5, dtype=np.float32))
    store.set_param("s", np.array(9, dtype=np.float32))
    assert list(store.params()[:12]) == list(range(12)) and store.param("s") == 9
    assert list(store.grad("b")) == [0.5] * 4
    store.set_param("b", store.param("w")[0])  # a row of the arena itself: overlapping is fine
    assert list(store.param("b")) == [0, 1, 2, 3]


@pytest.mark.parametrize("values, error, match", [
    (np.zeros((3, 4)), TypeError, r"set_param\('w'\): expected a float32 array, got float64 \(convert it"),
    (np.zeros((3, 4), dtype=np.int32), TypeError, r"expected a float32 array, got int32"),
    (np.zeros((4, 3), dtype=np.float32), ValueError, r"the array's shape \(4, 3\) is not the tensor's \(3, 4\)"),
    (np.zeros(12, dtype=np.float32), ValueError, r"shape \(12,\) is not the tensor's \(3, 4\)"),
    (np.zeros((4, 3), dtype=np.float32).T, ValueError, r"not C-contiguous.*ascontiguousarray"),
    (np.zeros((3, 8), dtype=np.float32)[:, ::2], ValueError, r"not C-contiguous"),
    ([[0.0] * 4] * 3, TypeError, r"expected a NumPy array, got list"),
])
def test_set_param_refuses_arrays_that_are_not_the_tensor(values, error, match):
    store = make_store()
    with pytest.raises(error, match=match):
        store.set_param("w", values)
    assert not store.params().any()


@pytest.mark.parametrize("call, error, match", [
    (lambda s: s.param("nope"), KeyError, r"^ParamStore: no tensor named 'nope'$"),
    (lambda s: s.grad("nope"), KeyError, r"no tensor named 'nope'"),
    (lambda s: s.shape("nope"), KeyError, r"no tensor named 'nope'"),
    (lambda s: s.set_grad("nope", np.zeros(1, np.float32)), KeyError, r"no tensor named 'nope'"),
    (lambda s: s.add("w", 3), ValueError, r"tensor 'w' is already in the store"),
    (lambda s: s.add("", 3), ValueError, r"a tensor name must not be empty"),
    (lambda s: s.add("x", (3, -1)), ValueError, r"add\('x'\): dimension -1 is negative"),
    (lambda s: s.add("x", (3, 1.5)), TypeError, r"a shape is integers, got float"),
    (lambda s: s.add("x", (1 << 40, 1 << 40)), ValueError, r"tensor 'x' is too large"),
    (lambda s: s.param(3), TypeError, r"incompatible function arguments"),
])
def test_bad_names_and_shapes_raise_clear_exceptions(call, error, match):
    store = make_store()
    with pytest.raises(error, match=match):
        call(store)


def test_not_found_is_a_key_error_and_an_optlab_error():
    with pytest.raises(optlab.NotFound) as caught:
        make_store().param("nope")
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, optlab.InvalidArgument)
    assert str(caught.value) == "ParamStore: no tensor named 'nope'"  # not KeyError's quoted repr


@pytest.mark.parametrize("dtype", ["int32", "float16", "complex128"])
def test_only_float32_and_float64_stores(dtype):
    with pytest.raises(TypeError, match=f"dtype must be float32 or float64, got {dtype}"):
        optlab.ParamStore(dtype)


def test_repr():
    assert repr(make_store("float64")) == "<optlab.ParamStore float64: 3 tensors, 17 parameters>"
