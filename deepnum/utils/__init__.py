"""Utilities (Keras's ``keras.utils``)."""

from deepnum.data import PyDataset
from deepnum.data import PyDataset as Sequence
from deepnum.utils.data_utils import normalize, pad_sequences, split_dataset, to_categorical
from deepnum.utils.random import set_random_seed

__all__ = ["set_random_seed"]
__all__ += ["PyDataset", "Sequence", "normalize", "pad_sequences", "split_dataset"]
__all__ += ["to_categorical"]
from deepnum.layers.context import clear_session  # noqa: E402
from deepnum.utils.model_plot import model_to_dot, plot_model  # noqa: E402
from deepnum.utils.plotting import plot_confusion_matrix, plot_history  # noqa: E402

__all__ += ["clear_session", "model_to_dot", "plot_confusion_matrix", "plot_history", "plot_model"]
from deepnum import config as _config  # noqa: E402
from deepnum.backend import is_keras_tensor, standardize_dtype  # noqa: E402
from deepnum.saving.object_registration import (  # noqa: E402
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from deepnum.saving.serialization import (  # noqa: E402
    deserialize_keras_object,
    serialize_keras_object,
)
from deepnum.utils import legacy  # noqa: E402
from deepnum.utils.batching import pack_x_y_sample_weight, unpack_x_y_sample_weight  # noqa: E402
from deepnum.utils.config import Config  # noqa: E402
from deepnum.utils.progbar import Progbar  # noqa: E402
from deepnum.utils.symbolic import get_source_inputs  # noqa: E402

enable_interactive_logging = _config.enable_interactive_logging
disable_interactive_logging = _config.disable_interactive_logging
is_interactive_logging_enabled = _config.is_interactive_logging_enabled

__all__ += ["Config", "CustomObjectScope", "Progbar", "custom_object_scope"]
__all__ += ["deserialize_keras_object", "disable_interactive_logging"]
__all__ += ["enable_interactive_logging", "get_custom_objects", "get_registered_name"]
__all__ += ["get_registered_object", "get_source_inputs", "is_interactive_logging_enabled"]
__all__ += ["is_keras_tensor", "legacy", "pack_x_y_sample_weight"]
__all__ += ["register_keras_serializable", "serialize_keras_object", "standardize_dtype"]
__all__ += ["unpack_x_y_sample_weight"]
from deepnum.utils.file_utils import get_file  # noqa: E402

__all__ += ["get_file"]
from deepnum.utils.audio_dataset_utils import audio_dataset_from_directory  # noqa: E402
from deepnum.utils.dataset_utils import split_dataset  # noqa: E402, F811 - Keras's signature
from deepnum.utils.image_dataset_utils import image_dataset_from_directory  # noqa: E402
from deepnum.utils.image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: E402
from deepnum.utils.text_dataset_utils import text_dataset_from_directory  # noqa: E402
from deepnum.utils.timeseries_dataset_utils import timeseries_dataset_from_array  # noqa: E402

__all__ += ["array_to_img", "audio_dataset_from_directory", "image_dataset_from_directory"]
__all__ += ["img_to_array", "load_img", "save_img", "text_dataset_from_directory"]
__all__ += ["timeseries_dataset_from_array"]
from deepnum.utils.feature_space import FeatureSpace  # noqa: E402

__all__ += ["FeatureSpace"]
from deepnum.utils import bounding_boxes  # noqa: E402

__all__ += ["bounding_boxes"]
from deepnum.utils.graph_plot import graph_to_dot, plot_graph  # noqa: E402

__all__ += ["graph_to_dot", "plot_graph"]
