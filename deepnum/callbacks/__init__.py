"""Callbacks (Keras's ``keras.callbacks``): hooks into fit, evaluate and predict."""

from deepnum.callbacks.callback import Callback, CallbackList, History
from deepnum.callbacks.checkpoint import BackupAndRestore, ModelCheckpoint
from deepnum.callbacks.ema import SwapEMAWeights
from deepnum.callbacks.gradient_monitor import GradientMonitor
from deepnum.callbacks.logging import CSVLogger
from deepnum.callbacks.monitoring import EarlyStopping, ReduceLROnPlateau, TerminateOnNaN
from deepnum.callbacks.progbar import ProgbarLogger
from deepnum.callbacks.remote import RemoteMonitor
from deepnum.callbacks.scheduling import LambdaCallback, LearningRateScheduler
from deepnum.callbacks.tensorboard import TensorBoard

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "GradientMonitor",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "RemoteMonitor",
    "SwapEMAWeights",
    "TensorBoard",
    "TerminateOnNaN",
]
