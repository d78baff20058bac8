"""Gradient descent on the seed function f(x) = x0² + x1², with a contour plot of the path.

Run: python examples/gradient_descent.py   (writes gradient_descent.png)
"""

import numpy as np

import deepnum as dn


def f(x):
    return x[0] ** 2 + x[1] ** 2


def main(lr: float = 0.1, steps: int = 30) -> None:
    x = np.array([-3.0, 4.0])
    print("numerical gradient at (3, 4):", dn.numerical_grad(f, np.array([3.0, 4.0])))
    print("autodiff  gradient at (3, 4):", dn.grad(f)(np.array([3.0, 4.0])).numpy())
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * dn.grad(f)(x).numpy()  # x ← x − η ∇f(x)
        path.append(x.copy())
    print(f"after {steps} steps: x = {x}, f(x) = {f(x):.2e}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    path = np.array(path)
    grid = np.linspace(-4.5, 4.5, 200)
    xx, yy = np.meshgrid(grid, grid)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contour(xx, yy, xx**2 + yy**2, levels=20, cmap="viridis")
    ax.plot(path[:, 0], path[:, 1], "o-", color="crimson", markersize=3)
    ax.set_title(f"gradient descent, learning rate {lr}")
    fig.savefig("gradient_descent.png", dpi=100)
    print("wrote gradient_descent.png")


if __name__ == "__main__":
    main()
