"""Atomic file writes (one implementation: :mod:`deepnum.saving.atomic`, re-exported here for
the writers outside ``saving``): a temporary file in the same directory, flushed, then renamed;
temporaries left by killed writers are removed after the next successful write."""

from __future__ import annotations

from deepnum.saving.atomic import atomic_write

__all__ = ["atomic_write"]
