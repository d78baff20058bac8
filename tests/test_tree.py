"""deepnum.tree against keras.tree (and Keras's optree implementation where the torch one
differs) on the same nested structures."""

from __future__ import annotations

import collections
import time

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")
optree_impl = reference("keras.src.tree.optree_impl")

Point = collections.namedtuple("Point", ["y", "x"])
Other = collections.namedtuple("Point", ["y", "x"])  # same name and fields, another class

STRUCTURES = [
    1,
    None,
    "text",
    np.ones(2),
    [],
    (),
    {},
    [1, None, 2],
    [[1, 2, 3], [4, [5], [[6]]]],
    {"b": 2, "a": None, "c": [3, (4,)]},
    {100: "world!", 6: "Hello"},
    collections.OrderedDict([("z", 1), ("a", [2, 3])]),
    collections.defaultdict(list, {"b": [1], "a": (2,)}),
    collections.deque([1, [2, 3]]),
    Point(y=1, x=[2, {"k": 3}]),
    ({"image": [1, 2], "meta": None}, (3, [4, 5])),
    [1, {"a": (2, [3, {"b": 4}])}, ((5,),)],
]


def _same(got, want, order=False):
    """The same types, leaves and dict keys (and key order, with ``order``)."""
    assert type(got) is type(want), (got, want)
    if isinstance(want, dict):
        assert (list(got) if order else set(got)) == (list(want) if order else set(want))
    if isinstance(want, np.ndarray):
        np.testing.assert_array_equal(got, want)
        return
    if dn.tree.is_nested(want):
        for g, w in zip(dn.tree.flatten(got), dn.tree.flatten(want)):
            _same(g, w, order)
        assert len(dn.tree.flatten(got)) == len(dn.tree.flatten(want))
    else:
        assert got == want or got is want


@pytest.mark.parametrize("s", STRUCTURES, ids=repr)
def test_flatten_and_is_nested_match_keras(s):
    assert dn.tree.is_nested(s) == keras.tree.is_nested(s)
    got, want = dn.tree.flatten(s), keras.tree.flatten(s)
    assert len(got) == len(want) and all(g is w for g, w in zip(got, want))


@pytest.mark.parametrize("s", STRUCTURES, ids=repr)
def test_flatten_with_path_matches_optree(s):
    # Keras's torch implementation numbers namedtuple fields alphabetically; its documented
    # (optree) behaviour, followed here, numbers them by position.
    got = dn.tree.flatten_with_path(s)
    want = optree_impl.flatten_with_path(s)
    assert [p for p, _ in got] == [tuple(p) for p, _ in want]
    assert all(g is w for (_, g), (_, w) in zip(got, want))
    if not isinstance(s, tuple) or not hasattr(s, "_fields"):
        assert [p for p, _ in got] == [p for p, _ in keras.tree.flatten_with_path(s)]


@pytest.mark.parametrize("s", STRUCTURES, ids=repr)
def test_pack_and_map_round_trip_like_keras(s):
    leaves = [f"v{i}" for i in range(len(keras.tree.flatten(s)))]
    cases = [
        ("pack_sequence_as", (s, leaves)),
        ("map_structure", (repr, s)),
        ("lists_to_tuples", (s,)),
    ]
    for name, args in cases:
        got = getattr(dn.tree, name)(*args)
        _same(got, getattr(keras.tree, name)(*args))
        # Rebuilt dicts keep the structure's key order: Keras's documented (optree) result.
        _same(got, getattr(optree_impl, name)(*args), order=True)


def test_struct_sequences_are_nodes_as_in_optree():
    t = time.gmtime(0)
    assert dn.tree.is_nested(t) and optree_impl.is_nested(t)
    assert dn.tree.flatten(t) == optree_impl.flatten(t)
    assert dn.tree.pack_sequence_as(t, dn.tree.flatten(t)) == t


MAP_CASES = [  # (args, kwargs): each either succeeds in both libraries or raises ValueError
    (([1, 2], (1, 2)), {}),
    (({"a": 1, "b": 2}, collections.OrderedDict(b=1, a=2)), {}),
    (({"a": 1}, {"b": 1}), {}),
    (([1], [1, 2]), {}),
    (([[1], 2], [1, 2]), {}),
    (([None, 2], [None, 3]), {"none_is_leaf": False}),
    (([None, 2], [1, 3]), {"none_is_leaf": False}),
    (([None, 2], [1, 3]), {}),
    ((Point(1, 2), Other(1, 2)), {}),
    ((Point(1, 2), (1, 2)), {}),
    (([(1, 2), {"k": [3]}], [(4, 5), {"k": [6]}]), {}),
]


@pytest.mark.parametrize("args, kwargs", MAP_CASES, ids=repr)
def test_map_structure_and_assert_same_structure_match_keras(args, kwargs):
    def fn(*xs):
        return tuple(xs)

    try:
        want = keras.tree.map_structure(fn, *args, **kwargs)
    except ValueError:
        with pytest.raises(ValueError, match="same nested structure"):
            dn.tree.map_structure(fn, *args, **kwargs)
        if not kwargs:
            with pytest.raises(ValueError):
                dn.tree.assert_same_structure(*args)
        return
    _same(dn.tree.map_structure(fn, *args, **kwargs), want)
    if not kwargs:
        dn.tree.assert_same_structure(*args)


def test_map_structure_leaf_against_node_raises_where_keras_torch_does_not():
    # Keras documents a ValueError (its optree implementation raises; the torch one maps).
    for args, kwargs in [(([1, 2], [[1], 2]), {}), (([1, 2], [None, 3]), {"none_is_leaf": False})]:
        with pytest.raises(ValueError):
            optree_impl.map_structure(lambda *x: 0, *args, **kwargs)
        with pytest.raises(ValueError, match="same nested structure"):
            dn.tree.map_structure(lambda *x: 0, *args, **kwargs)


UP_TO_CASES = [
    ([None, None], len, ([[1, 1], [2, 2]],)),
    ([None, [None, None]], str, ([[1, 1], [2, 2]],)),
    ({"a": None, "b": None}, str, ({"a": [1], "b": 2},)),
    ([None, None], lambda a, b: (a, b), ([[1], 2], [3, [4]])),
    ([[None], None], str, ([1, [2, 2]],)),
    ({"a": None}, str, ({"a": [1], "b": 2},)),
]


@pytest.mark.parametrize("shallow, fn, structures", UP_TO_CASES, ids=repr)
def test_map_structure_up_to_matches_keras(shallow, fn, structures):
    try:
        want = keras.tree.map_structure_up_to(shallow, fn, *structures)
    except ValueError:
        with pytest.raises(ValueError):
            dn.tree.map_structure_up_to(shallow, fn, *structures)
        return
    _same(dn.tree.map_structure_up_to(shallow, fn, *structures), want)


def test_traverse_matches_keras():
    s = [(1, 2), [3, (4,)], {"a": (5,), "b": 6}]
    for top_down in (True, False):
        seen_dn, seen_k = [], []
        _same(
            dn.tree.traverse(seen_dn.append, s, top_down=top_down),
            keras.tree.traverse(seen_k.append, s, top_down=top_down),
        )
        assert seen_dn == seen_k

        def replace(x, sentinel):
            return "X" if isinstance(x, tuple) else (sentinel if x == 3 else None)

        got = dn.tree.traverse(lambda x: replace(x, dn.tree.MAP_TO_NONE), s, top_down=top_down)
        want = keras.tree.traverse(lambda x: replace(x, keras.tree.MAP_TO_NONE), s, top_down)
        _same(got, want)
    with pytest.raises(TypeError):
        dn.tree.traverse(None, s)


def test_map_shape_structure_matches_keras():
    s = [(1, None), {"a": [2, 3], "b": (None,)}, (), [[1]], 7]
    _same(
        dn.tree.map_shape_structure(lambda x: ("S", x), s),
        keras.tree.map_shape_structure(lambda x: ("S", x), s),
    )


@pytest.mark.parametrize(
    "a, b", [([0, 1], (2, 3)), (Point(0, 1), Other(2, 3)), ([0, 1], {"a": 1}), ({"a": 1}, [0])]
)
def test_assert_same_paths_matches_keras(a, b):
    try:
        keras.tree.assert_same_paths(a, b)
    except ValueError as e:
        with pytest.raises(ValueError) as got:
            dn.tree.assert_same_paths(a, b)
        assert str(got.value) == str(e)
        return
    dn.tree.assert_same_paths(a, b)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="too few"):
        dn.tree.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError, match="too many"):
        dn.tree.pack_sequence_as([1, 2], [1, 2, 3])
    with pytest.raises(TypeError, match="flat_sequence"):
        dn.tree.pack_sequence_as([1], 5)
    with pytest.raises(ValueError, match="missing key"):
        dn.tree.map_structure(lambda *x: 0, {"a": 1}, {"b": 1})
    with pytest.raises(TypeError, match="callable"):
        dn.tree.map_structure(None, [1])
    with pytest.warns(DeprecationWarning, match="check_types"):
        dn.tree.assert_same_structure([1], [2], check_types=True)
