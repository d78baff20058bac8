"""``keras.ops.linalg``: decompositions, solvers and norms, differentiable where defined.

The membership is exactly Keras's; each family is a private module whose ``__all__`` lists
the names it contributes here.
"""
