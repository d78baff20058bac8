"""The string hashes of TensorFlow's ``to_hash_bucket_fast`` / ``to_hash_bucket_strong`` and
``sparse.cross_hashed``, which Keras's ``Hashing``, ``HashedCrossing`` and lookup layers use:
FarmHash's ``Fingerprint64`` (farmhashna::Hash64), SipHash-2-4 with a 128-bit key, and
TensorFlow's ``FingerprintCat64``.

Each hash runs once per distinct value (categorical data repeats a few values many times), on
Python integers masked to 64 bits.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_M = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F
_CAT_MUL = 0xC6A4A7935BD1E995
CROSS_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key


def _fetch64(s: bytes, i: int) -> int:
    return int.from_bytes(s[i : i + 8], "little")


def _fetch32(s: bytes, i: int) -> int:
    return int.from_bytes(s[i : i + 4], "little")


def _rotate(v: int, shift: int) -> int:
    return v if shift == 0 else ((v >> shift) | (v << (64 - shift))) & _M


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def _hash_len16(u: int, v: int, mul: int) -> int:
    a = ((u ^ v) * mul) & _M
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M
    b ^= b >> 47
    return (b * mul) & _M


def _hash_len0to16(s: bytes, n: int) -> int:
    if n >= 8:
        mul = _K2 + n * 2
        a = (_fetch64(s, 0) + _K2) & _M
        b = _fetch64(s, n - 8)
        c = (_rotate(b, 37) * mul + a) & _M
        d = ((_rotate(a, 25) + b) * mul) & _M
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        a = _fetch32(s, 0)
        return _hash_len16((n + (a << 3)) & _M, _fetch32(s, n - 4), mul)
    if n > 0:
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M) * _K2) & _M
    return _K2


def _hash_len17to32(s: bytes, n: int) -> int:
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K1) & _M
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _M
    d = (_fetch64(s, n - 16) * _K2) & _M
    return _hash_len16(
        (_rotate((a + b) & _M, 43) + _rotate(c, 30) + d) & _M,
        (a + _rotate((b + _K2) & _M, 18) + c) & _M,
        mul,
    )


def _hash_len33to64(s: bytes, n: int) -> int:
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K2) & _M
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _M
    d = (_fetch64(s, n - 16) * _K2) & _M
    y = (_rotate((a + b) & _M, 43) + _rotate(c, 30) + d) & _M
    z = _hash_len16(y, (a + _rotate((b + _K2) & _M, 18) + c) & _M, mul)
    e = (_fetch64(s, 16) * mul) & _M
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, n - 32)) * mul) & _M
    h = ((z + _fetch64(s, n - 24)) * mul) & _M
    return _hash_len16(
        (_rotate((e + f) & _M, 43) + _rotate(g, 30) + h) & _M,
        (e + _rotate((f + a) & _M, 18) + g) & _M,
        mul,
    )


def _weak32(s: bytes, i: int, a: int, b: int) -> tuple[int, int]:
    w, x, y, z = _fetch64(s, i), _fetch64(s, i + 8), _fetch64(s, i + 16), _fetch64(s, i + 24)
    a = (a + w) & _M
    b = _rotate((b + a + z) & _M, 21)
    c = a
    a = (a + x + y) & _M
    b = (b + _rotate(a, 44)) & _M
    return (a + z) & _M, (b + c) & _M


def _hash_long(s: bytes, n: int) -> int:
    """farmhashna::Hash64 for more than 64 bytes: 64-byte blocks, then the last 64 bytes."""
    x = 81
    y = (81 * _K1 + 113) & _M
    z = (_shift_mix((y * _K2 + 113) & _M) * _K2) & _M
    v0 = v1 = w0 = w1 = 0
    x = (x * _K2 + _fetch64(s, 0)) & _M
    end = ((n - 1) // 64) * 64
    for i in range(0, end, 64):
        x = (_rotate((x + y + v0 + _fetch64(s, i + 8)) & _M, 37) * _K1) & _M
        y = (_rotate((y + v1 + _fetch64(s, i + 48)) & _M, 42) * _K1) & _M
        x ^= w1
        y = (y + v0 + _fetch64(s, i + 40)) & _M
        z = (_rotate((z + w0) & _M, 33) * _K1) & _M
        v0, v1 = _weak32(s, i, (v1 * _K1) & _M, (x + w0) & _M)
        w0, w1 = _weak32(s, i + 32, (z + w1) & _M, (y + _fetch64(s, i + 16)) & _M)
        z, x = x, z
    mul = _K1 + ((z & 0xFF) << 1)
    i = n - 64
    w0 = (w0 + ((n - 1) & 63)) & _M
    v0 = (v0 + w0) & _M
    w0 = (w0 + v0) & _M
    x = (_rotate((x + y + v0 + _fetch64(s, i + 8)) & _M, 37) * mul) & _M
    y = (_rotate((y + v1 + _fetch64(s, i + 48)) & _M, 42) * mul) & _M
    x ^= (w1 * 9) & _M
    y = (y + v0 * 9 + _fetch64(s, i + 40)) & _M
    z = (_rotate((z + w0) & _M, 33) * mul) & _M
    v0, v1 = _weak32(s, i, (v1 * mul) & _M, (x + w0) & _M)
    w0, w1 = _weak32(s, i + 32, (z + w1) & _M, (y + _fetch64(s, i + 16)) & _M)
    z, x = x, z
    return _hash_len16(
        (_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _M,
        (_hash_len16(v1, w1, mul) + x) & _M,
        mul,
    )


def fingerprint64(data: bytes) -> int:
    """FarmHash ``Fingerprint64`` of ``data`` (TensorFlow's ``Fingerprint64``), as an unsigned
    64-bit integer.

    Example:
        >>> fingerprint64(b"") == 0x9AE16A3B2F90404F
        True
    """
    n = len(data)
    if n <= 16:
        return _hash_len0to16(data, n)
    if n <= 32:
        return _hash_len17to32(data, n)
    if n <= 64:
        return _hash_len33to64(data, n)
    return _hash_long(data, n)


def _sip_round(v0: int, v1: int, v2: int, v3: int) -> tuple[int, int, int, int]:
    v0 = (v0 + v1) & _M
    v1 = _rotate(v1, 64 - 13) ^ v0
    v0 = _rotate(v0, 64 - 32)
    v2 = (v2 + v3) & _M
    v3 = _rotate(v3, 64 - 16) ^ v2
    v0 = (v0 + v3) & _M
    v3 = _rotate(v3, 64 - 21) ^ v0
    v2 = (v2 + v1) & _M
    v1 = _rotate(v1, 64 - 17) ^ v2
    v2 = _rotate(v2, 64 - 32)
    return v0, v1, v2, v3


def siphash24(key: tuple[int, int], data: bytes) -> int:
    """SipHash-2-4 of ``data`` under the 128-bit key ``(k0, k1)`` (TensorFlow's
    ``StrongKeyedHash``), as an unsigned 64-bit integer.

    Example:
        >>> hex(siphash24((0x0706050403020100, 0x0F0E0D0C0B0A0908), b""))
        '0x726fdb47dd0e0e31'
    """
    k0, k1 = key[0] & _M, key[1] & _M
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573
    n = len(data)
    tail = n - n % 8
    for i in range(0, tail, 8):
        m = _fetch64(data, i)
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    m = ((n & 0xFF) << 56) | int.from_bytes(data[tail:], "little")
    v3 ^= m
    v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
    v0 ^= m
    v2 ^= 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def fingerprint_cat64(fp1: np.ndarray, fp2: np.ndarray) -> np.ndarray:
    """TensorFlow's ``FingerprintCat64`` on uint64 arrays (wrapping arithmetic):

    r = fp1 ⊕ m;  r ⊕= shiftmix(fp2·m)·m;  r = shiftmix(shiftmix(r·m)·m),
    with shiftmix(v) = v ⊕ (v ≫ 47).
    """
    mul = np.uint64(_CAT_MUL)
    s47 = np.uint64(47)
    with np.errstate(over="ignore"):
        t = fp2 * mul
        result = fp1 ^ mul
        result ^= (t ^ (t >> s47)) * mul
        result *= mul
        result = (result ^ (result >> s47)) * mul
        return result ^ (result >> s47)


def as_hash_bytes(values: np.ndarray, encoding: str = "utf-8") -> tuple[list[bytes], np.ndarray]:
    """The distinct values of ``values`` as the bytes TensorFlow hashes, and the inverse index.

    Strings are encoded; integers become their decimal text (``tf.strings.as_string``); floats
    are truncated to int64 first, as Keras's ``Hashing`` does.
    """
    flat = np.asarray(values).reshape(-1)
    if flat.dtype.kind == "f":
        flat = flat.astype(np.int64)
    if flat.dtype.kind in "iub":
        uniq, inverse = np.unique(flat.astype(np.int64), return_inverse=True)
        return [str(v).encode() for v in uniq.tolist()], inverse
    items = flat.tolist()
    index: dict = {}
    inverse = np.fromiter((index.setdefault(v, len(index)) for v in items), np.int64, len(items))
    return [_to_bytes(v, encoding) for v in index], inverse


def _to_bytes(value: object, encoding: str) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode(encoding)


def hash_buckets(
    values: np.ndarray, num_bins: int, salt: Iterable[int] | None = None, encoding: str = "utf-8"
) -> np.ndarray:
    """``Fingerprint64(v) mod num_bins`` (or SipHash with ``salt``) of each value, as int64 with
    the shape of ``values`` (``tf.strings.to_hash_bucket_fast`` / ``_strong``).

    Example:
        >>> hash_buckets(np.array(["a", "b", "a"]), 1 << 62).tolist()[0] == hash_buckets(
        ...     np.array(["a"]), 1 << 62).tolist()[0]
        True
    """
    distinct, inverse = as_hash_bytes(values, encoding)
    if salt is None:
        hashes = [fingerprint64(b) % num_bins for b in distinct]
    else:
        key = tuple(salt)
        hashes = [siphash24(key, b) % num_bins for b in distinct]
    table = np.array(hashes, dtype=np.int64)
    return table[inverse].reshape(np.shape(values))
