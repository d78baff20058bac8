"""Core layers: Dense, EinsumDense, Embedding, Identity, Lambda, Masking."""

from deepnum.layers.core.dense import Dense
from deepnum.layers.core.einsum_dense import EinsumDense
from deepnum.layers.core.embedding import Embedding
from deepnum.layers.core.identity import Identity
from deepnum.layers.core.lambda_layer import Lambda
from deepnum.layers.core.layer_scale import LayerScale
from deepnum.layers.core.masking import Masking
from deepnum.layers.core.reversible_embedding import ReversibleEmbedding
from deepnum.layers.core.wrapper import Wrapper
