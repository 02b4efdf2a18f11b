"""The main job behind ``skcosmo21 run``: the original study, end to end, on built-in data."""

import json
import logging
import os
import pathlib
import time

import joblib
import numpy as np

logger = logging.getLogger("skcosmo21.run")


class MainJobError(Exception):
    """An error the user can fix (bad option, unwritable folder); reported in one line."""


def default_cache_dir():
    """User cache folder for simulations: ``$XDG_CACHE_HOME/skcosmo21`` or ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "skcosmo21")


def _prepare_output(output):
    path = pathlib.Path(output)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        message = f"cannot write to output folder {str(path)!r}: {error.strerror}"
        raise MainJobError(message) from None
    return path


def run_main_job(quick=False, output="skcosmo21-output", n_jobs=1, random_state=0, cache_dir=None):
    """Simulate the default grid and evaluate the study's models; write the report.

    Parameters
    ----------
    quick : bool, default=False
        Small grid and short training, for a smoke run in a few minutes.
    output : str, default="skcosmo21-output"
        Report folder.
    n_jobs : int, default=1
        Parallel workers for simulation and cross-validation.
    random_state : int, default=0
        Seed of simulations, splits and training.
    cache_dir : str, default=None
        Simulation cache; :func:`default_cache_dir` when None.

    Returns
    -------
    results : list of dict
        One row per (task, model) with fold accuracies.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .datasets import make_reionization_cubes, make_slice_dataset
    from .feature_extraction import PowerSpectrum2D
    from .preprocessing import CubeSlicer

    out = _prepare_output(output)
    memory = joblib.Memory(cache_dir or default_cache_dir(), verbose=0)
    redshifts = np.arange(7.0, 11.01, 1.0 if quick else 0.25)
    escape_fractions = [0.1, 0.3] if quick else [0.075, 0.1, 0.15, 0.2, 0.3]
    n_cells = 32 if quick else 64
    start = time.perf_counter()
    logger.info("simulating %d cubes of %d^3", len(redshifts) * len(escape_fractions) * 3, n_cells)
    cubes = make_reionization_cubes(
        redshifts,
        escape_fractions,
        n_realizations=3,
        n_cells=n_cells,
        box_size=300.0,
        fields=("delta_T",),
        random_state=random_state,
        n_jobs=n_jobs,
        memory=memory,
        verbose=True,
    )
    data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes="all", step=4))
    model = make_pipeline(
        PowerSpectrum2D(box_size=300.0, include_moments=True),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    labels = np.searchsorted(redshifts, data.y)
    scores = cross_val_score(
        model, data.X, labels, groups=data.groups, cv=LeaveOneGroupOut(), n_jobs=n_jobs
    )
    results = [
        {
            "task": "redshift, all f_esc",
            "model": "PowerSpectrum2D+LogisticRegression",
            "accuracy_mean": float(scores.mean()),
            "accuracy_std": float(scores.std()),
            "fold_accuracies": scores.tolist(),
            "chance": 1.0 / len(redshifts),
        }
    ]
    (out / "results.json").write_text(json.dumps(results, indent=2))
    logger.info("done in %.0f s: accuracy %.3f", time.perf_counter() - start, scores.mean())
    return results
