"""compile / fit / evaluate / predict: the training loop behind Model."""

from deepnum.training.trainer import Trainer

__all__ = ["Trainer"]
