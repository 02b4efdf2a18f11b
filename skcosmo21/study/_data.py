"""The study's cubes and the datasets each task uses.

The cubes are simulated on the configured grid or read from the user's boxes; each task
takes its subset of them and slices it (and cuts patches).

Every source returns the cubes and a record of where they came from (for ``results.json``).
"""

import logging
import pathlib

import numpy as np
from sklearn.utils import Bunch

from ._config import TASK_TARGETS, TASKS
from ._models import PATCH_MODELS

logger = logging.getLogger("skcosmo21.run")


class StudyError(Exception):
    """A problem the user can fix (bad option, unusable data, unwritable folder)."""


def simulate_cubes(config, *, random_state, n_jobs=1, memory=None):
    """Simulate the configured grid with the built-in simulator (cached in ``memory``).

    Returns
    -------
    cubes : Bunch
    source : dict
        The function and every argument, enough to make the same cubes again.
    """
    from ..datasets import make_reionization_cubes

    arguments = {
        "redshifts": list(config.redshifts),
        "escape_fractions": list(config.escape_fractions),
        "n_realizations": config.n_realizations,
        "n_cells": config.n_cells,
        "box_size": config.box_size,
        "fields": ["delta_T"],
        "random_state": random_state,
    }
    n_cubes = len(config.redshifts) * len(config.escape_fractions) * config.n_realizations
    logger.info(
        "simulating %d cubes of %d^3 cells over %g Mpc",
        n_cubes,
        config.n_cells,
        config.box_size,
    )
    cubes = make_reionization_cubes(
        **{**arguments, "fields": ("delta_T",)},
        n_jobs=n_jobs,
        memory=memory,
    )
    source = {"kind": "simulator", "function": "skcosmo21.datasets.make_reionization_cubes"}
    return cubes, {**source, "arguments": arguments}


def read_cubes(paths):
    """Read 21cmFAST boxes (anything :func:`~skcosmo21.datasets.load_21cmfast` reads).

    Returns
    -------
    cubes : Bunch
    source : dict
        The paths given, and per cube its files, redshift, ζ and seed.
    """
    from ..datasets import load_21cmfast

    paths = [str(pathlib.Path(p).resolve()) for p in paths]
    try:
        cubes = load_21cmfast(paths, fields=("delta_T",))
    except (OSError, ValueError) as error:
        raise StudyError(f"cannot read the boxes in {paths}: {error}") from None
    logger.info(
        "read %d cubes of %d^3 cells over %g Mpc from %s",
        len(cubes.delta_T),
        cubes.delta_T.shape[1],
        float(cubes.box_size),
        ", ".join(paths),
    )
    per_cube = []
    for i in range(len(cubes.delta_T)):
        entry = {
            "redshift": float(cubes.redshift[i]),
            "escape_fraction": _plain(cubes.escape_fraction[i]),
            "realization": int(cubes.realization[i]),
        }
        if "seed" in cubes:
            entry["seed"] = int(cubes.seed[i])
        if "files" in cubes:
            entry["files"] = cubes.files[i]
        per_cube.append(entry)
    source = {
        "kind": "21cmfast boxes",
        "paths": paths,
        "n_cells": int(cubes.delta_T.shape[1]),
        "box_size": float(cubes.box_size),
        "cubes": per_cube,
    }
    return cubes, source


def _plain(value):
    value = float(value)
    return None if not np.isfinite(value) else value


def _values(cubes, name):
    return ", ".join(f"{v:g}" for v in np.unique(cubes[name]))


def _task_mask(cubes, task, config):
    if task == "a":
        return np.isclose(cubes.escape_fraction, config.fixed_escape_fraction)
    if task == "b":
        return np.isclose(cubes.redshift, config.fixed_redshift)
    return np.ones(len(cubes.redshift), bool)


def task_problems(cubes, task, config, *, min_realizations=2):
    """Why ``task`` cannot run on ``cubes`` (empty when it can), in words naming the fix.

    ``min_realizations`` is 2 for data that are cross-validated over their realizations, 1
    for data that are only tested on.
    """
    problems = []
    for target in TASK_TARGETS[task]:
        if not np.all(np.isfinite(cubes[target])):
            problems.append(
                f"task {task} ({TASKS[task]}) predicts {target}, which the data do not give "
                "for every cube"
            )
    if problems:
        return problems
    mask = _task_mask(cubes, task, config)
    if task == "a" and not mask.any():
        return [
            f"task a ({TASKS['a']}) needs cubes at f_esc = {config.fixed_escape_fraction:g}; "
            f"the data have f_esc = {_values(cubes, 'escape_fraction')} "
            "(set fixed_escape_fraction)"
        ]
    if task == "b" and not mask.any():
        return [
            f"task b ({TASKS['b']}) needs cubes at z = {config.fixed_redshift:g}; the data "
            f"have z = {_values(cubes, 'redshift')} (set fixed_redshift)"
        ]
    for target in TASK_TARGETS[task]:
        classes = np.unique(cubes[target][mask])
        if len(classes) < 2:
            problems.append(
                f"task {task} ({TASKS[task]}) needs at least 2 values of {target}; its cubes "
                f"all have {target} = {_values(cubes, target)}"
            )
    realizations = np.unique(cubes.realization[mask])
    if len(realizations) < min_realizations:
        problems.append(
            f"task {task} ({TASKS[task]}) needs cubes from at least 2 realizations (the study "
            f"tests on each in turn); its cubes come from {len(realizations)}"
        )
    return problems


def check_tasks(cubes, config, *, min_realizations=2, what=""):
    """Raise :class:`StudyError` listing every selected task the data cannot support.

    ``what`` names the data in the message (e.g. "the test data: "), for runs with two.
    """
    problems = [
        what + problem
        for task in config.tasks
        for problem in task_problems(cubes, task, config, min_realizations=min_realizations)
    ]
    n_cells = cubes.delta_T.shape[1]
    if config.patch_size > n_cells and set(config.models) & set(PATCH_MODELS):
        problems.append(
            f"patch_size {config.patch_size} is larger than the slices ({n_cells} pixels) "
            "of the patch models; set patch_size"
        )
    if problems:
        raise StudyError("; ".join(problems))


def subset_cubes(cubes, mask):
    """The cubes where ``mask`` holds: every per-cube array subset, the rest kept.

    Per-file records (``files``, ``params``) are left out.
    """
    n_cubes = len(mask)

    def per_cube(value):
        # Arrays with one entry per cube, in memory or a lazy CubeStack from load_21cmfast.
        return hasattr(value, "shape") and len(value.shape) and value.shape[0] == n_cubes

    return Bunch(
        **{
            key: (value[mask] if per_cube(value) else value)
            for key, value in cubes.items()
            if key not in ("files", "params")
        }
    )


def task_cubes(cubes, task, config):
    """The cubes of ``task`` (every per-cube array subset) and its target columns."""
    return subset_cubes(cubes, _task_mask(cubes, task, config)), list(TASK_TARGETS[task])


def task_datasets(cubes, task, config):
    """The slice and patch datasets of ``task``, with per-image neutral fractions.

    Returns
    -------
    slices, patches : Bunch
        Outputs of :func:`~skcosmo21.datasets.make_slice_dataset` grouped by realization,
        plus ``neutral_fraction`` (that of each image's cube, NaN when unknown); ``patches``
        is None when no model of the task works on patches.
    subset : Bunch
        The task's cubes.
    """
    from ..datasets import make_slice_dataset
    from ..preprocessing import CubeSlicer, PatchExtractor

    subset, targets = task_cubes(cubes, task, config)
    slicer = CubeSlicer(axes="all", step=config.slice_step)
    slices = make_slice_dataset(subset, targets, slicer)
    patches = None
    if set(config.task_models(task)) & set(PATCH_MODELS):
        patcher = PatchExtractor(patch_size=config.patch_size)
        patches = make_slice_dataset(subset, targets, slicer, patcher)
    neutral = np.asarray(subset.get("neutral_fraction", np.full(len(subset.redshift), np.nan)))
    for data in (slices, patches):
        if data is not None:
            data.neutral_fraction = neutral[data.locations["cube"]]
    return slices, patches, subset
