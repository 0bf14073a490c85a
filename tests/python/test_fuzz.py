# SPDX-License-Identifier: MIT
"""Bad input from Python, generated: the Python side of the bad-input catalogue.

fuzz/ drives the C++ readers (IDX, checkpoints, the CLI's arguments) with libFuzzer; here
Hypothesis (Debian's python3-hypothesis) drives the package's entry points with what a Python
caller can hand them: any registry name or a wrong one, hyper-parameters of the right names and
wrong ones with values of every type (NaN, infinities, huge and negative numbers, strings,
tuples of the wrong length, None, lists, arrays), shapes that are not shapes, arrays of every
dtype, layout and size, state files of random bytes, state dicts changed at random.

The contract each example checks: the call returns, or raises one of the exceptions the docs
name (an optlab.Error — InvalidArgument is a ValueError, NotFound a KeyError, IoError an
OSError — or TypeError, ValueError, KeyError, OverflowError) with a message; never a crash,
a SystemError, an exception of another kind, or a store or optimizer left unusable. Under
.ci/run's ASan build the same examples also check the memory behind them.
"""

import math
import os
import tempfile

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import optlab  # noqa: E402

from conftest import OPTIMIZERS, UNDER_SANITIZER  # noqa: E402

# The exceptions the docs promise for bad input (docs/python.md#errors).
EXPECTED = (optlab.Error, TypeError, ValueError, KeyError, OverflowError)
# Few examples: the suite's time is spent where it finds things (.ci/run's budget), more under
# OPTLAB_FUZZ_EXAMPLES for a longer hunt.
EXAMPLES = int(os.environ.get("OPTLAB_FUZZ_EXAMPLES", "60" if UNDER_SANITIZER else "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

HYPER_NAMES = sorted({k for o in optlab.optimizers() for c in o["defaults"].values() for k in c})
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, 0.5, 0.999, 2.0, 5e-324]),
    st.integers(min_value=-2**70, max_value=2**70),
    st.booleans())
values = st.one_of(
    numbers,
    st.none(),
    st.text(max_size=8),
    st.tuples(numbers), st.tuples(numbers, numbers), st.tuples(numbers, numbers, numbers),
    st.tuples(numbers, numbers, numbers, numbers),
    st.lists(numbers, max_size=4),
    st.tuples(st.none(), numbers),
    st.builds(lambda n: np.full(n, 0.5), st.integers(0, 3)),
    st.builds(object))
names = st.one_of(st.sampled_from(OPTIMIZERS), st.text(max_size=12))
hyper = st.dictionaries(st.one_of(st.sampled_from(HYPER_NAMES), st.text(min_size=1, max_size=8)),
                        values, max_size=4)
# (Sizes that fit in the machine are small here: a valid 10 GB tensor would be made, and zeroed.)
huge = st.sampled_from([2**36, 2**40, 2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -2**63, -1])
shapes = st.one_of(
    st.integers(min_value=-3, max_value=40), huge,
    st.tuples(), st.lists(st.integers(min_value=-2, max_value=6), max_size=4).map(tuple),
    st.tuples(st.integers(1, 3), huge), st.tuples(huge, huge),
    st.tuples(st.floats(allow_nan=True), st.integers(1, 3)),
    st.text(max_size=4), st.none())
dtypes = st.sampled_from([np.float32, np.float64, np.float16, np.int32, np.int64, np.complex64, np.bool_,
                          np.uint8, object])


REFUSED = object()  # what expect_clear returns for a call that raised


def expect_clear(call, *args, **kwargs):
    """Runs call and returns its result; or, where it raises one of the documented exceptions
    with a message, REFUSED. Any other exception fails the test."""
    try:
        return call(*args, **kwargs)
    except EXPECTED as e:
        assert str(e), f"{type(e).__name__} without a message"
        return REFUSED


def small_store(dtype="float32"):
    store = optlab.ParamStore(dtype)
    store.add("w", (3, 4))
    store.add("b", 4)
    store.params()[:] = np.linspace(-1, 1, store.num_parameters)
    return store


@FUZZ
@given(name=names, hyper=hyper, convention=st.sampled_from(["torch", "keras", "book", "Torch", ""]),
       dtype=st.sampled_from(["float32", "float64"]),
       grad=st.sampled_from([0.1, 0.0, -1e30, math.nan, math.inf, 1e-45]))
def test_make_optimizer_and_a_step_take_any_hyper_parameters(name, hyper, convention, dtype, grad):
    store = small_store(dtype)
    opt = expect_clear(optlab.make_optimizer, name, store, convention, **hyper)
    if opt is REFUSED:
        return
    # A valid optimizer steps any gradient, finite or not, without crashing (a NaN gradient is
    # the caller's: the library's NonFiniteError is the trainer's, not the step's).
    store.grads()[:] = grad
    expect_clear(opt.step)
    opt.zero_grad()
    assert not store.grads().any()
    # The hyper-parameters can be set again, to anything: refused whole or taken.
    before = opt.hyper(0)
    if expect_clear(opt.set_hyper, 0, **hyper) is REFUSED:
        assert opt.hyper(0) == before or any(map(math.isnan, (v for v in before.values() if isinstance(v, float))))
    expect_clear(opt.step)
    assert set(opt.hyper(0)) == set(before)


@FUZZ
@given(function=st.one_of(st.sampled_from([f["name"] for f in optlab.functions()]), st.text(max_size=8)),
       optimizer=names, lr=values, steps=st.one_of(st.integers(-5, 60), st.integers(-2**63, 2**63 - 1)),
       start=values, convention=st.sampled_from(["torch", "keras", "book", "nope"]), hyper=hyper,
       lookahead=st.one_of(st.none(), values), ema=st.one_of(st.none(), values),
       swa_start=st.one_of(st.none(), st.integers(-3, 40), values), swa_lr=st.one_of(st.none(), values))
def test_trajectory_takes_any_arguments(function, optimizer, lr, steps, start, convention, hyper, lookahead, ema,
                                        swa_start, swa_lr):
    hyper.pop("lr", None)
    # Paths of millions of steps are valid and slow: keep the valid ones short.
    if 100 < steps <= 100_000_000:
        steps = 100
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a diverging path warns, as documented
        rows = expect_clear(optlab.trajectory, function=function, optimizer=optimizer, lr=lr, steps=steps,
                            start=start, convention=convention, lookahead=lookahead, ema=ema,
                            swa_start=swa_start, swa_lr=swa_lr, **hyper)
    if rows is not REFUSED:
        assert rows.ndim == 2 and rows.shape[1] == 4 and 1 <= rows.shape[0] <= steps + 1


@FUZZ
@given(adds=st.lists(st.tuples(st.one_of(st.text(max_size=6), st.sampled_from(["w", "w", ""])), shapes),
                     max_size=5),
       dtype=st.one_of(st.sampled_from(["float32", "float64"]), st.text(max_size=8)))
def test_a_store_takes_any_names_and_shapes(adds, dtype):
    store = expect_clear(optlab.ParamStore, dtype)
    if store is REFUSED:
        return
    for name, shape in adds:
        expect_clear(store.add, name, shape)
    # Whatever was refused, the store holds what was added and its views cover the arena.
    total = sum(int(np.prod(store.shape(n), dtype=np.int64)) for n in store.names())
    assert total == store.num_parameters == store.params().size == store.grads().size
    for n in store.names():
        assert store.param(n).shape == tuple(store.shape(n))


@FUZZ
@given(dtype=dtypes, shape=st.lists(st.integers(0, 5), max_size=3).map(tuple),
       transpose=st.booleans(), step=st.sampled_from([1, 2]), which=st.sampled_from(["w", "b", "nope"]),
       setter=st.sampled_from(["set_param", "set_grad"]))
def test_set_param_and_set_grad_take_any_array(dtype, shape, transpose, step, which, setter):
    store = small_store()
    before = store.params().copy()
    array = np.ones(tuple(s * step for s in shape), dtype=dtype)
    if step > 1 and shape:
        array = array[tuple(slice(None, None, step) for _ in shape)]
    if transpose:
        array = array.T
    exact = (which in store and array.dtype == np.float32 and array.shape == tuple(store.shape(which))
             and array.flags.c_contiguous)
    done = expect_clear(getattr(store, setter), which, array)
    assert (done is not REFUSED) == exact, "taken: only an array that is exactly the tensor"
    if done is REFUSED:
        np.testing.assert_array_equal(store.params(), before)  # refused whole: nothing written


@FUZZ
@given(data=st.binary(max_size=600), prefix=st.sampled_from([b"", b"\x40\x00\x00\x00\x00\x00\x00\x00{",
                                                            b"\xff\xff\xff\xff\xff\xff\xff\x7f"]),
       name=st.sampled_from(["adam", "sgd", "adafactor", "lion"]))
def test_loading_any_bytes_as_a_state_file_is_refused_cleanly(data, prefix, name):
    store = small_store()
    opt = optlab.make_optimizer(name, store)
    store.grads()[:] = 0.1
    opt.step()
    params, state = store.params().copy(), opt.state_dict()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "state.safetensors")
        with open(path, "wb") as f:
            f.write(prefix + data)
        if expect_clear(opt.load, path) is REFUSED:
            # Refused: the optimizer and its parameters are as they were, and it still steps.
            np.testing.assert_array_equal(store.params(), params)
            assert opt.step_count(0) == state["groups"][0]["step"]
    opt.step()


def mutate(value, choice):
    """One random change of a state dict's value: another type, shape, length or number."""
    if isinstance(value, dict):
        return {} if choice == 0 else {**value, "extra": choice}
    if isinstance(value, list):
        return value[:-1] if choice == 0 else value + value[-1:] if value else [choice]
    if isinstance(value, np.ndarray):
        return [value.ravel()[:-1], value.astype(np.float16), value.T.copy() * math.nan, value.reshape(-1)][choice % 4]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [-1, math.nan, 2**70, "x"][choice % 4]
    return [None, 3, "adam", (1,)][choice % 4]


def paths(value, prefix=()):
    """Every path of keys and indexes into a nested dict/list."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


@FUZZ
@given(name=st.sampled_from(["adam", "sgd", "adafactor", "lion", "muon", "schedule-free-adamw"]),
       pick=st.integers(0, 10_000), choice=st.integers(0, 3))
def test_load_state_dict_refuses_any_change_cleanly(name, pick, choice):
    store = optlab.ParamStore("float32")
    store.add("w", (3, 4))
    opt = optlab.make_optimizer(name, store)
    store.grads()[:] = 0.1
    opt.step()
    state = opt.state_dict()
    every = list(paths(state))[1:]
    where = every[pick % len(every)]
    parent = state
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = mutate(parent[where[-1]], choice)
    params = store.params().copy()
    if expect_clear(opt.load_state_dict, state) is REFUSED:
        np.testing.assert_array_equal(store.params(), params)
    opt.train()  # (a state dict taken whole may have said evaluation mode)
    expect_clear(opt.step)  # usable, whatever was refused or taken
