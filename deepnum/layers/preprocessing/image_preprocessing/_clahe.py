"""The array algorithm of CLAHE (contrast-limited adaptive histogram equalization) on
(N, H, W, C) float arrays with values in [0, 255], through ``xp`` (NumPy or CuPy)."""

from __future__ import annotations

from typing import Any

from deepnum.backend import get_array_module


def _tiles(images: Any, grid: tuple[int, int]) -> tuple[Any, int, int]:
    """The images padded symmetrically to a multiple of the grid, and the tile size."""
    xp = get_array_module(images)
    _, height, width, _ = images.shape
    tile_h, tile_w = -(-height // grid[0]), -(-width // grid[1])
    pad_h, pad_w = tile_h * grid[0] - height, tile_w * grid[1] - width
    if pad_h or pad_w:
        images = xp.pad(images, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="symmetric")
    return images, tile_h, tile_w


def _tile_tables(padded: Any, grid: tuple[int, int], tile: tuple[int, int], limit: float):
    """Per tile and channel, the 256-entry lookup table 255·(cdf − cdf₀)/(area − cdf₀) of
    the clipped histogram, edge-padded by one tile on each side: (N, gh + 2, gw + 2, C, 256)."""
    xp = get_array_module(padded)
    n, _, _, c = padded.shape
    (gh, gw), (th, tw) = grid, tile
    tiled = padded.reshape(n, gh, th, gw, tw, c).transpose(0, 1, 3, 5, 2, 4)
    values = xp.clip(tiled.reshape(n, gh, gw, c, th * tw).astype("int32"), 0, 255)
    offsets = xp.arange(n * gh * gw * c).reshape(n, gh, gw, c, 1) * 256
    hists = xp.bincount((values + offsets).ravel(), minlength=n * gh * gw * c * 256)
    hists = hists.reshape(n, gh, gw, c, 256).astype("float32")
    if limit > 0:
        cap = xp.float32(limit * (th * tw) / 256.0)
        clipped = xp.clip(hists, 0, cap)
        hists = clipped + (hists - clipped).sum(axis=-1, keepdims=True) / xp.float32(256.0)
    cdf = xp.cumsum(hists, axis=-1)
    cdf_min = cdf.min(axis=-1, keepdims=True)
    denominator = xp.float32(th * tw) - cdf_min
    denominator = xp.where(denominator == 0, xp.float32(1.0), denominator)
    tables = xp.clip((cdf - cdf_min) * xp.float32(255.0) / denominator, 0, 255)
    return xp.pad(tables, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")


def _axis_weights(xp: Any, size: int, tile: int, grid: int) -> tuple[Any, Any, Any]:
    """For each pixel along an axis: the two neighbouring tile centres (in the edge-padded
    table grid) and the weight of the second."""
    position = (xp.arange(size, dtype="float32") - tile / 2.0) / tile + 1.0
    low = xp.floor(position)
    weight = position - low
    first = xp.clip(low, 0, grid + 1).astype("int64")
    second = xp.clip(low + 1.0, 0, grid + 1).astype("int64")
    return first, second, weight.astype("float32")


def clahe(images: Any, grid: tuple[int, int], clip_limit: float) -> Any:
    """CLAHE of (N, H, W, C) float32 ``images`` in [0, 255]: each pixel maps through the
    tables of its four nearest tile centres, blended bilinearly."""
    xp = get_array_module(images)
    n, height, width, c = images.shape
    padded, tile_h, tile_w = _tiles(images, grid)
    tables = _tile_tables(padded, grid, (tile_h, tile_w), clip_limit)
    y0, y1, wy = _axis_weights(xp, padded.shape[1], tile_h, grid[0])
    x0, x1, wx = _axis_weights(xp, padded.shape[2], tile_w, grid[1])
    pixels = xp.clip(padded, 0, 255).astype("int64")
    b = xp.arange(n)[:, None, None, None]
    ch = xp.arange(c)[None, None, None, :]

    def value(ys: Any, xs: Any) -> Any:
        return tables[b, ys[None, :, None, None], xs[None, None, :, None], ch, pixels]

    wy, wx = wy[None, :, None, None], wx[None, None, :, None]
    top = value(y0, x0) * (1.0 - wx) + value(y0, x1) * wx
    bottom = value(y1, x0) * (1.0 - wx) + value(y1, x1) * wx
    result = top * (1.0 - wy) + bottom * wy
    return result[:, :height, :width, :].astype("float32")
