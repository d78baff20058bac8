"""Attention layers, as Keras's: MultiHeadAttention, GroupQueryAttention (grouped-query
attention), Attention (dot-product) and AdditiveAttention."""

from deepnum.layers.attention.additive_attention import AdditiveAttention
from deepnum.layers.attention.attention import Attention
from deepnum.layers.attention.grouped_query_attention import GroupQueryAttention
from deepnum.layers.attention.multi_head_attention import MultiHeadAttention
