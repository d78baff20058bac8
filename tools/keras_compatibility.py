"""Enumerate Keras 3's public API and compare deepnum's with it, name by name.

``python -m tools.keras_compatibility`` writes ``docs/keras_compatibility.md``: per namespace,
the names deepnum has out of Keras's, the signature mismatches, and every exclusion with its
reason. ``tests/test_keras_catalogue.py`` runs the same enumeration and fails on a missing
name or a signature that differs, in the namespaces listed in ``COMPLETE``.

``python -m tools.keras_compatibility --missing ops.numpy`` lists what one namespace lacks.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pathlib
import sys
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "keras_compatibility.md"

# Keras's public namespaces, in the order the document lists them. ``ops.math`` and
# ``ops.core`` are not public modules in Keras: their membership is that of Keras's sources
# (keras/src/ops/math.py and core.py), as deepnum groups them.
NAMESPACES = [
    "ops",
    "ops.numpy",
    "ops.nn",
    "ops.linalg",
    "ops.image",
    "ops.math",
    "ops.core",
    "random",
    "backend",
    "tree",
    "config",
    "activations",
    "initializers",
    "regularizers",
    "constraints",
    "losses",
    "metrics",
    "optimizers",
    "optimizers.schedules",
    "callbacks",
    "models",
    "saving",
    "utils",
    "layers",
    "datasets",
    "applications",
    "dtype_policies",
    "mixed_precision",
    "quantizers",
    "distribution",
    "export",
    "visualization",
    "wrappers",
    "preprocessing",
    "legacy",
]

# The namespaces that are complete: the test fails on any missing name or signature mismatch.
COMPLETE: list[str] = [
    "ops",
    "ops.numpy",
    "ops.nn",
    "ops.linalg",
    "ops.image",
    "ops.math",
    "ops.core",
    "random",
    "backend",
    "tree",
    "config",
    "activations",
    "initializers",
    "regularizers",
    "constraints",
    "losses",
    "metrics",
    "optimizers",
    "optimizers.schedules",
    "callbacks",
    "models",
    "saving",
    "utils",
    "layers",
    "datasets",
    "applications",
]

# Names that only make sense inside another backend: never built, with the reason.
EXCLUDED: dict[str, str] = {
    "layers.TorchModuleWrapper": "wraps a torch.nn.Module: only meaningful on the torch backend",
    "layers.JaxLayer": "wraps a JAX function: only meaningful on the JAX backend",
    "layers.FlaxLayer": "wraps a Flax module: only meaningful on the JAX backend",
    "layers.TFSMLayer": "loads a TensorFlow SavedModel: only meaningful with TensorFlow",
    "callbacks.OrbaxCheckpoint": "Orbax is JAX's checkpoint library",
    "distribution": "JAX device meshes and layouts (keras.distribution runs on JAX only)",
}

# Names whose work belongs to another issue and is not done yet: listed in the document as
# missing, never counted as covered.
PENDING: dict[str, str] = {}


@dataclass
class Report:
    namespace: str
    names: list[str]
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    mismatches: dict[str, str] = field(default_factory=dict)


def _resolve(root: Any, dotted: str) -> Any:
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def keras_names(namespace: str) -> list[str]:
    """The public names of one of Keras's namespaces."""
    keras = importlib.import_module("keras")
    if namespace in ("ops.math", "ops.core"):
        src = importlib.import_module(f"keras.src.{namespace}")
        public = set(dir(keras.ops))
        return sorted(
            n
            for n, obj in vars(src).items()
            if n in public and inspect.isfunction(obj) and obj.__module__ == src.__name__
        )
    module = _resolve(keras, namespace)
    return sorted(n for n in dir(module) if not n.startswith("_"))


def _parameters(obj: Any) -> list[inspect.Parameter] | None:
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        params = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return None
    if inspect.isclass(obj) and params and params[0].name == "self":
        params = params[1:]
    return params


def _same_default(a: Any, b: Any) -> bool:
    if a is inspect.Parameter.empty or b is inspect.Parameter.empty:
        return a is b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_default(x, y) for x, y in zip(a, b))
    if isinstance(a, (type(None), bool, int, float, str)):
        return (
            type(a) is type(b)
            and a == b
            or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b)
        )
    return type(a).__name__ == type(b).__name__  # objects: the same kind of default


def signature_difference(keras_obj: Any, ours: Any) -> str | None:
    """Why ``ours`` does not have ``keras_obj``'s signature, or None when it does.

    Parameter names, their order and kinds (positional, keyword-only, ``*args``,
    ``**kwargs``) and their defaults must be the same.
    """
    want, got = _parameters(keras_obj), _parameters(ours)
    if want is None or got is None:
        return None
    if [(p.name, p.kind) for p in want] != [(p.name, p.kind) for p in got]:
        return f"Keras ({_render(want)}) vs deepnum ({_render(got)})"
    for w, g in zip(want, got):
        if not _same_default(w.default, g.default):
            return f"default of {w.name!r}: Keras {w.default!r} vs deepnum {g.default!r}"
    return None


def _render(params: list[inspect.Parameter]) -> str:
    return ", ".join(str(p.replace(annotation=inspect.Parameter.empty)) for p in params)


def report(namespace: str) -> Report:
    """Compare one namespace of Keras with deepnum's."""
    keras = importlib.import_module("keras")
    deepnum = importlib.import_module("deepnum")
    ours = _resolve(deepnum, namespace)
    rep = Report(namespace, keras_names(namespace))
    for name in rep.names:
        key = f"{namespace}.{name}"
        reason = EXCLUDED.get(key) or EXCLUDED.get(namespace)
        if reason:
            rep.excluded[name] = reason
            continue
        obj = getattr(ours, name, None) if ours is not None else None
        if obj is None:
            if key in PENDING:
                rep.pending[name] = PENDING[key]
            else:
                rep.missing.append(name)
            continue
        rep.present.append(name)
        keras_obj = _resolve(keras, key) if namespace not in ("ops.math", "ops.core") else None
        if keras_obj is None:
            keras_obj = getattr(keras.ops, name, None)
        if callable(keras_obj) and callable(obj) and not inspect.ismodule(obj):
            why = signature_difference(keras_obj, obj)
            if why:
                rep.mismatches[name] = why
    return rep


def render(reports: list[Report]) -> str:
    keras = importlib.import_module("keras")
    lines = [
        "# Keras compatibility",
        "",
        f"Generated by `python -m tools.keras_compatibility` against Keras {keras.__version__}.",
        "A name counts as covered when `deepnum.<namespace>.<name>` exists; its signature is",
        "compared with Keras's (parameter names, order, kinds and defaults).",
        "",
        "| namespace | covered | Keras's names | excluded | signature mismatches |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in reports:
        total = len(r.names) - len(r.excluded)
        lines.append(
            f"| `{r.namespace}` | {len(r.present)} | {total} | {len(r.excluded)} | "
            f"{len(r.mismatches)} |"
        )
    lines += ["", "## Exclusions", ""]
    for key, reason in sorted(EXCLUDED.items()):
        lines.append(f"- `keras.{key}`: {reason}.")
    for r in reports:
        if not (r.missing or r.pending or r.mismatches):
            continue
        lines += ["", f"## `{r.namespace}`", ""]
        if r.missing or r.pending:
            names = sorted(r.missing + list(r.pending))
            lines.append("Not yet in deepnum: " + ", ".join(f"`{n}`" for n in names) + ".")
        for name, why in sorted(r.mismatches.items()):
            lines.append(f"- `{name}`: {why}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", metavar="NAMESPACE", help="list one namespace's gaps")
    args = parser.parse_args(argv)
    if args.missing:
        r = report(args.missing)
        print(f"{len(r.present)}/{len(r.names) - len(r.excluded)} covered")
        print("missing:", " ".join(r.missing + list(r.pending)))
        for name, why in sorted(r.mismatches.items()):
            print(f"signature {name}: {why}")
        return 0
    text = render([report(ns) for ns in NAMESPACES])
    tmp = DOC.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(DOC)
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
