"""Newton's method with autodiff's Hessian, against gradient descent.

Newton's step solves the local quadratic model of f for its minimum:

    x ← x − H(x)⁻¹ ∇f(x),      H = ∇²f (dn.hessian), ∇f (dn.grad)

Near a minimum with a positive definite Hessian the error squares at each step (quadratic
convergence); gradient descent's shrinks by a constant factor. Two problems: the Rosenbrock
function f(x, y) = (1 − x)² + 100 (y − x²)² from (−1.2, 1), and L2-regularised logistic
regression on the bundled digits ("is it a 3?", 65 parameters).

Run: python examples/newton_method.py
"""

import numpy as np

import deepnum as dn
from deepnum import ops


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def newton(f, x, steps: int, *args):
    """Newton iterates of ``f`` from ``x``: x ← x − H⁻¹∇f. Returns the list of iterates."""
    path = [x]
    for _ in range(steps):
        g = dn.grad(f)(x, *args).numpy()
        h = dn.hessian(f)(x, *args).numpy()
        x = x - np.linalg.solve(h, g)
        path.append(x)
    return path


def logistic(w, a, y):
    """Mean logistic loss + ½λ‖w‖²: (1/n) Σ log(1 + exp(−yᵢ aᵢ·w)) + 0.005 ‖w‖²."""
    z = -y * (a @ w)
    return ops.logaddexp(ops.zeros_like(z), z).mean() + 0.005 * (w * w).sum()


def main() -> None:
    start = np.array([-1.2, 1.0])
    print("Rosenbrock from (-1.2, 1), minimum at (1, 1):")
    for i, p in enumerate(newton(rosenbrock, start, 7)):
        print(f"  Newton step {i}: x = ({p[0]: .6f}, {p[1]: .6f}), |x - x*| = "
              f"{np.linalg.norm(p - 1):.2e}")  # fmt: skip
    p = start
    for _ in range(1000):  # the largest stable fixed step is about 1/‖H‖ near (1, 1)
        p = p - 1e-3 * dn.grad(rosenbrock)(p).numpy()
    print(f"  gradient descent, 1000 steps of 1e-3: |x - x*| = {np.linalg.norm(p - 1):.2e}")

    (x, labels), _ = dn.datasets.digits.load_data()
    a = np.hstack([x.reshape(len(x), -1) / 16, np.ones((len(x), 1))])  # a bias column
    y = np.where(labels == 3, 1.0, -1.0)
    print("Logistic regression, 'is it a 3?' (65 parameters):")
    path = newton(logistic, np.zeros(a.shape[1]), 6, a, y)
    for i, w in enumerate(path):
        grad_norm = np.linalg.norm(dn.grad(logistic)(w, a, y).numpy())
        accuracy = np.mean(np.sign(a @ w) == y)
        print(f"  Newton step {i}: loss {float(logistic(w, a, y)):.6f}, "
              f"‖∇f‖ = {grad_norm:.2e}, accuracy {accuracy:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
