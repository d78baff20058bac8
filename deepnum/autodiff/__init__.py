"""Tensors, Functions and reverse-mode automatic differentiation."""

from deepnum.autodiff.batching import vmap
from deepnum.autodiff.checkpointing import checkpoint
from deepnum.autodiff.custom import custom_jvp, custom_vjp
from deepnum.autodiff.forward import jacfwd, jvp, linearize
from deepnum.autodiff.function import Function
from deepnum.autodiff.functional import functional_call
from deepnum.autodiff.mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from deepnum.autodiff.numerical import (
    GradientCheckError,
    check_grad,
    numerical_diff,
    numerical_grad,
    numerical_hessian,
    numerical_jacobian,
)
from deepnum.autodiff.tape import GradientTape
from deepnum.autodiff.tensor import Tensor, as_tensor, tensor
from deepnum.autodiff.transforms import (
    grad,
    hessian,
    hvp,
    jacobian,
    jacrev,
    value_and_grad,
    vjp,
)
from deepnum.autodiff.variable import Variable

__all__ = [
    "Function",
    "GradientCheckError",
    "GradientTape",
    "Tensor",
    "as_tensor",
    "check_grad",
    "checkpoint",
    "custom_jvp",
    "custom_vjp",
    "enable_grad",
    "functional_call",
    "grad",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linearize",
    "no_grad",
    "numerical_diff",
    "numerical_grad",
    "numerical_hessian",
    "numerical_jacobian",
    "set_grad_enabled",
    "tensor",
    "Variable",
    "value_and_grad",
    "vjp",
    "vmap",
]
