"""keras.io's "Writing your own callbacks" guide: its callbacks, written as there, print the
same lines with deepnum as with Keras 3 (torch backend) — every hook receives a ``logs`` dict
(``{}`` where Keras gives no values), fit's validation fires the test hooks, predict fires the
predict hooks — and stop training at the same epoch."""

# ruff: noqa: UP032 - the guide's callbacks are kept as written there (str.format)

from __future__ import annotations

import numpy as np

from tests.guide_snippets import libraries, printed

RNG = np.random.default_rng(0)
X_TRAIN = RNG.random((20, 8)).astype("float32")
Y_TRAIN = RNG.integers(0, 10, 20).astype("float32")
X_TEST, Y_TEST = X_TRAIN[:10], Y_TRAIN[:10]


def get_model(keras):
    model = keras.Sequential()
    model.add(keras.layers.Dense(1))
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    model.build((None, 8))
    model.set_weights([np.full((8, 1), 0.1, "float32"), np.zeros(1, "float32")])
    return model


def custom_callback_guide(keras, layers, ops):
    class CustomCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            keys = list(logs.keys())
            print("Starting training; got log keys: {}".format(keys))

        def on_train_end(self, logs=None):
            keys = list(logs.keys())
            print("Stop training; got log keys: {}".format(keys))

        def on_epoch_begin(self, epoch, logs=None):
            keys = list(logs.keys())
            print("Start epoch {} of training; got log keys: {}".format(epoch, keys))

        def on_epoch_end(self, epoch, logs=None):
            keys = list(logs.keys())
            print("End epoch {} of training; got log keys: {}".format(epoch, keys))

        def on_test_begin(self, logs=None):
            keys = list(logs.keys())
            print("Start testing; got log keys: {}".format(keys))

        def on_test_end(self, logs=None):
            keys = list(logs.keys())
            print("Stop testing; got log keys: {}".format(keys))

        def on_predict_begin(self, logs=None):
            keys = list(logs.keys())
            print("Start predicting; got log keys: {}".format(keys))

        def on_predict_end(self, logs=None):
            keys = list(logs.keys())
            print("Stop predicting; got log keys: {}".format(keys))

        def on_train_batch_begin(self, batch, logs=None):
            keys = list(logs.keys())
            print("...Training: start of batch {}; got log keys: {}".format(batch, keys))

        def on_train_batch_end(self, batch, logs=None):
            keys = list(logs.keys())
            print("...Training: end of batch {}; got log keys: {}".format(batch, keys))

        def on_test_batch_begin(self, batch, logs=None):
            keys = list(logs.keys())
            print("...Evaluating: start of batch {}; got log keys: {}".format(batch, keys))

        def on_test_batch_end(self, batch, logs=None):
            keys = list(logs.keys())
            print("...Evaluating: end of batch {}; got log keys: {}".format(batch, keys))

        def on_predict_batch_begin(self, batch, logs=None):
            keys = list(logs.keys())
            print("...Predicting: start of batch {}; got log keys: {}".format(batch, keys))

        def on_predict_batch_end(self, batch, logs=None):
            keys = list(logs.keys())
            print("...Predicting: end of batch {}; got log keys: {}".format(batch, keys))

    model = get_model(keras)
    model.fit(
        X_TRAIN,
        Y_TRAIN,
        batch_size=4,
        epochs=1,
        verbose=0,
        validation_split=0.5,
        callbacks=[CustomCallback()],
    )
    res = model.evaluate(X_TEST, Y_TEST, batch_size=8, verbose=0, callbacks=[CustomCallback()])
    res = model.predict(X_TEST, batch_size=8, callbacks=[CustomCallback()], verbose=0)
    print(type(res).__name__, res.shape)


def logs_and_schedule_guide(keras, layers, ops):
    class LossAndErrorPrintingCallback(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print("Up to batch {}, the average loss is {:7.2f}.".format(batch, logs["loss"]))

        def on_test_batch_end(self, batch, logs=None):
            print("Up to batch {}, the average loss is {:7.2f}.".format(batch, logs["loss"]))

        def on_epoch_end(self, epoch, logs=None):
            print(
                "The average loss for epoch {} is {:7.2f} "
                "and mean absolute error is {:7.2f}.".format(
                    epoch, logs["loss"], logs["mean_absolute_error"]
                )
            )

    class CustomLearningRateScheduler(keras.callbacks.Callback):
        def __init__(self, schedule):
            super().__init__()
            self.schedule = schedule

        def on_epoch_begin(self, epoch, logs=None):
            if not hasattr(self.model.optimizer, "learning_rate"):
                raise ValueError('Optimizer must have a "learning_rate" attribute.')
            # Get the current learning rate from model's optimizer.
            lr = self.model.optimizer.learning_rate
            # Call schedule function to get the scheduled learning rate.
            scheduled_lr = self.schedule(epoch, lr)
            # Set the value back to the optimizer before this epoch starts
            self.model.optimizer.learning_rate = scheduled_lr
            print(f"\nEpoch {epoch}: Learning rate is {float(np.array(scheduled_lr)):.6f}.")

    lr_schedule_table = [(1, 0.05), (2, 0.01)]

    def lr_schedule(epoch, lr):
        """Helper function to retrieve the scheduled learning rate based on epoch."""
        if epoch < lr_schedule_table[0][0] or epoch > lr_schedule_table[-1][0]:
            return lr
        for i in range(len(lr_schedule_table)):
            if epoch == lr_schedule_table[i][0]:
                return lr_schedule_table[i][1]
        return lr

    model = get_model(keras)
    model.fit(
        X_TRAIN,
        Y_TRAIN,
        batch_size=8,
        epochs=3,
        verbose=0,
        shuffle=False,
        callbacks=[LossAndErrorPrintingCallback(), CustomLearningRateScheduler(lr_schedule)],
    )
    model.evaluate(
        X_TEST, Y_TEST, batch_size=8, verbose=0, callbacks=[LossAndErrorPrintingCallback()]
    )


def early_stopping_guide(keras, layers, ops):
    class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
        """Stop training when the loss is at its min, i.e. the loss stops decreasing."""

        def __init__(self, patience=0):
            super().__init__()
            self.patience = patience
            # best_weights to store the weights at which the minimum loss occurs.
            self.best_weights = None

        def on_train_begin(self, logs=None):
            # The number of epoch it has waited when loss is no longer minimum.
            self.wait = 0
            # The epoch the training stops at.
            self.stopped_epoch = 0
            # Initialize the best as infinity.
            self.best = np.inf

        def on_epoch_end(self, epoch, logs=None):
            current = logs.get("loss")
            if np.less(current, self.best):
                self.best = current
                self.wait = 0
                # Record the best weights if current results is better (less).
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.stopped_epoch = epoch
                    self.model.stop_training = True
                    print("Restoring model weights from the end of the best epoch.")
                    self.model.set_weights(self.best_weights)

        def on_train_end(self, logs=None):
            if self.stopped_epoch > 0:
                print(f"Epoch {self.stopped_epoch + 1}: early stopping")

    model = get_model(keras)
    model.optimizer.learning_rate = 2.0  # large steps: the loss soon stops decreasing
    history = model.fit(
        X_TRAIN,
        Y_TRAIN,
        batch_size=8,
        epochs=30,
        verbose=0,
        shuffle=False,
        callbacks=[EarlyStoppingAtMinLoss()],
    )
    print("epochs run:", len(history.history["loss"]))


def test_every_hook_receives_logs_like_keras():
    texts = {lib: printed(custom_callback_guide, *args) for lib, args in libraries().items()}
    assert texts["deepnum"] == texts["keras"]
    assert "Starting training; got log keys: []" in texts["deepnum"]
    assert (
        "End epoch 0 of training; got log keys: ['loss', 'mean_absolute_error', 'val_loss'"
        in (texts["deepnum"])
    )


def test_logs_values_and_a_learning_rate_schedule_like_keras():
    texts = {lib: printed(logs_and_schedule_guide, *args) for lib, args in libraries().items()}
    assert texts["deepnum"] == texts["keras"]
    assert "Epoch 2: Learning rate is 0.010000." in texts["deepnum"]


def test_early_stopping_at_min_loss_stops_at_the_same_epoch():
    texts = {lib: printed(early_stopping_guide, *args) for lib, args in libraries().items()}
    assert texts["deepnum"] == texts["keras"]
    assert "early stopping" in texts["deepnum"]
