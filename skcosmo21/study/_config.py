"""What the study runs: tasks, models, the simulated grid, slicing and training length.

A :class:`StudyConfig` is built from a preset (:data:`DEFAULT`, the original study's grid;
:data:`QUICK`, a smoke run that exercises every code path in seconds), then a TOML file,
then command-line options, each overriding the one before.
"""

import dataclasses
import math
import numbers
import os
import pathlib
import tomllib

from ._models import MODEL_NAMES, NEURAL_MODELS

#: The four tasks of the original study: what is predicted, and from which cubes.
TASKS = {
    "a": "redshift at fixed f_esc",
    "b": "f_esc at fixed z",
    "c": "redshift over all f_esc",
    "d": "redshift and f_esc jointly",
}
#: The per-cube columns each task predicts.
TASK_TARGETS = {
    "a": ("redshift",),
    "b": ("escape_fraction",),
    "c": ("redshift",),
    "d": ("redshift", "escape_fraction"),
}
#: What the original study reached on each task.
STUDY_FIGURES = {"a": "48 % (dense net)", "b": "chance (20 %)", "c": "–", "d": "–"}
#: Accuracy targets on held-out realizations (for d: both outputs right).
TARGETS = {"a": 0.95, "b": 0.90, "c": 0.90, "d": 0.80}


class ConfigurationError(ValueError):
    """A configuration value or key that is not what the study accepts."""


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _positive_number(name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigurationError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _numbers(name, values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ConfigurationError(f"{name} must be a list of positive numbers, got {values!r}")
    values = tuple(_positive_number(f"every value of {name}", v) for v in values)
    if not values or len(set(values)) != len(values):
        raise ConfigurationError(f"{name} must be a non-empty list of distinct numbers")
    return values


def _choices(name, values, allowed, allow_empty=False):
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    if isinstance(values, (bytes, numbers.Number)) or not hasattr(values, "__iter__"):
        raise ConfigurationError(f"{name} must be a list among {list(allowed)}, got {values!r}")
    values = tuple(values)
    unknown = [v for v in values if v not in allowed]
    if unknown or not (values or allow_empty):
        kind = "a list" if allow_empty else "a non-empty list"
        raise ConfigurationError(f"{name} must be {kind} among {list(allowed)}; got {list(values)}")
    if len(set(values)) != len(values):
        raise ConfigurationError(f"{name} lists a value twice: {list(values)}")
    return values


def _hours(name, values):
    """Observing times: a list (or a comma-separated string) of distinct positive hours."""
    if isinstance(values, str):
        text = values
        try:
            values = [float(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise ConfigurationError(
                f"{name} must be a list of positive numbers of hours, got {text!r}"
            ) from None
    if isinstance(values, (bytes, numbers.Number)) or not hasattr(values, "__iter__"):
        raise ConfigurationError(
            f"{name} must be a list of positive numbers of hours, got {values!r}"
        )
    values = tuple(_positive_number(f"every value of {name}", v) for v in values)
    if len(set(values)) != len(values):
        raise ConfigurationError(f"{name} lists a value twice: {list(values)}")
    return values


#: Wedges the study can exclude: names of skcosmo21.observation.observe_cubes, or "none".
WEDGES = ("horizon", "primary-beam", "none")


def _wedge(name, value):
    """A wedge name, or an angle in degrees in (0, 90] (a string from the command line too)."""
    if isinstance(value, str) and value not in WEDGES:
        try:
            value = float(value)
        except ValueError:
            raise ConfigurationError(
                f"{name} must be one of {list(WEDGES)} or an angle in degrees in (0, 90], "
                f"got {value!r}"
            ) from None
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= 90:
        raise ConfigurationError(
            f"{name} must be one of {list(WEDGES)} or an angle in degrees in (0, 90], got {value!r}"
        )
    return float(value)


def _one_of(name, value, allowed):
    if value not in allowed:
        raise ConfigurationError(f"{name} must be one of {list(allowed)}, got {value!r}")
    return value


def _telescope(name, value):
    if value is None:
        return None
    # Imported here: the telescope table needs no 21cmSense, but the study's import stays light.
    from ..observation import TELESCOPES

    return _one_of(name, value, tuple(TELESCOPES))


def _paths(name, values):
    """One path or a list of them, as a tuple of strings (empty: none)."""
    if isinstance(values, (str, os.PathLike)):
        values = [values]
    if isinstance(values, (bytes, numbers.Number)) or not hasattr(values, "__iter__"):
        raise ConfigurationError(f"{name} must be a path or a list of paths, got {values!r}")
    values = tuple(values)
    for value in values:
        if not isinstance(value, (str, os.PathLike)) or not str(value):
            raise ConfigurationError(f"{name} must be a path or a list of paths, got {value!r}")
    values = tuple(os.fspath(value) for value in values)
    if len(set(values)) != len(values):
        raise ConfigurationError(f"{name} lists a path twice: {list(values)}")
    return values


def _epochs_per_task(name, value):
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(TASKS))
        if unknown:
            raise ConfigurationError(f"{name} has unknown tasks {unknown}; tasks are {list(TASKS)}")
        missing = sorted(set(TASKS) - set(value))
        if missing:
            raise ConfigurationError(f"{name} gives no epochs for tasks {missing}")
        return {task: _positive_int(f"{name}[{task!r}]", value[task]) for task in TASKS}
    epochs = _positive_int(name, value)
    return dict.fromkeys(TASKS, epochs)


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Everything that decides what ``skcosmo21 run`` computes, besides data, seed and n_jobs.

    Parameters
    ----------
    tasks : tuple of str, default=("a", "b", "c", "d")
        Tasks to run, among :data:`TASKS`.
    models : tuple of str
        Models to evaluate, among the keys of :data:`~skcosmo21.study.MODEL_NAMES`; all six
        by default.
    network_tasks : tuple of str, default=("a", "b", "c", "d")
        Tasks on which the neural networks (``dense``, ``cnn``, ``autoencoder-cnn``) are
        trained, the costly part of the study; the other models run on every task.
    redshifts, escape_fractions : tuple of float
        The simulated grid (not used with ``--data``): 17 redshifts 7, 7.25, ..., 11 and
        five escape fractions 0.075 ... 0.3 by default.
    n_realizations : int, default=3
        Simulated initial-condition realizations: the folds of leave-one-realization-out.
    n_cells : int, default=64
        Cells per side of the simulated cubes.
    box_size : float, default=300.0
        Side of the simulated cubes in Mpc.
    fixed_escape_fraction : float, default=0.15
        The escape fraction of task a; must be one of the data's.
    fixed_redshift : float, default=8.0
        The redshift of task b; must be one of the data's.
    slice_step : int, default=4
        Distance in cells between slices (along all three axes).
    patch_size : int, default=32
        Patch side in pixels for the models that work on patches.
    pca_components : int, default=50
        Components of the PCA baseline.
    boosting_iterations : int, default=200
        Boosting iterations of the one-point baseline's gradient-boosted trees.
    epochs_dense, epochs_autoencoder : int
        Training epochs of the dense network (15) and of the autoencoder (4).
    epochs_cnn : int or dict
        Training epochs of the CNNs, one number or one per task; 40 for tasks a and b, 20 for
        c and d (five times the slices, so half the epochs is still more steps).
    telescope : str, default=None
        Observe the cubes with this array (one of
        :data:`~skcosmo21.observation.TELESCOPES`) and rerun the tasks on what it sees, once
        per observing time in ``hours``, plus the noiseless reference with only the mean and
        the wedge removed; None runs the simulated maps alone.
    hours : tuple of float, default=()
        Total observing times in hours (needs ``telescope``).
    wedge : {"horizon", "primary-beam", "none"} or float, default="horizon"
        Foreground wedge excluded from the observed cubes (an angle in degrees from the
        phase centre, or "none").
    hours_per_day : float, default=6.0
        Hours observed per day.
    scan : {"track", "drift"} or None, default=None
        See :func:`~skcosmo21.observation.thermal_noise_model`; None: the array's own mode
        (drift for HERA, which cannot track; track for SKA1-Low and MWA).
    noise_filter : {"wiener", "none"}, default="wiener"
        Wiener-filter the observed cubes with their noise model and a signal prior from an
        independent simulation before any model sees them (see
        :doc:`/user_guide/observing`), or leave them as observed.
    test_data : tuple of str, default=()
        Real 21cmFAST boxes (anything :func:`~skcosmo21.datasets.load_21cmfast` reads) to
        test the models trained on the simulator on: every task then runs three protocols,
        sim→sim, sim→real and real→real (see :func:`~skcosmo21.study.run_study`). Their
        grid must be the configured one (``n_cells``, ``box_size``), their redshifts and
        escape fractions among ``redshifts`` and ``escape_fractions``; the simulated grid is
        restricted to theirs. In a TOML file, relative paths start from the file's folder.
        Not with ``telescope``.

    Examples
    --------
    >>> from skcosmo21.study import DEFAULT, QUICK
    >>> DEFAULT.n_cells, len(DEFAULT.redshifts), QUICK.n_cells
    (64, 17, 16)
    >>> DEFAULT.replace(tasks="a,c", epochs_cnn=10).epochs_cnn
    {'a': 10, 'b': 10, 'c': 10, 'd': 10}
    >>> DEFAULT.replace(slice_stepp=2)
    Traceback (most recent call last):
    ...
    skcosmo21.study._config.ConfigurationError: unknown configuration key 'slice_stepp'; ...
    """

    tasks: tuple = tuple(TASKS)
    models: tuple = tuple(MODEL_NAMES)
    network_tasks: tuple = tuple(TASKS)
    redshifts: tuple = tuple(round(7.0 + 0.25 * i, 2) for i in range(17))
    escape_fractions: tuple = (0.075, 0.1, 0.15, 0.2, 0.3)
    n_realizations: int = 3
    n_cells: int = 64
    box_size: float = 300.0
    fixed_escape_fraction: float = 0.15
    fixed_redshift: float = 8.0
    slice_step: int = 4
    patch_size: int = 32
    pca_components: int = 50
    boosting_iterations: int = 200
    epochs_dense: int = 15
    epochs_autoencoder: int = 4
    epochs_cnn: dict = dataclasses.field(
        default_factory=lambda: {"a": 40, "b": 40, "c": 20, "d": 20}
    )
    telescope: str = None
    hours: tuple = ()
    wedge: object = "horizon"
    hours_per_day: float = 6.0
    scan: str | None = None
    noise_filter: str = "wiener"
    test_data: tuple = ()

    def __post_init__(self):
        checked = {
            "tasks": _choices("tasks", self.tasks, TASKS),
            "models": _choices("models", self.models, MODEL_NAMES),
            "network_tasks": _choices("network_tasks", self.network_tasks, TASKS, allow_empty=True),
            "redshifts": _numbers("redshifts", self.redshifts),
            "escape_fractions": _numbers("escape_fractions", self.escape_fractions),
            "n_realizations": _positive_int("n_realizations", self.n_realizations),
            "n_cells": _positive_int("n_cells", self.n_cells),
            "box_size": _positive_number("box_size", self.box_size),
            "fixed_escape_fraction": _positive_number(
                "fixed_escape_fraction", self.fixed_escape_fraction
            ),
            "fixed_redshift": _positive_number("fixed_redshift", self.fixed_redshift),
            "slice_step": _positive_int("slice_step", self.slice_step),
            "patch_size": _positive_int("patch_size", self.patch_size),
            "pca_components": _positive_int("pca_components", self.pca_components),
            "boosting_iterations": _positive_int("boosting_iterations", self.boosting_iterations),
            "epochs_dense": _positive_int("epochs_dense", self.epochs_dense),
            "epochs_autoencoder": _positive_int("epochs_autoencoder", self.epochs_autoencoder),
            "epochs_cnn": _epochs_per_task("epochs_cnn", self.epochs_cnn),
            "telescope": _telescope("telescope", self.telescope),
            "hours": _hours("hours", self.hours),
            "wedge": _wedge("wedge", self.wedge),
            "hours_per_day": _positive_number("hours_per_day", self.hours_per_day),
            "scan": _one_of("scan", self.scan, ("track", "drift", None)),
            "noise_filter": _one_of("noise_filter", self.noise_filter, ("wiener", "none")),
            "test_data": _paths("test_data", self.test_data),
        }
        if checked["n_realizations"] < 2:
            raise ConfigurationError(
                "n_realizations must be at least 2: the study tests on each realization in turn"
            )
        if checked["hours_per_day"] > 24:
            raise ConfigurationError(
                f"hours_per_day must be at most 24, got {checked['hours_per_day']:g}"
            )
        if checked["telescope"] is not None and not checked["hours"]:
            raise ConfigurationError(
                f"telescope {checked['telescope']} needs observing times: set hours "
                "(e.g. --hours 10,100,1000)"
            )
        if checked["telescope"] is not None and checked["test_data"]:
            raise ConfigurationError(
                "test_data are real 21cmFAST boxes for the simulated maps, and telescope "
                "observes the maps: set one of them (observing the test data is not supported)"
            )
        if checked["telescope"] is not None:
            from ..observation._telescopes import resolve_scan

            try:
                resolve_scan(checked["telescope"], checked["scan"])
            except ValueError as error:
                raise ConfigurationError(str(error)) from None
        if checked["hours"] and checked["telescope"] is None:
            raise ConfigurationError(
                "hours are observing times of a telescope: set telescope (e.g. --telescope "
                "SKA1-Low)"
            )
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes):
        """A copy with some values changed; unknown keys are refused with the valid ones.

        Parameters
        ----------
        **changes
            New values, by key.

        Returns
        -------
        config : StudyConfig
        """
        names = [field.name for field in dataclasses.fields(self)]
        for key in changes:
            if key not in names:
                raise ConfigurationError(
                    f"unknown configuration key {key!r}; valid keys: {', '.join(names)}"
                )
        return dataclasses.replace(self, **changes)

    def task_models(self, task):
        """The models run on ``task``: every model, but networks only on ``network_tasks``."""
        return tuple(
            key for key in self.models if key not in NEURAL_MODELS or task in self.network_tasks
        )

    @property
    def observing(self):
        """Whether the study also runs on observed cubes (a telescope is set)."""
        return self.telescope is not None

    @property
    def uses_networks(self):
        """Whether any selected task trains a neural network (and so needs TensorFlow)."""
        return any(set(self.task_models(task)) & set(NEURAL_MODELS) for task in self.tasks)

    def to_dict(self):
        """The configuration as plain JSON-able values."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in dataclasses.asdict(self).items()
        }


#: The original study's settings: ``skcosmo21 run`` with no options.
DEFAULT = StudyConfig()

#: A smoke run that goes through every task, model and code path in well under a minute:
#: 16³ cubes, two realizations, one epoch, 20 boosting iterations, and the networks on the
#: joint task only (their single-target path is the same code with one output). Its
#: accuracies mean nothing.
QUICK = StudyConfig(
    network_tasks=("d",),
    redshifts=(7.0, 8.0, 9.0, 10.0),
    escape_fractions=(0.1, 0.15, 0.3),
    n_realizations=2,
    n_cells=16,
    box_size=64.0,
    slice_step=4,
    patch_size=8,
    pca_components=10,
    boosting_iterations=20,
    epochs_dense=1,
    epochs_autoencoder=1,
    epochs_cnn=1,
)


def load_config(path, base=DEFAULT):
    r"""Read a study configuration from a TOML file, over a preset.

    The file holds top-level keys of :class:`StudyConfig`; keys it does not name keep the
    preset's values. ``epochs_cnn`` may be one number or a table with one per task;
    ``test_data`` one path or a list, relative to the file's folder.

    Parameters
    ----------
    path : str or path
        TOML file, e.g. ``study.toml``.
    base : StudyConfig, default=DEFAULT
        Preset the file overrides.

    Returns
    -------
    config : StudyConfig

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skcosmo21.study import QUICK, load_config
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "study.toml"
    >>> _ = path.write_text('tasks = ["a", "b"]\nfixed_escape_fraction = 0.1\n')
    >>> config = load_config(path, base=QUICK)
    >>> config.tasks, config.fixed_escape_fraction, config.n_cells
    (('a', 'b'), 0.1, 16)
    """
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigurationError(f"cannot read configuration {str(path)!r}: {reason}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(
            f"configuration {str(path)!r} is not valid TOML: {error}"
        ) from None
    if "test_data" in table:
        # Paths in the file are relative to the file, wherever the command runs.
        folder = pathlib.Path(path).parent
        given = table["test_data"]
        given = [given] if isinstance(given, str) else given
        if isinstance(given, list) and all(isinstance(item, str) for item in given):
            table["test_data"] = [str(folder / item) for item in given]
    try:
        return base.replace(**table)
    except ConfigurationError as error:
        raise ConfigurationError(f"{path}: {error}") from None
