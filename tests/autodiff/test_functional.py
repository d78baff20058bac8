"""functional_call against torch.func.functional_call (values, gradients with respect to the given
weights, the model's own weights untouched) and Model.stateless_call against Keras 3's (outputs,
updated BatchNormalization statistics, losses, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

torch = reference("torch")
RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 3)).astype("float32").astype("float64")  # exact through Input


def _model() -> dn.Model:
    return dn.Sequential(
        [
            dn.Input((3,)),
            dn.layers.Dense(4, activation="tanh", name="a", dtype="float64"),
            dn.layers.Dense(2, name="b", dtype="float64"),
        ]
    )


def _torch_twin(model: dn.Model):
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 4, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2, dtype=torch.float64),
    )
    ours = model.get_weights()
    with torch.no_grad():
        for layer, (k, b) in zip((net[0], net[2]), (ours[0:2], ours[2:4])):
            layer.weight.copy_(torch.tensor(k.T))
            layer.bias.copy_(torch.tensor(b))
    return net


def _new_weights() -> dict[str, np.ndarray]:
    shapes = {"a/kernel": (3, 4), "a/bias": (4,), "b/kernel": (4, 2), "b/bias": (2,)}
    return {k: RNG.standard_normal(s) for k, s in shapes.items()}


def _torch_names(weights: dict) -> dict:
    layer = {"a": "0", "b": "2"}
    out = {}
    for path, value in weights.items():
        name, kind = path.split("/")
        t = torch.tensor(value.T if kind == "kernel" else value)
        out[f"{layer[name]}.{'weight' if kind == 'kernel' else 'bias'}"] = t
    return out


def test_values_and_gradients_against_torch_and_the_model_untouched():
    model = _model()
    net = _torch_twin(model)
    before = [v.data for v in model.weights]
    values, flags = [a.copy() for a in before], [v.requires_grad for v in model.weights]
    weights = _new_weights()

    def loss(w):
        return (dn.functional_call(model, w, X) ** 2).sum()

    def torch_loss(w):
        return (torch.func.functional_call(net, w, (torch.tensor(X),)) ** 2).sum()

    got = dn.functional_call(model, weights, X).numpy()
    want = torch.func.functional_call(net, _torch_names(weights), (torch.tensor(X),))
    np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12)
    grads = dn.grad(loss)(weights)
    want_grads = torch.func.grad(torch_loss)(_torch_names(weights))
    for path, g in grads.items():
        w = want_grads[_torch_names({path: weights[path]}).popitem()[0]].numpy()
        np.testing.assert_allclose(g.numpy(), w.T if path.endswith("kernel") else w, rtol=1e-10)
    for var, array, value, flag in zip(model.weights, before, values, flags):
        assert var.data is array and var.requires_grad == flag
        np.testing.assert_array_equal(var.numpy(), value)
    np.testing.assert_allclose(model(X).numpy(), net(torch.tensor(X)).detach().numpy(), 1e-12)


def test_a_partial_dict_keeps_the_other_weights():
    model = _model()
    net = _torch_twin(model)
    kernel = _new_weights()["b/kernel"]
    got = dn.functional_call(model, {"b/kernel": kernel}, X).numpy()
    want = torch.func.functional_call(net, {"2.weight": torch.tensor(kernel.T)}, torch.tensor(X))
    np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "weights, kwargs, message",
    [
        ({"c/kernel": np.zeros((3, 4))}, {}, r"\['c/kernel'\] name no variable"),
        ({"a/kernel": np.zeros((4, 3))}, {}, r"'a/kernel' has shape \(4, 3\)"),
        ({"a/kernel": np.zeros((3, 4))}, {"strict": True}, r"no value given for \['a/bias'"),
        ([np.zeros((3, 4))], {}, "must be a dict"),
    ],
)
def test_functional_call_errors(weights, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        dn.functional_call(_model(), weights, X, **kwargs)


def _bn_models():
    keras = reference("keras")
    x = RNG.standard_normal((6, 3)).astype("float32")
    models = []
    for m in (dn, keras):
        reg = m.regularizers.L2(0.1)
        models.append(
            m.Sequential(
                [
                    m.Input((3,)),
                    m.layers.Dense(4, activity_regularizer=reg),
                    m.layers.BatchNormalization(momentum=0.5),
                    m.layers.Dense(1),
                ]
            )
        )
    models[1].set_weights(models[0].get_weights())
    return models, x


def _np(t):
    return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)


def test_stateless_call_against_keras():
    (ours, theirs), x = _bn_models()
    trainable = [RNG.standard_normal(v.shape).astype("float32") for v in ours.trainable_variables]
    state = [v.numpy() + 0.5 for v in ours.non_trainable_variables]
    before = [v.numpy().copy() for v in ours.weights]
    out, new_state, losses = ours.stateless_call(
        trainable, state, x, training=True, return_losses=True
    )
    k_out, k_state, k_losses = theirs.stateless_call(
        trainable, state, x, training=True, return_losses=True
    )
    np.testing.assert_allclose(out.numpy(), _np(k_out), rtol=1e-5, atol=1e-6)
    for a, b in zip(new_state, k_state):  # the moving statistics after one update
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-6)
    assert not np.allclose(_np(new_state[0]), state[0])
    np.testing.assert_allclose([float(v) for v in losses], [float(_np(v)) for v in k_losses], 1e-5)
    for var, value in zip(ours.weights, before):
        np.testing.assert_array_equal(var.numpy(), value)


def test_stateless_call_errors_as_keras():
    (ours, theirs), x = _bn_models()
    for model in (ours, theirs):
        with pytest.raises(ValueError, match="must be a list of tensors corresponding 1:1"):
            model.stateless_call([], [v.numpy() for v in ours.non_trainable_variables], x)
