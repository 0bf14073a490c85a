# SPDX-License-Identifier: MIT
"""What optlab.torch takes from the binding, without torch (so under the sanitizers too):
Optimizer.step_groups, which steps the groups whose flag is set, as torch skips a parameter
whose .grad is None, and refuses what it cannot do with the library's messages."""

import numpy as np
import pytest

import optlab
from conftest import OPTIMIZERS, assert_same_bits


def store_of(dtype="float64"):
    store = optlab.ParamStore(dtype)
    store.add("a", (3, 2))
    store.add("b", (4, 2))
    store.params()[:] = np.linspace(-1.0, 1.0, store.num_parameters)
    return store


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_groups_leaves_out_the_groups_without_their_flag(name):
    store, alone = store_of(), store_of()
    opt = optlab.make_optimizer(name, store, groups=[{"params": ["a"]}, {"params": ["b"]}])
    only_a = optlab.make_optimizer(name, alone, groups=[{"params": ["a"]}])
    before = store.param("b").copy()
    for step in range(3):
        store.grads()[:] = alone.grads()[:] = 0.1 * (step + 1)
        opt.step_groups([True, False])
        only_a.step()
    assert_same_bits(store.param("a"), alone.param("a"))
    assert_same_bits(store.param("b"), before)
    assert (opt.step_count(0), opt.step_count(1)) == (3, 0)
    opt.step_groups([True, True])  # every flag: step()
    assert (opt.step_count(0), opt.step_count(1)) == (4, 1)


def test_step_groups_refuses_the_wrong_count_and_wrappers():
    store = store_of()
    opt = optlab.make_optimizer("adam", store, groups=[{"params": ["a"]}, {"params": ["b"]}])
    with pytest.raises(ValueError, match="adam: step_groups: 3 flags for 2 groups"):
        opt.step_groups([True, False, True])
    with pytest.raises(TypeError):
        opt.step_groups("yes")
    wrapped = optlab.make_optimizer("adam", store, groups=[{"params": ["a"]}, {"params": ["b"]}], lookahead="5,0.5")
    with pytest.raises(ValueError, match="adam\\+lookahead: steps all its groups at once; it cannot leave some out"):
        wrapped.step_groups([True, False])
    wrapped.step_groups([True, True])
    assert wrapped.step_count(1) == 1
    opt.eval()
    with pytest.raises(optlab.Error, match="step\\(\\) in evaluation mode"):
        opt.step_groups([False, True])
