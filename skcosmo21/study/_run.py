"""The study end to end: data, every task and model under leave-one-realization-out, report."""

import importlib.metadata
import logging
import os
import pathlib
import platform
import time

import joblib
import numpy as np

from ..utils import check_random_state_value, source_fingerprint
from . import _data
from ._config import DEFAULT, StudyConfig
from ._data import StudyError
from ._evaluation import evaluate, leave_one_realization_out
from ._models import MODEL_NAMES, PATCH_MODELS, build_model
from ._observing import (
    check_observing,
    observe,
    observing_settings,
    prior_seed,
    setting_label,
    signal_prior,
)
from ._report import (
    result_row,
    write_figures,
    write_observing_figure,
    write_sim_vs_real_figure,
    write_tables,
)
from ._sim_to_real import PROTOCOL_DATA, PROTOCOLS, align_test_data, keep_pairs, protocol_folds

logger = logging.getLogger("skcosmo21.run")


def default_cache_dir():
    """Cache folder for simulations and fold results: ``$XDG_CACHE_HOME/skcosmo21``.

    ``~/.cache/skcosmo21`` when ``XDG_CACHE_HOME`` is not set.

    Returns
    -------
    path : str
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "skcosmo21")


def _probe_writable(path, what):
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise StudyError(
            f"cannot write to {what} {str(path)!r}: {reason} (it must be a folder that can be "
            "created and written to)"
        ) from None
    return path


def check_cache_dir(path):
    """Create the cache folder if needed and check that it can be written; return it."""
    return _probe_writable(pathlib.Path(path), "cache folder")


def check_output_dir(path):
    """Check, without creating anything, that the report folder can be made and written.

    Returns
    -------
    path : pathlib.Path
    """
    path = pathlib.Path(path)
    if path.exists() and not path.is_dir():
        raise StudyError(f"cannot write to output folder {str(path)!r}: it is a file")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise StudyError(
            f"cannot write to output folder {str(path)!r}: {str(existing)!r} is a file"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise StudyError(f"cannot write to output folder {str(path)!r}: permission denied")
    return path


def package_versions(neural):
    """Versions of the packages that made the results (TensorFlow's only when it was used)."""
    names = ["numpy", "scipy", "scikit-learn", "joblib", "matplotlib"]
    if neural:
        names += ["tensorflow", "keras"]
    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    from .._version import __version__

    versions["skcosmo21"] = __version__
    versions["skcosmo21_source_fingerprint"] = source_fingerprint()
    return versions


def _test_paths(config, test_data):
    """The configuration with the test boxes of ``test_data`` or of the configuration itself."""
    if test_data is None:
        return config
    if isinstance(test_data, (str, os.PathLike)):
        test_data = [test_data]
    given = config.replace(test_data=test_data).test_data
    if config.test_data and config.test_data != given:
        raise StudyError(
            f"test_data is given twice, as {list(given)} and in the configuration as "
            f"{list(config.test_data)}: give it once"
        )
    return config.replace(test_data=given)


def run_study(
    config=DEFAULT,
    *,
    data=None,
    test_data=None,
    output="skcosmo21-output",
    n_jobs=1,
    random_state=0,
    cache_dir=None,
    cube_transform=None,
    command=None,
):
    """Run the study: every task and model under leave-one-realization-out, then the report.

    Simulates the configured grid (or reads ``data``), checks that every task can run on it,
    evaluates each model on each task with scikit-learn's ``LeaveOneGroupOut`` over the
    realizations (no test image shares initial conditions with a training image), and writes
    ``results.json``, ``results.csv`` and figures to ``output``. Simulations and every fold's
    fitted model are cached, so an interrupted run resumes where it stopped.

    With ``test_data`` (real 21cmFAST boxes), the models trained on the simulator are also
    tested on them. The simulated grid is the configured one restricted to the boxes'
    (redshift, escape fraction) pairs, read from the boxes, whose grid (cells, box size) must
    be the configured one; a mismatch stops the run before any work. Every task and model
    then runs three protocols, each a row of the results: sim→sim (leave-one-realization-out
    over the simulations), sim→real (the same fitted models, tested on each realization of
    the boxes: training never sees them) and real→real (leave-one-realization-out over the
    boxes, when they hold two realizations or more). The report adds ``sim_vs_real.png``;
    its confusion matrices are those of sim→real.

    With ``config.telescope`` set, every task then runs again on the noiseless reference
    (mean and wedge removed) and on the cubes the telescope would deliver after each of
    ``config.hours`` (see :mod:`skcosmo21.study`'s observing settings), and the report adds
    ``accuracy_vs_observing_time.png``. Each observation's folds are cached apart: the cache
    key holds the fold's data.

    Parameters
    ----------
    config : StudyConfig, default=DEFAULT
        Tasks, models, grid, slicing and training length.
    data : list of str or path, default=None
        21cmFAST boxes (anything :func:`~skcosmo21.datasets.load_21cmfast` reads) to use
        instead of simulating ``config``'s grid.
    test_data : str, path or list of them, default=None
        Real 21cmFAST boxes to test the models trained on the simulator on, as
        ``config.test_data`` (give it in one place); not with ``data``.
    output : str or path, default="skcosmo21-output"
        Report folder; made after every check has passed.
    n_jobs : int, default=1
        Parallel workers of the simulation.
    random_state : int, default=0
        Seed of the simulation and of every model.
    cache_dir : str or path, default=None
        Cache of simulations and fold results; :func:`default_cache_dir` when None.
    cube_transform : callable, default=None
        Applied to the cube Bunch before any task sees it (e.g. an instrument's noise and
        beam); identity when None. Its ``repr`` is recorded in ``results.json``.
    command : list of str, default=None
        The command line, recorded in ``results.json``.

    Returns
    -------
    results : list of dict
        One row per (setting, task, model), or per (task, model, protocol) with test data:
        mean and spread of the fold accuracies, the folds, chance, per-class accuracy beside
        the classes' mean neutral fraction; with a telescope, ``setting`` (its name) and
        ``observation`` (telescope, hours, wedge, ...; None for the simulated maps); with
        test data, ``protocol`` (a key of ``PROTOCOLS``: ``"sim_to_sim"``,
        ``"sim_to_real"``, ``"real_to_real"``), and ``train_data`` and ``test_data``
        (``"simulator"`` or ``"test data"``).
    """
    start = time.perf_counter()
    if not isinstance(config, StudyConfig):
        raise StudyError(f"config must be a StudyConfig, got {type(config).__name__}")
    try:
        check_random_state_value(random_state, caller_name="run_study")
    except ValueError as error:
        raise StudyError(str(error)) from None
    if isinstance(random_state, np.random.RandomState):
        raise StudyError("random_state must be an integer: results.json records it")
    config = _test_paths(config, test_data)
    if config.test_data and data is not None:
        raise StudyError(
            "test data are for models trained on the simulator, and data replace the "
            "simulator: give data (--data) or test data (--test-data), not both"
        )
    out = check_output_dir(output)
    check_observing(config)
    memory = joblib.Memory(str(check_cache_dir(cache_dir or default_cache_dir())), verbose=0)

    real = test_source = None
    if config.test_data:
        # Read and checked first: a mismatch stops the run before anything is simulated.
        real, test_source = _data.read_cubes(config.test_data)
        config, real, pairs = align_test_data(config, real)
        _data.check_tasks(real, config, min_realizations=1, what="the test data: ")
    if data is None:
        cubes, source = _data.simulate_cubes(
            config, random_state=random_state, n_jobs=n_jobs, memory=memory
        )
        if real is not None:
            cubes = keep_pairs(cubes, pairs)
            source["kept"] = "the cubes at the test data's (redshift, escape_fraction) pairs"
    else:
        cubes, source = _data.read_cubes(data)
    if cube_transform is not None:
        cubes = cube_transform(cubes)
        source["cube_transform"] = repr(cube_transform)
        if real is not None:
            real = cube_transform(real)
            test_source["cube_transform"] = repr(cube_transform)
    _data.check_tasks(cubes, config)
    data_seconds = time.perf_counter() - start
    logger.info("data ready after %.0f s", data_seconds)
    out.mkdir(parents=True, exist_ok=True)

    settings = [None, *observing_settings(config)]
    prior = None
    if any(s is not None and s["noise_filter"] == "wiener" for s in settings):
        prior = signal_prior(cubes, random_state=random_state, memory=memory)
    results, evaluations, observations = [], {}, []
    n_evaluations = sum(len(config.task_models(task)) for task in config.tasks)
    logger.info(
        "%d tasks, %d (task, model) evaluations on %d setting(s), %s; cached in %s",
        len(config.tasks),
        n_evaluations,
        len(settings),
        "sim→sim, sim→real and real→real" if real is not None else "leave-one-realization-out",
        memory.location,
    )
    if real is not None:
        results, evaluations = _evaluate_protocols(cubes, real, config, memory, random_state)
    for setting in settings if real is None else ():
        seen = observe(cubes, setting, random_state=random_state, signal_power=prior)
        if setting is not None:
            observations.append({"setting": setting_label(setting), **seen.observation})
        rows, found = _evaluate_tasks(seen, config, memory, random_state, setting)
        results += rows
        if setting is None:
            evaluations = found
        del seen

    logger.info("writing the report to %s", out)
    report_start = time.perf_counter()
    # The figures show what a user gets: the simulated maps, or sim→real with real boxes.
    shown = [
        row
        for row in results
        if row.get("observation") is None and row.get("protocol") in (None, "sim_to_real")
    ]
    figures = write_figures(
        out,
        cubes,
        shown,
        evaluations,
        config,
        title_prefix="sim→real, " if real is not None else "",
    )
    if config.observing:
        figures.append(write_observing_figure(out, results, config))
    if real is not None:
        figures.append(write_sim_vs_real_figure(out, results))
    payload = {
        "command": command,
        "random_state": random_state,
        "n_jobs": n_jobs,
        "configuration": config.to_dict(),
        "data": source,
        "versions": package_versions(config.uses_networks),
        "timings": {
            "data_seconds": data_seconds,
            "evaluation_seconds": sum(row["seconds"] for row in results),
            "figures_seconds": time.perf_counter() - report_start,
            "total_seconds": time.perf_counter() - start,
        },
        "figures": figures,
        "results": results,
    }
    if config.observing:
        payload["observations"] = observations
        if prior is not None:
            payload["wiener_signal_prior"] = {
                "simulator_random_state": prior_seed(random_state),
                "power_per_shell_mK2Mpc3": prior,
            }
    if real is not None:
        payload["test_data"] = test_source
        payload["protocols"] = {
            key: {"name": name, "train": PROTOCOL_DATA[key][0], "test": PROTOCOL_DATA[key][1]}
            for key, name in PROTOCOLS.items()
        }
    write_tables(out, payload, observing=config.observing, protocols=real is not None)
    logger.info("done in %.0f s", time.perf_counter() - start)
    return results


def _evaluate_tasks(cubes, config, memory, random_state, setting):
    """Every task and model on ``cubes`` (one setting): result rows and evaluations."""
    rows, evaluations = [], {}
    prefix = "" if setting is None else f"{setting_label(setting)} | "
    for task in config.tasks:
        datasets = _data.task_datasets(cubes, task, config)
        for key in config.task_models(task):
            model, dataset, subset = _model_and_data(key, task, config, datasets, random_state)
            label = f"{prefix}task {task} | {MODEL_NAMES[key]}"
            row, evaluation = _evaluated_row(
                model, leave_one_realization_out(dataset), memory, label, task, key, subset
            )
            if config.observing:
                row["setting"] = setting_label(setting)
                row["observation"] = setting
            rows.append(row)
            evaluations[(task, key)] = evaluation
    return rows, evaluations


def _evaluate_protocols(cubes, real, config, memory, random_state):
    """Every task and model under sim→sim, sim→real and real→real: rows and evaluations.

    The evaluations kept for the report's figures are sim→real's, what a user gets.
    """
    rows, evaluations = [], {}
    for task in config.tasks:
        datasets = _data.task_datasets(cubes, task, config)
        real_datasets = _data.task_datasets(real, task, config)
        for key in config.task_models(task):
            model, dataset, subset = _model_and_data(key, task, config, datasets, random_state)
            real_data = _pick(key, real_datasets)
            for protocol, folds, test_cubes in protocol_folds((dataset, subset), real_data):
                label = f"{PROTOCOLS[protocol]} | task {task} | {MODEL_NAMES[key]}"
                row, evaluation = _evaluated_row(model, folds, memory, label, task, key, test_cubes)
                row["protocol"] = protocol
                row["train_data"], row["test_data"] = PROTOCOL_DATA[protocol]
                rows.append(row)
                if protocol == "sim_to_real":
                    evaluations[(task, key)] = evaluation
    return rows, evaluations


def _pick(key, datasets):
    """(dataset, subset) of model ``key`` from ``task_datasets``' (slices, patches, subset)."""
    slices, patches, subset = datasets
    return (patches if key in PATCH_MODELS else slices), subset


def _model_and_data(key, task, config, datasets, random_state):
    """Model ``key`` of ``task``, built for the geometry of the dataset it reads."""
    dataset, subset = _pick(key, datasets)
    model = build_model(key, config, task, pixel_size=dataset.pixel_size, random_state=random_state)
    return model, dataset, subset


def _evaluated_row(model, folds, memory, label, task, key, test_cubes):
    """Evaluate ``model`` on ``folds`` (cached) and summarise it as a result row."""
    start = time.perf_counter()
    evaluation = evaluate(model, folds, memory=memory, label=label)
    row = result_row(task, key, evaluation, test_cubes, time.perf_counter() - start)
    row["folds"] = evaluation["folds"]
    logger.info("%s: accuracy %.3f ± %.3f", label, row["accuracy_mean"], row["accuracy_std"])
    return row, evaluation
