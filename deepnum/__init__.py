"""deepnum: a deep-learning framework from first principles.

Tensors and automatic differentiation to any order on NumPy (CPU) and CuPy (GPU), with the
Keras 3 API on top: ``import deepnum as keras``.
"""

from deepnum import (
    activations,
    backend,
    config,
    constraints,
    initializers,
    ops,
    regularizers,
    utils,
)
from deepnum.autodiff import (
    Function,
    GradientCheckError,
    GradientTape,
    Tensor,
    check_grad,
    enable_grad,
    grad,
    hessian,
    hvp,
    is_grad_enabled,
    jacobian,
    jacrev,
    jvp,
    no_grad,
    numerical_diff,
    numerical_grad,
    numerical_hessian,
    numerical_jacobian,
    set_grad_enabled,
    tensor,
    Variable,
    value_and_grad,
    vjp,
)

from deepnum import (  # noqa: E402 - these build on the names above
    callbacks,
    cluster,
    data,
    datasets,
    decomposition,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    onnx,
    plot,
    saving,
)
from deepnum import distributed  # noqa: E402 - cheap: mpi4py is imported by init() only
from deepnum import tuners  # noqa: E402 - cheap: Optuna is imported when a tuner is built
from deepnum.layers import Layer  # noqa: E402
from deepnum.losses import Loss  # noqa: E402
from deepnum.metrics import Metric  # noqa: E402
from deepnum.models import Input, KerasTensor, Model, Sequential  # noqa: E402
from deepnum.optimizers import Optimizer  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Function",
    "Input",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Optimizer",
    "Model",
    "Sequential",
    "activations",
    "callbacks",
    "cluster",
    "decomposition",
    "onnx",
    "plot",
    "constraints",
    "data",
    "datasets",
    "distributed",
    "losses",
    "metrics",
    "optimizers",
    "initializers",
    "layers",
    "models",
    "regularizers",
    "saving",
    "GradientCheckError",
    "GradientTape",
    "Tensor",
    "backend",
    "check_grad",
    "config",
    "enable_grad",
    "grad",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jacrev",
    "jvp",
    "no_grad",
    "numerical_diff",
    "numerical_grad",
    "numerical_hessian",
    "numerical_jacobian",
    "ops",
    "set_grad_enabled",
    "tensor",
    "tuners",
    "utils",
    "Variable",
    "value_and_grad",
    "vjp",
]
