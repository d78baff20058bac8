"""Horovod's Keras MNIST example (``examples/keras/keras_mnist.py``), written for Horovod and run
on deepnum with only the imports changed, on the bundled 8×8 digits to stay fast (and without
its Dropout, whose per-rank masks a single process cannot reproduce).

Run: ``mpiexec -n 2 python horovod_mnist.py OUT``; or ``python horovod_mnist.py OUT
--ranks-emulated 2`` for the single-process reference: the global batch of 2 ranks, and the
warmup that ``LearningRateWarmupCallback`` makes with 2 ranks, written out here by hand.
Each rank writes ``OUT/rank<r>.npz`` (final weights) and rank 0 ``OUT/result.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os

import numpy as np

import deepnum as keras  # Horovod's example: import keras
from deepnum import distributed as hvd  # Horovod's example: import horovod.keras as hvd


def main() -> None:  # the example's top level, in a function so that importing is free
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--ranks-emulated", type=int, default=1)
    args = parser.parse_args()
    emulated = args.ranks_emulated

    # Horovod: initialize Horovod.
    hvd.init()
    keras.utils.set_random_seed(0 if hvd.rank() == 0 else 1000 + hvd.rank())  # ranks start apart

    batch_size = 16
    num_classes = 10
    epochs = 3

    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = x_train[:160].reshape(-1, 8, 8, 1).astype("float32") / 16
    x_test = x_test[:64].reshape(-1, 8, 8, 1).astype("float32") / 16
    y_train = keras.utils.to_categorical(y_train[:160], num_classes)
    y_test = keras.utils.to_categorical(y_test[:64], num_classes)

    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )

    # Horovod: adjust learning rate based on number of workers.
    size = hvd.size() * emulated
    scaled_lr = 1.0 * size
    opt = keras.optimizers.Adadelta(scaled_lr)

    # Horovod: add Horovod Distributed Optimizer.
    opt = hvd.DistributedOptimizer(opt)

    model.compile(
        loss=keras.losses.categorical_crossentropy,
        optimizer=opt,
        metrics=["accuracy"],
    )

    callbacks = [
        # Horovod: broadcast initial variable states from rank 0 to all other processes.
        hvd.callbacks.BroadcastGlobalVariablesCallback(0),
        # Horovod: average metrics among workers at the end of every epoch.
        hvd.callbacks.MetricAverageCallback(),
    ]
    if emulated == 1:
        # Horovod: using `lr = 1.0 * hvd.size()` from the very beginning leads to worse final
        # accuracy. Scale the learning rate `lr = 1.0` ---> `lr = 1.0 * hvd.size()` during
        # the first two epochs.
        callbacks.append(
            hvd.callbacks.LearningRateWarmupCallback(
                initial_lr=scaled_lr, warmup_epochs=2, verbose=1
            )
        )
    else:  # the warmup of `size` ranks in one process, from Horovod's formula
        steps = math.ceil(len(x_train) / (batch_size * emulated))

        def warmup(batch, logs=None):
            if epoch_now[0] < 2:
                e = epoch_now[0] + float(batch) / steps + 1.0 / steps
                model.optimizer.learning_rate = scaled_lr * (1.0 / size * (e * (size - 1) / 2 + 1))

        epoch_now = [0]
        callbacks.append(
            keras.callbacks.LambdaCallback(
                on_epoch_begin=lambda epoch, logs=None: epoch_now.__setitem__(0, epoch),
                on_train_batch_begin=warmup,
            )
        )

    # Horovod: save checkpoints only on worker 0 to prevent other workers from corrupting them.
    if hvd.rank() == 0:
        callbacks.append(
            keras.callbacks.ModelCheckpoint(os.path.join(args.out, "ckpt-{epoch}.keras"))
        )

    os.makedirs(args.out, exist_ok=True)
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size * emulated,
        callbacks=callbacks,
        epochs=epochs,
        verbose=1 if hvd.rank() == 0 else 0,
        validation_data=(x_test, y_test),
    )
    # Horovod: the score averaged over the workers.
    score = hvd.allreduce(model.evaluate(x_test, y_test, verbose=0))

    np.savez(os.path.join(args.out, f"rank{hvd.rank()}.npz"), *model.get_weights())
    if hvd.rank() == 0:
        result = {
            "score": [float(s) for s in score],
            "history": history.history,
            "optimizer": type(model.optimizer).__name__,
            "learning_rate": float(model.optimizer.learning_rate),
        }
        with open(os.path.join(args.out, "result.json"), "w") as f:
            json.dump(result, f)


if __name__ == "__main__":
    main()
