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
