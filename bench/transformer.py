"""The Transformer encoder workload, built identically in deepnum (Keras's layers) and PyTorch:
token + position embeddings, 2 post-norm encoder blocks (MultiHeadAttention with 4 heads of
32, LayerNormalization, a GELU feed-forward of 256), mean pooling and a 2-class head; same
initial weights, same batches."""

from __future__ import annotations

from typing import Any

import numpy as np

VOCAB, SEQ, DIM, HEADS, KEY_DIM, FF, BLOCKS = 10000, 128, 128, 4, 32, 256, 2


def batch(size: int, seq: int = SEQ, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(1, VOCAB, (size, seq)), rng.integers(0, 2, size)


def deepnum_model(seq: int = SEQ) -> Any:
    import deepnum as dn
    from deepnum import layers, ops

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen: int, vocab_size: int, embed_dim: int) -> None:
            super().__init__()
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x: Any) -> Any:
            positions = self.pos_emb(ops.arange(start=0, stop=ops.shape(x)[-1], step=1))
            return self.token_emb(x) + positions

    tokens = dn.Input((seq,), dtype="int32")
    x = TokenAndPositionEmbedding(seq, VOCAB, DIM)(tokens)
    for _ in range(BLOCKS):
        attention = layers.MultiHeadAttention(HEADS, KEY_DIM)(x, x)
        x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, attention]))
        hidden = layers.Dense(FF, activation="gelu")(x)
        x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, layers.Dense(DIM)(hidden)]))
    outputs = layers.Dense(2)(layers.GlobalAveragePooling1D()(x))
    model = dn.Model(tokens, outputs)
    model.compile(optimizer="adam", loss=dn.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def torch_model(model: Any, attention: str = "sdpa") -> tuple[Any, Any]:
    """The PyTorch twin with ``model``'s weights. ``attention``: ``"sdpa"`` (packed QKV
    projection and F.scaled_dot_product_attention) or ``"module"`` (nn.MultiheadAttention)."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            if attention == "module":
                self.mha = nn.MultiheadAttention(DIM, HEADS, batch_first=True)
            else:
                self.qkv = nn.Linear(DIM, 3 * DIM)
                self.out = nn.Linear(DIM, DIM)
            self.norm1 = nn.LayerNorm(DIM, eps=1e-6)
            self.ff1 = nn.Linear(DIM, FF)
            self.ff2 = nn.Linear(FF, DIM)
            self.norm2 = nn.LayerNorm(DIM, eps=1e-6)

        def attend(self, x: Any) -> Any:
            if attention == "module":
                return self.mha(x, x, x, need_weights=False)[0]
            b, t, _ = x.shape
            q, k, v = self.qkv(x).view(b, t, 3, HEADS, KEY_DIM).permute(2, 0, 3, 1, 4)
            y = torch.nn.functional.scaled_dot_product_attention(q, k, v)
            return self.out(y.transpose(1, 2).reshape(b, t, DIM))

        def forward(self, x: Any) -> Any:
            x = self.norm1(x + self.attend(x))
            return self.norm2(x + self.ff2(torch.nn.functional.gelu(self.ff1(x))))

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tokens = nn.Embedding(VOCAB, DIM)
            self.positions = nn.Embedding(seq, DIM)
            self.blocks = nn.ModuleList([Block() for _ in range(BLOCKS)])
            self.head = nn.Linear(DIM, 2)

        def forward(self, tokens: Any) -> Any:
            x = self.tokens(tokens) + self.positions.weight[: tokens.shape[1]]
            for block in self.blocks:
                x = block(x)
            return self.head(x.mean(dim=1))

    weights = model.get_weights()
    seq = weights[1].shape[0]
    net = Net()
    _load(net, weights, attention)
    return net, nn.CrossEntropyLoss()


def _load(net: Any, w: list[np.ndarray], attention: str) -> None:
    """Keras's order: token and position embeddings, then per block the q, k, v and output
    EinsumDense kernels and biases, LayerNorm γ β, the two Dense layers, LayerNorm γ β; the
    head."""
    import torch

    def put(param: Any, value: np.ndarray) -> None:
        param.copy_(torch.from_numpy(np.ascontiguousarray(value)))

    with torch.no_grad():
        put(net.tokens.weight, w[0])
        put(net.positions.weight, w[1])
        i = 2
        for block in net.blocks:
            (qk, qb, kk, kb, vk, vb, ok, ob, g1, b1, f1k, f1b, f2k, f2b, g2, b2) = w[i : i + 16]
            i += 16
            in_w = np.concatenate([m.reshape(DIM, DIM) for m in (qk, kk, vk)], axis=1).T
            in_b = np.concatenate([b.reshape(DIM) for b in (qb, kb, vb)])
            if attention == "module":
                put(block.mha.in_proj_weight, in_w)
                put(block.mha.in_proj_bias, in_b)
                put(block.mha.out_proj.weight, ok.reshape(DIM, DIM).T)
                put(block.mha.out_proj.bias, ob)
            else:
                put(block.qkv.weight, in_w)
                put(block.qkv.bias, in_b)
                put(block.out.weight, ok.reshape(DIM, DIM).T)
                put(block.out.bias, ob)
            put(block.norm1.weight, g1)
            put(block.norm1.bias, b1)
            put(block.ff1.weight, f1k.T)
            put(block.ff1.bias, f1b)
            put(block.ff2.weight, f2k.T)
            put(block.ff2.bias, f2b)
            put(block.norm2.weight, g2)
            put(block.norm2.bias, b2)
        put(net.head.weight, w[i].T)
        put(net.head.bias, w[i + 1])


def flops(size: int, seq: int = SEQ) -> float:
    """Multiply-adds ×2 of the matrix products, ×3 for forward and backward."""
    rows = size * seq
    projections = 4 * rows * DIM * DIM + 2 * rows * DIM * FF
    attention = 2 * size * HEADS * seq * seq * KEY_DIM
    return 3 * 2 * (BLOCKS * (projections + attention) + size * DIM * 2)
