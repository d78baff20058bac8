"""Callbacks (Keras's ``keras.callbacks``): hooks into fit, evaluate and predict."""

from deepnum.callbacks.callback import Callback, CallbackList, History
from deepnum.callbacks.checkpoint import BackupAndRestore, ModelCheckpoint
from deepnum.callbacks.logging import CSVLogger, TensorBoard
from deepnum.callbacks.monitoring import EarlyStopping, ReduceLROnPlateau, TerminateOnNaN
from deepnum.callbacks.progbar import ProgbarLogger
from deepnum.callbacks.scheduling import LambdaCallback, LearningRateScheduler

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
]
