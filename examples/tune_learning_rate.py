"""Tune the learning rate (on a log scale) and the hidden units of a digits classifier.

Random search first, then a coarse-to-fine round around the best trials. The study is kept in
tuner_runs/digits/tuner.db: stop the script and run it again, and it resumes where it stopped.
"""

import deepnum as keras
from deepnum import layers, tuners

(x, y), (x_test, y_test) = keras.datasets.digits.load_data()
x, x_test = x.reshape(len(x), -1) / 16.0, x_test.reshape(len(x_test), -1) / 16.0


def build_model(hp):
    model = keras.Sequential(
        [
            keras.Input((64,)),
            layers.Dense(hp.Int("units", 16, 128, step=16), activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    learning_rate = hp.Float("learning_rate", 1e-4, 1.0, sampling="log")
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


tuner = tuners.RandomSearch(
    build_model,
    objective="val_accuracy",
    max_trials=10,
    seed=0,
    directory="tuner_runs",
    project_name="digits",
)
tuner.search_space_summary()
tuner.search(x, y, epochs=5, batch_size=32, validation_split=0.2, verbose=0)
tuner.refine(top_k=3, shrink=0.3, max_trials=5)  # zoom into the best region, search again
tuner.results_summary(3)

best_hp = tuner.get_best_hyperparameters()[0]
print("best:", best_hp.values)
model = tuner.hypermodel.build(best_hp)  # retrain the best configuration on all the data
model.fit(x, y, epochs=10, batch_size=32, verbose=0)
print("test loss, accuracy:", model.evaluate(x_test, y_test, verbose=0))
tuners.plot_optimization_history(tuner, "tuner_runs/history.png")
tuners.plot_slice(tuner, "tuner_runs/slice.png")
