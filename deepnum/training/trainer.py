"""Training and inference APIs of Model: compile, fit, evaluate, predict and the per-batch
steps they are made of (``train_step``/``test_step`` can be overridden for custom logic)."""

from __future__ import annotations

import contextlib
import sys
import warnings
from typing import Any

import numpy as np

from deepnum import config
from deepnum.autodiff.engine import run_backward
from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import device_of, to_device
from deepnum.data.structure import flatten, map_structure
from deepnum.layers.layer_state import structure_fixed
from deepnum.training import data_adapter as da
from deepnum.training import trainer_utils


class Trainer:
    """Mixin that gives Model Keras's training API."""

    def _init_trainer(self) -> None:
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._compile_loss = None
        self._compile_metrics = None
        self._compile_weighted_metrics = None
        self._loss_tracker = None
        self._output_loss_trackers: list = []
        self._compile_config: dict | None = None
        self._fit_weights: list | None = None
        self.run_eagerly = False
        self.jit_compile = False  # nothing to compile: every step runs eagerly
        self.steps_per_execution = 1
        self.stop_evaluating = False
        self.stop_predicting = False

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configure training: the optimizer, the loss(es) and the metrics to report.

        Args:
            optimizer: a name (``"adam"``), a config dict or an Optimizer.
            loss: a name, function or Loss; or a list/dict with one per output.
            loss_weights: scalar weights of each output's loss in the total.
            metrics: a list of names/functions/Metrics (``"accuracy"`` adapts to the loss),
                or a dict/list of lists per output. They ignore sample weights, as in Keras.
            weighted_metrics: metrics updated with ``sample_weight`` / ``class_weight``.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: Keras's options,
                kept as attributes (every step runs eagerly; there is nothing to compile).

        As in Keras, compiling again without ``loss`` (or without any metrics) keeps those of
        the earlier compile.
        """
        from deepnum import metrics as metrics_module
        from deepnum import optimizers
        from deepnum.training.compile_utils import CompileLoss, CompileMetrics, output_names

        self.optimizer, self._distributed_optimizer = trainer_utils.resolve_optimizer(
            optimizers, optimizer
        )
        names = output_names(self)
        if loss is not None:
            self._compile_loss = CompileLoss(loss, loss_weights, names)
        if metrics is not None or weighted_metrics is not None or self._compile_metrics is None:
            self._compile_metrics = CompileMetrics(metrics, names, self._compile_loss)
            self._compile_weighted_metrics = CompileMetrics(
                weighted_metrics, names, self._compile_loss, unweighted=self._compile_metrics
            )
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._output_loss_trackers = (
            [metrics_module.Mean(name=f"{n}_loss") for n in names] if len(names) > 1 else []
        )
        self._compile_config = {
            "optimizer": self.optimizer,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
        }
        if jit_compile is True and run_eagerly:
            warnings.warn(
                "If `run_eagerly` is True, then `jit_compile` cannot also be True. "
                "Disabling `jit_compile`.",
                stacklevel=2,
            )
        self.jit_compile = jit_compile is True and not run_eagerly
        self.run_eagerly = bool(run_eagerly)
        self.steps_per_execution = steps_per_execution
        self.compiled = True
        self.stop_training = False

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must call compile() before {what}, e.g. "
                "model.compile(optimizer='adam', loss='mse')."
            )

    @property
    def metrics(self) -> list[Any]:
        """Keras's order: the loss tracker(s), the compiled metrics, then the metrics that the
        model and its layers hold as attributes (updated in ``call``, e.g. an endpoint layer's
        accuracy)."""
        out = [self._loss_tracker] if self._loss_tracker is not None else []
        out += self._output_loss_trackers
        for compiled in (self._compile_metrics, self._compile_weighted_metrics):
            if compiled is not None:
                out += compiled.flat
        seen = {id(m) for m in out}
        return out + [m for m in super().metrics if id(m) not in seen]

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    # ------------------------------------------------------------------ steps
    def _as_list(self, value: Any) -> list:
        n = len(getattr(self, "outputs", None) or [None])
        if value is None:
            return [None] * n
        if isinstance(value, dict):
            from deepnum.training.compile_utils import output_names

            return [value.get(name) for name in output_names(self)]
        if isinstance(value, (list, tuple)) and n > 1:
            return list(value)
        return [value]

    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> Tensor:
        """Total loss: the compiled losses plus the layers' regularization losses."""
        total = None
        if self._compile_loss is not None and y is not None:
            ys, ps = self._as_list(y), self._as_list(y_pred)
            total, parts = self._compile_loss(ys, ps, self._weights_per_output(sample_weight))
            for tracker, part in zip(self._output_loss_trackers, parts):
                if part is not None:
                    tracker.update_state(float(part.data))
        for penalty in self.losses:  # add_loss terms and weight penalties, each summed
            penalty = trainer_utils.as_scalar_loss(penalty)
            total = penalty if total is None else total + penalty
        if total is None:
            raise ValueError(
                "No loss to optimize: compile with a loss (e.g. loss='mse'), pass targets `y`, "
                "or add losses with add_loss()."
            )
        return total

    def _update_metrics(self, y: Any, y_pred: Any, sample_weight: Any) -> None:
        if self._compile_metrics is None or y is None:
            return
        ys = [None if v is None else trainer_utils.host(v) for v in self._as_list(y)]
        ps = [trainer_utils.host(p) for p in self._as_list(y_pred)]
        self._compile_metrics.update_state(ys, ps, [None] * len(ys))
        if self._compile_weighted_metrics is not None:
            weights = self._weights_per_output(sample_weight)
            self._compile_weighted_metrics.update_state(ys, ps, weights)

    def _weights_per_output(self, sample_weight: Any) -> list:
        """One sample-weight array per output (a single array applies to every output)."""
        if isinstance(sample_weight, np.ndarray):
            return [sample_weight] * len(self._as_list(None))
        return self._as_list(sample_weight)

    def compute_metrics(
        self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None
    ) -> dict[str, float]:
        """Update the compiled metrics with a batch and return all metric results (Keras's
        hook for a custom ``train_step``)."""
        self._update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict[str, float]:
        return {m.name: float(trainer_utils.host(m.result())) for m in self.metrics}

    def _on_device(self, data: Any) -> Any:
        """Move a batch's arrays to the device of the model's weights (GPU training)."""
        if "cupy" not in sys.modules:  # no GPU array can exist: skip walking the weights
            return data
        weights = self.weights
        if not weights or device_of(weights[0].data).type == "cpu":
            return data
        target = device_of(weights[0].data)
        return map_structure(
            lambda a: (
                a
                if a is None
                or isinstance(a, Tensor)
                or np.ndim(a) == 0
                or trainer_utils.host_only(a)
                else to_device(np.asarray(a) if isinstance(a, list) else a, target)
            ),
            data,
        )

    def _forward(self, x: Any, training: bool) -> Any:
        """``self(x, training=...)``, as Keras's steps: the flag is passed only to a model whose
        ``call`` takes ``training`` (a subclassed ``call(self, x)`` runs its layers with their
        own defaults, e.g. Dropout inactive)."""
        if self._call_signature["training"]:
            return self(x, training=training)
        return self(x)

    def _step_scope(self) -> Any:
        """During a step of a built model, its layers' structure is memoized (a model not yet
        built creates its layers and weights in this step: nothing is memoized)."""
        return structure_fixed() if self.built else contextlib.nullcontext()

    def train_step(self, data: Any) -> dict[str, float]:
        """One optimisation step on a batch: forward, loss, backward, update, metrics."""
        x, y, sample_weight = da.unpack_x_y_sample_weight(self._on_device(data))
        y_pred = self._forward(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        weights = self._fit_weights if self._fit_weights is not None else self.trainable_weights
        if weights and loss.requires_grad:
            # As Keras: the gradients of the scaled loss, which apply() divides by the scale
            # (loss_scale_factor, LossScaleOptimizer's dynamic scale).
            scaled = self.optimizer.scale_loss(loss) if self.optimizer is not None else loss
            grads = run_backward([scaled], [None], inputs=weights)
            # Under MPI, fit routes the update through a DistributedOptimizer (all-reduce).
            optimizer = getattr(self, "_distributed_optimizer", None) or self.optimizer
            optimizer.apply(grads, weights)  # None for an unused weight: skipped, like Keras
        elif not weights:
            trainer_utils.warn_once(self, "The model does not have any trainable weights.")
        batch = len(flatten(x)[0])
        self._loss_tracker.update_state(float(loss.data), sample_weight=batch)
        self._update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def test_step(self, data: Any) -> dict[str, float]:
        """Loss and metrics on a batch, without updating the weights."""
        x, y, sample_weight = da.unpack_x_y_sample_weight(self._on_device(data))
        with no_grad():
            y_pred = self._forward(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        batch = len(flatten(x)[0])
        self._loss_tracker.update_state(float(loss.data), sample_weight=batch)
        self._update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def predict_step(self, data: Any) -> Any:
        x, _, _ = da.unpack_x_y_sample_weight(self._on_device(data))
        with no_grad():
            return self._forward(x, training=False)

    # ------------------------------------------------------------------ loops
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: list | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: dict | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
        distribution: Any = None,
    ) -> Any:
        """Train for ``epochs`` epochs of mini-batch gradient descent; return a History.

        Each epoch visits ceil(n / batch_size) batches in a fresh random order (``shuffle``);
        ``validation_split`` holds out the last fraction of the samples (before shuffling).
        ``distribution="mpi"`` (automatic after ``deepnum.distributed.init()`` under mpiexec)
        trains data-parallel: ``batch_size`` per rank, see ``deepnum.distributed.training``.
        """
        from deepnum.callbacks.callback import CallbackList, History
        from deepnum.callbacks.progbar import ProgbarLogger

        self._require_compiled("fit")
        epochs = config.capped_epochs(epochs)  # keras.config.set_max_epochs
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = da.train_validation_split(
                (x, y, sample_weight), validation_split
            )
        if class_weight is not None and y is not None:
            if sample_weight is not None:
                raise ValueError("Pass either class_weight or sample_weight, not both.")
            sample_weight = da.class_weight_to_sample_weight(y, class_weight)
        batches = da.make_batches(
            x, y, sample_weight, batch_size, shuffle, steps_per_epoch, **self._data_checks("fit")
        )
        if isinstance(batches, da.ArrayBatches):
            self._preflight(x, y)
            batches.resume = steps_per_epoch is not None  # epochs continue the pass (Keras)
        val = None
        if validation_data is not None:
            val = da.make_batches(
                *trainer_utils.split_validation(validation_data),
                validation_batch_size or batch_size,
                False,
                validation_steps,
                **self._data_checks("fit (validation_data)"),
            )
        verbose = 1 if verbose == "auto" else int(verbose)
        from deepnum.distributed.training import plan_for

        plan = plan_for(distribution)  # None: a single process
        if plan is not None:  # shard the data; only rank 0 prints and writes files
            batches, val, callbacks, verbose = plan.prepare(
                self, batches, val, callbacks, verbose, steps_per_epoch
            )
        history = History()
        cbs = CallbackList(
            list(callbacks or []) + ([ProgbarLogger()] if verbose else []) + [history],
            model=self,
            epochs=epochs,
            steps=len(batches) or None,
            verbose=verbose,
        )
        self.stop_training = False
        self._initial_epoch = initial_epoch
        cbs.on_train_begin()  # BackupAndRestore may move _initial_epoch forward
        initial_epoch, self._initial_epoch = self._initial_epoch, 0
        if plan is not None:  # every rank starts from rank 0's weights, optimizer and epoch
            initial_epoch = plan.synchronize(self, initial_epoch)
        # Trainable weights are collected once per fit (as Keras fixes them at compile time).
        self._fit_weights = self.trainable_weights
        try:
            logs = self._train_epochs(
                batches, val, cbs, plan, initial_epoch, epochs, validation_freq
            )
        finally:
            self._fit_weights = None
        if self.optimizer is not None and epochs > 0:  # use_ema: the averages become weights
            self.optimizer.finalize_variable_values(self.trainable_weights)
        cbs.on_train_end(logs if epochs > initial_epoch else {})
        if plan is not None:
            plan.finish(self)
        self.history = history
        return history

    def _train_epochs(
        self,
        batches: Any,
        val: Any,
        cbs: Any,
        plan: Any,
        initial_epoch: int,
        epochs: int,
        validation_freq: int,
    ) -> dict:
        """The epoch loop of ``fit``: train steps, epoch logs, validation, callbacks."""
        logs: dict = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs = {}
            for step, batch in enumerate(batches.epoch()):
                cbs.on_train_batch_begin(step)
                with self._step_scope():
                    logs = self.train_step(batch)
                cbs.on_train_batch_end(step, logs)
                if plan is not None:  # a rank that stops alone would leave the others waiting
                    plan.agree_to_stop(self)
                if self.stop_training:
                    break
            logs = dict(self.get_metrics_result()) if logs else logs
            if plan is not None and logs:  # the metrics of all ranks' samples
                logs = plan.reduce_metrics(self)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_batches(val, callbacks=cbs)  # test hooks fire, as Keras
                if plan is not None:
                    val_logs = plan.reduce_metrics(self)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        return logs

    def _evaluate_batches(self, batches: Any, callbacks: Any) -> dict[str, float]:
        """The loop of ``evaluate`` (also fit's validation), with its ``on_test_*`` hooks."""
        callbacks.on_test_begin()
        self.reset_metrics()
        self.stop_evaluating = False
        logs: dict = {}
        for step, batch in enumerate(batches.epoch()):
            callbacks.on_test_batch_begin(step)
            with self._step_scope():
                logs = self.test_step(batch)
            callbacks.on_test_batch_end(step, logs)
            if self.stop_evaluating:
                break
        logs = self.get_metrics_result() if logs else logs
        callbacks.on_test_end(logs)
        return logs

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: list | None = None,
        return_dict: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Loss and metrics on data: a scalar (loss only), a list, or a dict (``return_dict``).
        ``callbacks`` get the ``on_test_*`` hooks; one may set ``model.stop_evaluating``."""
        from deepnum.callbacks.callback import CallbackList

        self._require_compiled("evaluate")
        batches = da.make_batches(
            x, y, sample_weight, batch_size, False, steps, **self._data_checks("evaluate")
        )
        if isinstance(batches, da.ArrayBatches):
            self._preflight(x, y)
        if kwargs:
            raise ValueError(f"evaluate: arguments not recognized: {sorted(kwargs)}.")
        cbs = CallbackList(callbacks, model=self, epochs=1, steps=len(batches), verbose=verbose)
        logs = self._evaluate_batches(batches, cbs)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        callbacks: list | None = None,
    ) -> Any:
        """Outputs for ``x`` computed batch by batch (``training=False``), as NumPy arrays.
        ``callbacks`` get the ``on_predict_*`` hooks (``logs={"outputs": ...}`` after each
        batch); one may set ``model.stop_predicting``."""
        from deepnum.callbacks.callback import CallbackList

        batches = da.make_batches(
            x, None, None, batch_size, False, steps, **self._data_checks("predict")
        )
        cbs = CallbackList(callbacks, model=self, epochs=1, steps=len(batches), verbose=verbose)
        self.stop_predicting = False
        cbs.on_predict_begin()
        outputs: list = []
        for step, batch in enumerate(batches.epoch()):
            cbs.on_predict_batch_begin(step)
            out = self.predict_step(batch)
            outputs.append(map_structure(trainer_utils.host, out))
            cbs.on_predict_batch_end(step, {"outputs": out})
            if self.stop_predicting:
                break
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict: the input contains no samples.")
        first = outputs[0]
        leaves = [
            np.concatenate([flatten(o)[i] for o in outputs]) for i in range(len(flatten(first)))
        ]
        from deepnum.data.structure import pack_like

        return pack_like(first, leaves)

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: dict | None = None,
        return_dict: bool = False,
    ) -> Any:
        """One training step on exactly this batch; returns the loss (and metrics)."""
        self._require_compiled("train_on_batch")
        if class_weight is not None:
            sample_weight = da.class_weight_to_sample_weight(y, class_weight)
        with self._step_scope():
            self.reset_metrics()
            logs = self.train_step((x, y, sample_weight))
            return trainer_utils.format_logs(self, logs, return_dict)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """Loss (and metrics) on exactly this batch, no update."""
        self._require_compiled("test_on_batch")
        with self._step_scope():
            self.reset_metrics()
            logs = self.test_step((x, y, sample_weight))
            return trainer_utils.format_logs(self, logs, return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """Outputs for exactly this batch as NumPy arrays."""
        out = self.predict_step((x,))
        return map_structure(trainer_utils.host, out)

    # ------------------------------------------------------------------ checks
    def _data_checks(self, caller: str) -> dict:
        return trainer_utils.data_checks(self, caller)

    def _preflight(self, x: Any, y: Any) -> None:
        trainer_utils.preflight(self, x, y)
