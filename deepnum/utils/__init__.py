"""Utilities (Keras's ``keras.utils``)."""

from deepnum.data import PyDataset
from deepnum.data import PyDataset as Sequence
from deepnum.utils.data_utils import normalize, pad_sequences, split_dataset, to_categorical
from deepnum.utils.random import set_random_seed

__all__ = ["set_random_seed"]
__all__ += ["PyDataset", "Sequence", "normalize", "pad_sequences", "split_dataset"]
__all__ += ["to_categorical"]
