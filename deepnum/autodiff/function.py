"""Function: one differentiable operation, forward on arrays and backward in Tensor ops."""

from __future__ import annotations

import weakref
from typing import Any

from deepnum.autodiff.mode import _state
from deepnum.autodiff.tensor import Tensor, as_tensor

# Set while a function transform (vmap, forward-mode jvp, functional_call) is active: it sees
# every operation first (deepnum.autodiff.tracing). None otherwise, which costs one test.
_transform_hook: Any = None


def set_transform_hook(hook: Any) -> None:
    """Install (or, with None, remove) the hook of the function transforms."""
    global _transform_hook
    _transform_hook = hook


class Function:
    """Base class of every differentiable operation (and of user-defined custom ops).

    Subclasses implement:

    * ``forward(self, *arrays)``: compute on raw arrays with ``xp`` (NumPy or CuPy) and
      return one array or a tuple of arrays;
    * ``backward(self, *grad_outputs)``: given one gradient Tensor per output, return one
      gradient Tensor per input (or ``None`` for inputs that need none). Write it with deepnum
      ops so that it can itself be differentiated (that is how Hessians work).

    Optionally, ``backward_arrays(self, *grad_outputs)`` computes the same gradients on raw
    arrays; the engine uses it when the backward pass is not itself recorded (no
    ``create_graph``), which spares the Tensor and Function overhead of the backward ops. The
    hot ops define it; for the others ``backward`` runs on the arrays wrapped in Tensors.

    Inside ``backward``, ``self.inputs`` holds the input Tensors, ``self.outputs`` the output
    Tensors and ``self.needs_input_grad`` tells which inputs need a gradient. Set the class
    attribute ``save_outputs = True`` when backward reads ``self.outputs`` so they are kept even
    if the caller drops them.

    Example:
        >>> import deepnum as dn
        >>> class Cube(dn.Function):
        ...     def forward(self, x):
        ...         return x ** 3
        ...     def backward(self, gy):
        ...         (x,) = self.inputs
        ...         return gy * 3 * x ** 2
        >>> x = dn.tensor(2.0, requires_grad=True)
        >>> Cube()(x).backward()
        >>> float(x.grad)
        12.0
    """

    save_outputs = False
    backward_arrays: Any = None

    inputs: Any = None
    needs_input_grad: tuple[bool, ...] = ()

    def __call__(self, *inputs: Any) -> Any:
        if _transform_hook is not None:
            inputs = _transform_hook(self, inputs)
            if type(inputs) is not tuple:  # a transform computed the outputs
                return inputs.value
        xs = inputs
        for x in inputs:
            if not isinstance(x, Tensor):
                xs = tuple(x if isinstance(x, Tensor) else as_tensor(x) for x in inputs)
                break
        # One and two inputs (nearly every op) are spelled out: no list, no loop.
        n = len(xs)
        if n == 2:
            x0, x1 = xs
            ys = self.forward(x0.data, x1.data)
            if (x0.requires_grad or x1.requires_grad) and _state["enabled"]:
                return self._record(xs, ys, (x0.requires_grad, x1.requires_grad))
        elif n == 1:
            x0 = xs[0]
            ys = self.forward(x0.data)
            if x0.requires_grad and _state["enabled"]:
                return self._record(xs, ys, (True,))
        else:
            ys = self.forward(*[x.data for x in xs])
            if _state["enabled"]:
                for x in xs:
                    if x.requires_grad:
                        return self._record(xs, ys)
        if type(ys) is tuple:
            return tuple(Tensor._make(y) for y in ys)
        return Tensor._make(ys)

    def _record(self, xs: tuple[Tensor, ...], ys: Any, needs: tuple | None = None) -> Any:
        """Link the outputs to this Function so that backward can reach the inputs.

        ``needs`` is ``needs_input_grad`` when the caller has it at hand."""
        self.inputs = xs
        self.needs_input_grad = tuple([x.requires_grad for x in xs]) if needs is None else needs
        if type(ys) is not tuple:  # one output: the common case, without the loops
            out = Tensor._make(ys, self, 0)
            self._out_refs = (weakref.ref(out),)
            self._out_meta = ((ys.shape, ys.dtype),)
            if self.save_outputs:
                self._saved = (ys,)
            return out
        outs = tuple([Tensor._make(y, self, i) for i, y in enumerate(ys)])
        self._out_refs = [weakref.ref(o) for o in outs]
        self._out_meta = [(y.shape, y.dtype) for y in ys]
        if self.save_outputs:
            self._saved = ys
        return outs

    def forward(self, *arrays: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented.")

    def backward(self, *grad_outputs: Tensor) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}.backward is not implemented; this op is not differentiable."
        )

    @property
    def outputs(self) -> tuple[Tensor, ...]:
        """The output Tensors, rebuilt from saved arrays if the caller dropped them."""
        outs = []
        for i, ref in enumerate(self._out_refs):
            t = ref()
            if t is None:
                saved = getattr(self, "_saved", None)
                if saved is None:
                    raise RuntimeError(
                        f"{type(self).__name__}.backward reads self.outputs but output {i} was "
                        "freed; set `save_outputs = True` on the class."
                    )
                t = Tensor._make(saved[i], self, i)
            outs.append(t)
        return tuple(outs)

    def release(self) -> None:
        """Drop the references that only backward needed (called after a backward pass)."""
        self.inputs = None
        self._saved = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"
