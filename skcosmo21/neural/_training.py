"""The TensorFlow side of training: traced steps kept per architecture, and inference.

Imported only when a network is built (it imports TensorFlow). Why a loop of our own rather
than ``keras.Model.fit``: tracing a training step into a TensorFlow graph costs about half a
second, and ``fit`` traces anew for every model, so a small fit (one call of ``partial_fit``
on a chunk, a test, a grid-search candidate on a small set) is dominated by it; ``fit`` also
adds a few milliseconds of callback and data-adapter work per batch.

Here an estimator's network is the list of its variables' values (NumPy arrays). A
*workspace* holds a Keras model of one architecture, an optimizer and the traced training,
evaluation and prediction functions, and is kept in a small cache: a fit assigns the
estimator's values (and the optimizer's) to the workspace's variables, runs the traced steps
and reads the values back. Assigning costs microseconds per variable; a trace is paid only for
an architecture and input shape not seen before in the process, and a network is built only
for a new architecture (the initial values of a seeded network are cached as well).

The step itself is the textbook one (``tf.GradientTape``, then ``optimizer.apply``): per head
a per-sample loss weighted by ``sample_weight``, averaged over the batch as Keras does, summed
over heads, plus the layers' regularisation losses.
"""

import collections
import contextlib
import threading

import keras
import numpy as np
import tensorflow as tf

from ._layers import PER_SAMPLE_LOSSES

_CACHE_SIZE = 32
_workspaces = collections.OrderedDict()
_initial_values = collections.OrderedDict()
_cache_lock = threading.Lock()

#: Keras optimizers by the names our ``optimizer`` parameter accepts.
OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}

_TARGET_DTYPES = {
    "softmax": tf.int32,
    "linear": tf.float32,
    "gaussian": tf.float32,
    "reconstruction": tf.float32,
}


class Workspace:
    """A network of one architecture with its optimizer and traced training step.

    Parameters
    ----------
    build : callable
        Returns a fresh, uncompiled ``keras.Model`` of the architecture.
    optimizer : str
        Key of :data:`OPTIMIZERS`.
    head_kinds : tuple of str
        Kind of every output head (keys of ``PER_SAMPLE_LOSSES``).
    sample_shape : tuple of int
        Shape of one input sample as the network takes it.
    """

    def __init__(self, build, optimizer, head_kinds, sample_shape):
        self.model = build()
        self.optimizer = OPTIMIZERS[optimizer]()
        self.optimizer.build(self.model.trainable_variables)
        self.head_kinds = tuple(head_kinds)
        self.lock = threading.Lock()
        self.holds = None  # token of the network values currently assigned
        x_spec = tf.TensorSpec((None,) + tuple(sample_shape), tf.float32)
        target_specs = tuple(
            x_spec if kind == "reconstruction" else tf.TensorSpec((None,), _TARGET_DTYPES[kind])
            for kind in self.head_kinds
        )
        weight_spec = tf.TensorSpec((None,), tf.float32)
        signature = [x_spec, weight_spec, target_specs]
        self._step = tf.function(self._train_step, input_signature=signature)
        self._evaluate = tf.function(self._evaluation_step, input_signature=signature)

    def _outputs(self, x, training):
        outputs = self.model(x, training=training)
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def _weighted_loss_sum(self, weights, targets, outputs):
        return tf.add_n(
            [
                tf.reduce_sum(weights * PER_SAMPLE_LOSSES[kind](target, output))
                for kind, target, output in zip(self.head_kinds, targets, outputs, strict=True)
            ]
        )

    def _train_step(self, x, weights, targets):
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            outputs = self._outputs(x, training=True)
            batch_size = tf.cast(tf.shape(x)[0], tf.float32)
            loss = self._weighted_loss_sum(weights, targets, outputs) / batch_size
            if self.model.losses:
                loss = loss + tf.add_n(self.model.losses)
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply(gradients, variables)
        return loss, _n_correct(self.head_kinds, targets, outputs)

    def _evaluation_step(self, x, weights, targets):
        outputs = self._outputs(x, training=False)
        regularisation = tf.add_n(self.model.losses) if self.model.losses else tf.constant(0.0)
        return (
            self._weighted_loss_sum(weights, targets, outputs),
            _n_correct(self.head_kinds, targets, outputs),
            regularisation,
        )

    def train_batch(self, x, weights, targets):
        """One optimizer step; returns the batch loss and the number of samples all right."""
        loss, correct = self._step(
            tf.convert_to_tensor(x, tf.float32),
            tf.convert_to_tensor(weights, tf.float32),
            tuple(
                tf.convert_to_tensor(t, _TARGET_DTYPES[k])
                for k, t in zip(self.head_kinds, targets, strict=True)
            ),
        )
        return float(loss), int(correct)

    def load(self, values, token, optimizer_state=None, learning_rate=None):
        """Assign a network's values (and, with a learning rate, an optimizer state) in.

        ``token`` names the values: when the workspace already holds them, nothing is copied.
        An ``optimizer_state`` of None with a learning rate starts a fresh optimizer.
        """
        if self.holds != token:
            for variable, value in zip(self.model.variables, values, strict=True):
                variable.assign(value)
            self.holds = token
        if learning_rate is None:
            return
        if optimizer_state is None:
            for variable in self.optimizer.variables:
                variable.assign(np.zeros(variable.shape, variable.dtype))
        else:
            for variable, value in zip(self.optimizer.variables, optimizer_state, strict=True):
                variable.assign(value)
        self.optimizer.learning_rate = learning_rate

    def values(self):
        """The network's variable values, as new arrays."""
        return [variable.numpy() for variable in self.model.variables]

    def optimizer_state(self):
        """The optimizer's variable values (step count, learning rate, moments)."""
        return [variable.numpy() for variable in self.optimizer.variables]

    def predict(self, X, part=None):
        """Outputs of the network, or of its layer ``part`` (e.g. "encoder"), one per head.

        Inference mode, in chunks small enough to keep activations modest. Eager calls: one
        costs a few milliseconds, less than tracing a function for the few calls a fitted
        estimator usually gets.
        """
        network = self.model if part is None else self.model.get_layer(part)
        chunk = _chunk_size(X)
        parts = []
        for start in range(0, len(X), chunk):
            x = tf.convert_to_tensor(X[start : start + chunk], tf.float32)
            outputs = network(x, training=False)
            outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            parts.append([o.numpy() for o in outputs])
        return [np.concatenate(head) for head in zip(*parts, strict=True)]

    def evaluate(self, x, weights, targets):
        """Weighted loss (as in training) and the number of samples all right, no update."""
        total, correct, regularisation = 0.0, 0, 0.0
        for start in range(0, len(x), _chunk_size(x)):
            part = slice(start, start + _chunk_size(x))
            loss, right, regularisation = self._evaluate(
                tf.convert_to_tensor(x[part], tf.float32),
                tf.convert_to_tensor(weights[part], tf.float32),
                tuple(
                    tf.convert_to_tensor(t[part], _TARGET_DTYPES[k])
                    for k, t in zip(self.head_kinds, targets, strict=True)
                ),
            )
            total += float(loss)
            correct += int(right)
        return total / len(x) + float(regularisation), correct


def _chunk_size(X):
    """Samples per inference call: about a million input values, at most 4096 samples."""
    values_per_sample = max(1, int(np.prod(X.shape[1:])))
    return max(1, min(4096, 2**20 // values_per_sample))


def _n_correct(head_kinds, targets, outputs):
    """Samples whose every softmax head predicts its label (0 for other heads)."""
    right = None
    for kind, target, output in zip(head_kinds, targets, outputs, strict=True):
        if kind != "softmax":
            return tf.constant(0)
        hit = tf.equal(tf.cast(tf.argmax(output, axis=-1), tf.int32), target)
        right = hit if right is None else tf.logical_and(right, hit)
    return tf.reduce_sum(tf.cast(right, tf.int32))


@contextlib.contextmanager
def workspace(key, build, optimizer, head_kinds, sample_shape):
    """The cached workspace for ``key``, locked for the block.

    When another thread holds it, a private workspace is made for the block instead.
    """
    with _cache_lock:
        space = _workspaces.get(key)
        if space is not None:
            _workspaces.move_to_end(key)
    if space is None:
        space = Workspace(build, optimizer, head_kinds, sample_shape)
        with _cache_lock:
            _workspaces[key] = space
            while len(_workspaces) > _CACHE_SIZE:
                _workspaces.popitem(last=False)
    if not space.lock.acquire(blocking=False):
        space = Workspace(build, optimizer, head_kinds, sample_shape)
        space.lock.acquire()
    try:
        yield space
    finally:
        space.lock.release()


def initial_values(key, build, seed):
    """Initial variable values of a network built with ``seed``; None: unseeded, not cached."""
    if seed is None:
        return [variable.numpy() for variable in build().variables]
    with _cache_lock:
        values = _initial_values.get((key, seed))
    if values is None:
        with seeded(seed):
            model = build()
        values = [variable.numpy() for variable in model.variables]
        with _cache_lock:
            _initial_values[(key, seed)] = values
            while len(_initial_values) > _CACHE_SIZE:
                _initial_values.popitem(last=False)
    return values


def build_with_values(build, values):
    """A new Keras model of the architecture holding ``values``."""
    model = build()
    for variable, value in zip(model.variables, values, strict=True):
        variable.assign(value)
    return model


@contextlib.contextmanager
def seeded(seed):
    """Seed Keras and TensorFlow for the block; NumPy's and Python's generators are restored.

    Keras 3 initialisers and dropout layers draw their seeds from Python's and Keras's global
    generators when they are created, which only ``keras.utils.set_random_seed`` resets; it
    also reseeds NumPy's and Python's global generators, which a library must not do to its
    caller, so those are restored when the block (building the network) ends.
    """
    import random

    numpy_state, python_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    keras.utils.set_random_seed(int(seed))
    try:
        yield
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
        random.setstate(python_state)
