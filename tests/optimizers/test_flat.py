"""The flat-buffer path gives bit-for-bit the per-variable results, and falls back safely."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import optimizers
from tests.optimizers.helpers import problem, run_deepnum

CONFIGS = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adagrad", {}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "clipnorm": 0.5}),
    ("Adam", {"global_clipnorm": 1.0, "use_ema": True, "ema_overwrite_frequency": 2}),
    ("Adam", {"clipvalue": 0.2, "gradient_accumulation_steps": 2, "loss_scale_factor": 4.0}),
    ("AdamW", {"weight_decay": 0.1}),
    ("Adamax", {}),
    ("Nadam", {"use_ema": True}),
    ("Lion", {"gradient_accumulation_steps": 3}),
]


def _assert_identical(a_vars, a_opt, b_vars, b_opt):
    for x, y in zip(a_vars + a_opt.variables, b_vars + b_opt.variables):
        np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=x.name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_flat_update_equals_per_variable_update(name, kwargs, dtype):
    weights, grads = problem(7, scale=2.0)
    weights = [w.astype(dtype) for w in weights]
    grads = [[g.astype(dtype) for g in step] for step in grads]
    kwargs = {"learning_rate": 0.1, **kwargs}
    a_vars, a_opt = run_deepnum(getattr(optimizers, name)(**kwargs), weights, grads, flat=False)
    b_vars, b_opt = run_deepnum(getattr(optimizers, name)(**kwargs), weights, grads, flat=True)
    assert a_opt._flat is None and b_opt._flat is not None
    assert all(v.dtype == np.dtype(dtype) for v in b_vars + b_opt.variables[2:])
    _assert_identical(a_vars, a_opt, b_vars, b_opt)


def test_variables_and_slots_are_views_of_flat_buffers():
    weights, grads = problem(2)
    variables, opt = run_deepnum(optimizers.Adam(), weights, grads, flat=True)
    flat = opt._flat
    for variable, view in zip(variables, flat.param_views):
        assert variable.data is view and np.shares_memory(variable.data, flat.param)
    momentum = opt.slot("momentum", flat.variable)
    for variable in variables:
        assert np.shares_memory(opt.slot("momentum", variable), momentum)
    # Saving/loading by variable writes through to the flat buffers.
    opt.variables[2].assign(np.full((4, 3), 7.0))
    assert np.all(momentum[:12] == 7.0)


def test_slots_share_one_buffer_even_without_flat_parameters():
    weights, grads = problem(2)
    variables, opt = run_deepnum(optimizers.Adam(), weights, grads, flat=False)
    first, second = opt.slot("velocity", variables[0]), opt.slot("velocity", variables[1])
    assert first.base is not None and first.base is second.base
    assert all(v.data.base is None for v in variables)  # parameters are left alone


def test_mixed_dtypes_fall_back_to_separate_slots():
    weights, grads = problem(3)
    weights[1], grads[0][1] = weights[1].astype("float64"), grads[0][1].astype("float64")
    variables, opt = run_deepnum(optimizers.Adam(learning_rate=0.1), weights, grads, flat=True)
    assert opt._layout is None and opt._flat is None
    assert opt.slot("momentum", variables[1]).dtype == np.float64


def test_missing_gradient_uses_per_variable_path_on_the_same_storage():
    weights, grads = problem(4)
    grads[2][0] = None
    with pytest.warns(UserWarning):
        a = run_deepnum(optimizers.Adam(learning_rate=0.1), weights, grads, flat=False)
    with pytest.warns(UserWarning):
        b = run_deepnum(optimizers.Adam(learning_rate=0.1), weights, grads, flat=True)
    _assert_identical(*a, *b)
    assert b[1]._flat is not None


def test_gradients_in_another_order_are_matched_by_variable():
    weights, grads = problem(3)
    a_vars, a_opt = run_deepnum(optimizers.RMSprop(learning_rate=0.1), weights, grads, flat=True)
    b_opt = optimizers.RMSprop(learning_rate=0.1)
    b_opt.flat_parameters = True
    b_vars = [dn.Variable(w.copy(), name=n) for w, n in zip(weights, ["kernel", "bias", "cube"])]
    b_opt.build(b_vars)
    for step in grads:
        b_opt.apply(step[::-1], b_vars[::-1])
    _assert_identical(a_vars, a_opt, b_vars, b_opt)


def test_replaced_variable_storage_disables_the_flat_path():
    weights, grads = problem(4)
    a_vars, a_opt = run_deepnum(optimizers.Adam(learning_rate=0.1), weights, grads, flat=False)
    b_vars, b_opt = run_deepnum(optimizers.Adam(learning_rate=0.1), weights, grads[:2], flat=True)
    b_vars[0].data = b_vars[0].data.copy()  # e.g. a loader that rebinds instead of assigning
    for step in grads[2:]:
        b_opt.apply(step, b_vars)
    assert b_opt._flat is None
    _assert_identical(a_vars, a_opt, b_vars, b_opt)


def test_gradients_written_into_gradient_views_skip_the_gather():
    weights, grads = problem(3)
    a_vars, a_opt = run_deepnum(optimizers.Adam(learning_rate=0.1), weights, grads, flat=True)
    b_vars, b_opt = run_deepnum(optimizers.Adam(learning_rate=0.1), weights, [], flat=True)
    assert b_opt.gradient_views is None  # not built yet
    b_opt.build(b_vars)
    views = b_opt.gradient_views
    for step in grads:
        for view, g in zip(views, step):
            view[...] = g
        b_opt.apply(views, b_vars)
    _assert_identical(a_vars, a_opt, b_vars, b_opt)


def test_update_never_modifies_the_callers_gradients():
    weights, grads = problem(3, scale=5.0)
    originals = [[g.copy() for g in step] for step in grads]
    for flat in (False, True):
        opt = optimizers.Adam(global_clipnorm=1.0, loss_scale_factor=2.0)
        run_deepnum(opt, weights, grads, flat=flat)
        for step, original in zip(grads, originals):
            for g, o in zip(step, original):
                np.testing.assert_array_equal(g, o)


def test_a_variable_shared_with_another_optimizer_is_not_adopted_twice():
    weights, grads = problem(2)
    variables, first = run_deepnum(optimizers.SGD(), weights, grads, flat=True)
    second = optimizers.SGD()
    second.flat_parameters = True
    second.build(variables)
    assert first._flat is not None and second._flat is None
