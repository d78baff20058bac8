"""File utilities with Keras's names: ``get_file`` (Keras's download cache, verified atomic
downloads, safe extraction), ``hash_file``, ``validate_file`` and ``extract_archive``.

They are implemented in ``deepnum.datasets`` (``_files.py``, ``_archive.py``, ``_cache.py``),
whose loaders download through them; this module is their place in ``deepnum.utils``.
"""

from deepnum.datasets._archive import extract_archive
from deepnum.datasets._files import get_file, hash_file, validate_file

__all__ = ["extract_archive", "get_file", "hash_file", "validate_file"]
