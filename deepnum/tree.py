"""Nested structures (Keras's ``keras.tree``): flatten, pack, map and compare trees.

A structure is a leaf or a container of structures. The containers (the nodes) are ``list``,
``tuple``, ``dict``, ``collections.OrderedDict``, ``collections.defaultdict``,
``collections.deque``, namedtuples and C struct sequences (``time.struct_time``); anything else,
``None`` included, is a leaf. Subclasses of ``list`` or ``dict`` are leaves, as in Keras.

Order: the children of a ``dict`` (and ``defaultdict``) are visited in sorted key order (in
insertion order when the keys do not sort); an ``OrderedDict`` keeps its own order. Rebuilt
dicts keep the key order of the structure they were packed from.

Paths (``flatten_with_path``) are tuples of sequence indices and dict keys; a namedtuple's
fields are indices too.
"""

from __future__ import annotations

import collections
import warnings
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "MAP_TO_NONE",
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
]

_SEQUENCES = (list, tuple, collections.deque)
_DICTS = (dict, collections.OrderedDict, collections.defaultdict)
_MISMATCH = "Structures don't have the same nested structure."


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Special value for :func:`traverse`: return it from ``func`` to replace a sub-tree by
    ``None`` (returning ``None`` itself means "no change")."""


# ------------------------------------------------------------------------------ nodes
def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _is_structseq(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "n_sequence_fields")


def is_nested(structure: Any) -> bool:
    """True for a container node (list, tuple, dict, deque, namedtuple), False for a leaf.

    Args:
        structure: any value.

    Returns:
        Whether ``structure`` is a node of a tree (``None``, strings and arrays are leaves).

    Example:
        >>> is_nested({"foo": 42}), is_nested(42), is_nested(None)
        (True, False, False)
    """
    kind = type(structure)
    return (
        kind in _SEQUENCES
        or kind in _DICTS
        or _is_namedtuple(structure)
        or (_is_structseq(structure))
    )


def _sorted_keys(d: dict) -> list:
    if type(d) is collections.OrderedDict:
        return list(d)
    try:
        return sorted(d)
    except TypeError:  # keys of different types that do not compare: insertion order
        return list(d)


def _keys(node: Any) -> list:
    """The path entries of a node's children, in visiting order."""
    if type(node) in _DICTS:
        return _sorted_keys(node)
    return list(range(len(node)))


def _children(node: Any) -> list:
    if type(node) in _DICTS:
        return [node[k] for k in _sorted_keys(node)]
    return list(node)


def _rebuild(node: Any, children: list) -> Any:
    """A node of the same type as ``node`` holding ``children`` (in visiting order)."""
    kind = type(node)
    if kind in _DICTS:
        by_key = dict(zip(_sorted_keys(node), children))
        items = [(k, by_key[k]) for k in node]  # the structure's own key order
        if kind is collections.defaultdict:
            return collections.defaultdict(node.default_factory, items)
        return kind(items)
    if kind is collections.deque:
        return collections.deque(children, maxlen=node.maxlen)
    if _is_namedtuple(node):
        return kind(*children)
    return kind(children)  # list, tuple, struct sequence


def _describe(x: Any) -> str:
    return type(x).__name__ if is_nested(x) else f"a leaf ({type(x).__name__})"


def _check_same_node(a: Any, b: Any) -> None:
    """Raise ValueError unless ``b`` is a node of the same kind, length and keys as ``a``."""
    if not is_nested(b):
        raise ValueError(f"{_MISMATCH} Expected a {_describe(a)}, got {_describe(b)}: {b!r}.")
    if type(a) in _DICTS:
        if type(b) not in _DICTS:
            raise ValueError(f"{_MISMATCH} Expected a dict, got a {_describe(b)}: {b!r}.")
        if set(a) != set(b):
            missing, extra = sorted(set(a) - set(b), key=repr), sorted(set(b) - set(a), key=repr)
            raise ValueError(
                f"{_MISMATCH} Dict keys differ; missing key(s): {missing}, extra key(s): {extra}."
            )
        return
    if type(a) is not type(b):
        raise ValueError(f"{_MISMATCH} Expected a {_describe(a)}, got a {_describe(b)}: {b!r}.")
    if len(a) != len(b):
        raise ValueError(
            f"{_MISMATCH} {type(a).__name__} lengths differ: expected {len(a)}, got {len(b)}."
        )


def _aligned_children(first: Any, other: Any) -> list:
    """``other``'s children in the visiting order of ``first``'s (dicts may differ in type)."""
    if type(first) in _DICTS:
        return [other[k] for k in _sorted_keys(first)]
    return list(other)


# ------------------------------------------------------------------------- flattening
def flatten(structure: Any) -> list:
    """The leaves of ``structure``, depth first (dict children in sorted key order).

    Args:
        structure: an arbitrarily nested structure.

    Returns:
        A list of leaves; a leaf (``None`` included) gives a one-element list.

    Example:
        >>> flatten([[1, 2, 3], [4, [5], [[6]]]])
        [1, 2, 3, 4, 5, 6]
        >>> flatten({100: "world!", 6: "Hello"}), flatten(None)
        (['Hello', 'world!'], [None])
    """
    leaves: list = []
    stack = [structure]
    while stack:
        item = stack.pop()
        if is_nested(item):
            stack.extend(reversed(_children(item)))
        else:
            leaves.append(item)
    return leaves


def flatten_with_path(structure: Any) -> list[tuple[tuple, Any]]:
    """Like :func:`flatten`, each leaf paired with its path (a tuple of indices and keys).

    Args:
        structure: an arbitrarily nested structure.

    Returns:
        A list of ``(path, leaf)`` pairs in :func:`flatten` order.

    Example:
        >>> flatten_with_path([{"foo": 42}, (1,)])
        [((0, 'foo'), 42), ((1, 0), 1)]
    """
    out: list = []
    stack: list = [((), structure)]
    while stack:
        path, item = stack.pop()
        if is_nested(item):
            pairs = list(zip(_keys(item), _children(item)))
            stack.extend((path + (k,), child) for k, child in reversed(pairs))
        else:
            out.append((path, item))
    return out


def pack_sequence_as(structure: Any, flat_sequence: Iterable) -> Any:
    """Rebuild ``structure`` with its leaves replaced by ``flat_sequence`` (in flatten order).

    Args:
        structure: the structure to copy.
        flat_sequence: as many values as ``structure`` has leaves.

    Returns:
        A new structure of the same types; dicts keep ``structure``'s key order.

    Raises:
        TypeError: if ``flat_sequence`` is not iterable.
        ValueError: if it holds too few or too many values.

    Example:
        >>> pack_sequence_as({"key3": "", "key1": "", "key2": ""}, ["v1", "v2", "v3"])
        {'key3': 'v3', 'key1': 'v1', 'key2': 'v2'}
    """
    if isinstance(flat_sequence, (str, bytes)) or not isinstance(flat_sequence, Iterable):
        raise TypeError(
            "pack_sequence_as: flat_sequence must be a sequence of values, received "
            f"{type(flat_sequence).__name__}: {flat_sequence!r}."
        )
    values = list(flat_sequence)
    expected = len(flatten(structure))
    if len(values) != expected:
        raise ValueError(
            f"pack_sequence_as: the structure has {expected} leaves but flat_sequence holds "
            f"{len(values)} values ({'too few' if len(values) < expected else 'too many'})."
        )
    leaves = iter(values)

    def pack(s: Any) -> Any:
        if not is_nested(s):
            return next(leaves)
        return _rebuild(s, [pack(c) for c in _children(s)])

    return pack(structure)


# ---------------------------------------------------------------------------- mapping
def map_structure(func: Callable, *structures: Any, none_is_leaf: bool = True) -> Any:
    """Apply ``func`` to the leaves of ``structures`` (all nested the same way).

    Args:
        func: a callable taking one argument per structure.
        *structures: structures with the same layout (same node types, lengths and keys;
            ``dict``, ``OrderedDict`` and ``defaultdict`` match one another).
        none_is_leaf: when False, ``None`` leaves are not passed to ``func`` and stay ``None``
            (the other structures must hold ``None`` there too).

    Returns:
        A structure of the first one's layout holding ``func``'s results.

    Raises:
        TypeError: if ``func`` is not callable.
        ValueError: if no structure is given or the structures differ.

    Example:
        >>> map_structure(lambda x, y: x * y, [[1], [2], [3]], [[1], [2], [3]])
        [[1], [4], [9]]
    """
    if not callable(func):
        raise TypeError(f"map_structure: func must be callable, received {func!r}.")
    if not structures:
        raise ValueError("map_structure: give at least one structure to map over.")

    def walk(items: list) -> Any:
        first = items[0]
        if first is None and not none_is_leaf:
            if any(s is not None for s in items[1:]):
                raise ValueError(f"{_MISMATCH} Expected None in every structure, got {items}.")
            return None
        if not is_nested(first):
            if any(is_nested(s) or (s is None and not none_is_leaf) for s in items[1:]):
                raise ValueError(f"{_MISMATCH} Expected leaves, got {items}.")
            return func(*items)
        for other in items[1:]:
            _check_same_node(first, other)
        columns = [_children(first)] + [_aligned_children(first, s) for s in items[1:]]
        return _rebuild(first, [walk(list(col)) for col in zip(*columns)])

    return walk(list(structures))


def map_structure_up_to(shallow_structure: Any, func: Callable, *structures: Any) -> Any:
    """Apply ``func`` to the sub-trees of ``structures`` found at the leaves of
    ``shallow_structure`` (deeper parts are passed whole).

    Args:
        shallow_structure: a structure that every one of ``structures`` extends.
        func: a callable taking one argument per structure.
        *structures: structures whose top levels match ``shallow_structure``.

    Returns:
        A structure of ``shallow_structure``'s layout holding ``func``'s results.

    Example:
        >>> map_structure_up_to([None, None], len, [[1, 1], [2, 2]])
        [2, 2]
        >>> map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]])
        ['[1, 1]', ['2', '2']]
    """
    if not callable(func):
        raise TypeError(f"map_structure_up_to: func must be callable, received {func!r}.")
    if not structures:
        raise ValueError("map_structure_up_to: give at least one structure to map over.")

    def walk(shallow: Any, items: list) -> Any:
        if not is_nested(shallow):
            return func(*items)
        for s in items:
            _check_same_node(shallow, s)
        columns = [_aligned_children(shallow, s) for s in items]
        kids = _children(shallow)
        return _rebuild(shallow, [walk(k, [c[i] for c in columns]) for i, k in enumerate(kids)])

    return walk(shallow_structure, list(structures))


def map_shape_structure(func: Callable, structure: Any) -> Any:
    """Like :func:`map_structure`, but a list or tuple of ints and ``None`` (a shape) is a
    leaf.

    Args:
        func: applied to each shape (and to each other leaf).
        structure: a nested structure of shapes.

    Returns:
        The structure with ``func`` applied.

    Example:
        >>> map_shape_structure(len, [(1, None), {"a": (2, 3, 4)}])
        [2, {'a': 3}]
    """

    def is_shape(x: Any) -> bool:
        return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)

    def walk(s: Any) -> Any:
        if is_shape(s) or not is_nested(s):
            return func(s)
        return _rebuild(s, [walk(c) for c in _children(s)])

    return walk(structure)


def traverse(func: Callable, structure: Any, top_down: bool = True) -> Any:
    """Visit every sub-tree of ``structure`` depth first and optionally replace it.

    Top-down, ``func(subtree)`` is called before the children: ``None`` continues into the
    sub-tree, any other value replaces it (and stops there). Bottom-up, the children are
    visited first and ``func`` sees the rebuilt sub-tree: ``None`` keeps it, any other value
    replaces it. Return :class:`MAP_TO_NONE` to replace a sub-tree by ``None``.

    Args:
        func: called on every sub-tree, the whole structure included.
        structure: the structure to visit.
        top_down: parents before children (True) or after (False).

    Returns:
        The rebuilt structure.

    Example:
        >>> seen = []
        >>> traverse(seen.append, [(1, 2), [3], {"a": 4}])
        [(1, 2), [3], {'a': 4}]
        >>> seen
        [[(1, 2), [3], {'a': 4}], (1, 2), 1, 2, [3], 3, {'a': 4}, 4]
    """
    if not callable(func):
        raise TypeError(f"traverse: func must be callable, received {func!r}.")

    def children_of(s: Any) -> Any:
        return _rebuild(s, [walk(c) for c in _children(s)]) if is_nested(s) else s

    def walk(s: Any) -> Any:
        if top_down:
            ret = func(s)
            if ret is None:
                return children_of(s)
        else:
            s = children_of(s)
            ret = func(s)
            if ret is None:
                return s
        # Keras's MAP_TO_NONE is recognised by name too, so either library's sentinel works.
        if isinstance(ret, type) and ret.__name__ == "MAP_TO_NONE":
            return None
        return ret

    return walk(structure)


def lists_to_tuples(structure: Any) -> Any:
    """The structure with every ``list`` turned into a ``tuple``.

    Example:
        >>> lists_to_tuples([1, [2, {"a": [3]}]])
        (1, (2, {'a': (3,)}))
    """
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


# ---------------------------------------------------------------------------- checking
def assert_same_structure(a: Any, b: Any, check_types: Any = None) -> None:
    """Raise ValueError unless ``a`` and ``b`` are nested the same way.

    The node types must be the same (``list``, ``tuple``, ``deque`` and each namedtuple class
    are distinct), except that ``dict``, ``OrderedDict`` and ``defaultdict`` match when their
    keys are the same. Leaves may differ.

    Args:
        a, b: the structures.
        check_types: deprecated and without effect (a warning says so), as in Keras.

    Example:
        >>> assert_same_structure([(0, 1)], [(2, 3)])
        >>> assert_same_structure([0, 1], (2, 3))
        Traceback (most recent call last):
            ...
        ValueError: Structures don't have the same nested structure. Expected a list, got a tuple: (2, 3).
    """  # noqa: E501
    if check_types is not None:
        advice = "" if check_types else " For a looser check, use deepnum.tree.assert_same_paths()."
        warnings.warn(
            "The `check_types` argument is deprecated and no longer has any effect." + advice,
            DeprecationWarning,
            stacklevel=2,
        )
    map_structure(lambda *_: None, a, b)


def assert_same_paths(a: Any, b: Any) -> None:
    """Raise ValueError unless ``a`` and ``b`` have the same leaf paths (container types may
    differ: ``[0, 1]`` and ``(2, 3)`` match).

    Example:
        >>> assert_same_paths([0, 1], (2, 3))
    """
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)
