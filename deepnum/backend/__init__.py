"""The bottom layer: array namespace, dtype policy and random state.

Everything above this package reaches NumPy or CuPy only through
:func:`get_array_module` (``xp``), so the same op code runs on both.
"""

from deepnum.backend import memory
from deepnum.backend.arrays import (
    cupy_available,
    get_array_module,
    is_array,
    to_numpy,
)
from deepnum.backend.device import (
    Device,
    default_device,
    device,
    device_of,
    set_device,
    to_device,
)
from deepnum.backend.dtypes import (
    epsilon,
    floatx,
    is_float_dtype,
    is_int_dtype,
    result_type,
    set_epsilon,
    set_floatx,
    standardize_dtype,
)
from deepnum.backend.global_state import (
    backend,
    clear_session,
    get_uid,
    image_data_format,
    is_keras_tensor,
    set_image_data_format,
)
from deepnum.backend.memory import allocator_tuned, release_memory, tune_allocator
from deepnum.backend.random import default_rng, seed_everything

memory._tune_on_import()

__all__ = [
    "backend",
    "clear_session",
    "get_uid",
    "image_data_format",
    "is_keras_tensor",
    "set_image_data_format",
    "Device",
    "default_device",
    "device",
    "device_of",
    "set_device",
    "to_device",
    "cupy_available",
    "default_rng",
    "allocator_tuned",
    "epsilon",
    "floatx",
    "get_array_module",
    "is_array",
    "is_float_dtype",
    "is_int_dtype",
    "release_memory",
    "result_type",
    "seed_everything",
    "set_epsilon",
    "set_floatx",
    "standardize_dtype",
    "to_numpy",
    "tune_allocator",
]
