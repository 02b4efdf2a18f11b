"""Models trained on the built-in simulator, tested on real 21cmFAST boxes (``--test-data``).

Three protocols per task and model, each a generator of :class:`~skcosmo21.study.Fold`:

- sim→sim: leave-one-realization-out over the simulations (the study's usual protocol);
- sim→real: the same training sets, each tested on every realization of the real boxes
  (:func:`~skcosmo21.study.sim_to_real_folds`), so the two share every fit and differ only in
  what is tested on;
- real→real: leave-one-realization-out over the real boxes (trained on one seed, tested on
  another), what the same model reaches when it is trained on 21cmFAST itself.

The simulated grid is the configured one restricted to the real boxes' (redshift, escape
fraction) pairs, read from the boxes: their grid (cells, box size) must be the configured
one and their classes among the configured ones, or the run stops before any work.
"""

import numpy as np

from ._data import StudyError, subset_cubes
from ._evaluation import leave_one_realization_out, sim_to_real_folds

#: Protocol key (results.json, results.csv) -> how it is written in tables and figures.
PROTOCOLS = {"sim_to_sim": "sim→sim", "sim_to_real": "sim→real", "real_to_real": "real→real"}
#: What each protocol trains and tests on.
PROTOCOL_DATA = {
    "sim_to_sim": ("simulator", "simulator"),
    "sim_to_real": ("simulator", "test data"),
    "real_to_real": ("test data", "test data"),
}
#: How close a box's label must be to a grid value to be that value: file names give the
#: redshift to 0.01 and ζ to 0.1 (f_esc = ζ/200 to 5e-4).
_TOLERANCE = {"redshift": 0.006, "escape_fraction": 3e-4}
_GRID_KEYS = {"redshift": "redshifts", "escape_fraction": "escape_fractions"}


def _grid_problems(config, real):
    n_cells, box_size = int(real.delta_T.shape[1]), float(real.box_size)
    if n_cells != config.n_cells or not np.isclose(box_size, config.box_size, rtol=1e-6):
        return [
            f"the test data are {n_cells}³ cells over {box_size:g} Mpc but the study simulates "
            f"{config.n_cells}³ cells over {config.box_size:g} Mpc: set n_cells = {n_cells} "
            f"and box_size = {box_size:g} (--config) to study boxes of this grid"
        ]
    return []


def _snap(values, grid, name):
    """Each value as the grid value it matches; the values that match none."""
    grid = np.asarray(grid, float)
    distance = np.abs(values[:, None] - grid[None, :])
    nearest = distance.argmin(axis=1)
    off = distance[np.arange(len(values)), nearest] > _TOLERANCE[name]
    return grid[nearest], np.unique(values[off])


def align_test_data(config, real):
    """The configuration restricted to the real boxes' grid, and the boxes labelled on it.

    Parameters
    ----------
    config : StudyConfig
        The study's configuration: its ``n_cells``, ``box_size``, ``redshifts`` and
        ``escape_fractions`` are the grid the simulator can make.
    real : Bunch
        Cubes from :func:`~skcosmo21.datasets.load_21cmfast`.

    Returns
    -------
    config : StudyConfig
        ``config`` with ``redshifts`` and ``escape_fractions`` those of the real boxes.
    real : Bunch
        The boxes, their ``redshift`` and ``escape_fraction`` set to the grid values they
        match (within 0.006 and 3e-4: what 21cmFAST's file names resolve).
    pairs : set of tuple
        The (redshift, escape fraction) pairs of the real boxes: the simulated cubes to keep.

    Raises
    ------
    StudyError
        Listing every mismatch: another grid, a cube without a redshift or escape fraction
        (e.g. ζ unknown), values outside the configured grid.
    """
    problems = _grid_problems(config, real)
    snapped = {}
    for name, key in _GRID_KEYS.items():
        values = np.asarray(real[name], dtype=float)
        if not np.all(np.isfinite(values)):
            problems.append(
                f"the test data do not give the {name} of {np.sum(~np.isfinite(values))} of "
                f"their {len(values)} cubes, so the simulator cannot make their class (for the "
                "escape fraction: the files must record ζ, or give it through a folder name "
                "such as zeta030.0_seed1)"
            )
            continue
        snapped[name], off_grid = _snap(values, getattr(config, key), name)
        if len(off_grid):
            problems.append(
                f"the test data have {name} = {', '.join(f'{v:g}' for v in off_grid)}, which "
                f"the study does not simulate ({key} = "
                f"{', '.join(f'{v:g}' for v in getattr(config, key))}): add them to {key}"
            )
    if problems:
        raise StudyError("; ".join(problems))
    aligned = subset_cubes(real, np.ones(len(real.redshift), bool))
    aligned.redshift = snapped["redshift"]
    aligned.escape_fraction = snapped["escape_fraction"]
    pairs = set(zip(aligned.redshift.tolist(), aligned.escape_fraction.tolist(), strict=True))
    restricted = config.replace(
        redshifts=tuple(sorted(set(aligned.redshift.tolist()))),
        escape_fractions=tuple(sorted(set(aligned.escape_fraction.tolist()))),
    )
    return restricted, aligned, pairs


def keep_pairs(cubes, pairs):
    """The simulated cubes whose (redshift, escape fraction) is one of ``pairs``."""
    keep = np.array(
        [
            (float(z), float(f)) in pairs
            for z, f in zip(cubes.redshift, cubes.escape_fraction, strict=True)
        ]
    )
    return cubes if keep.all() else subset_cubes(cubes, keep)


def realization_names(cubes):
    """Fold names of the real boxes' realizations: ``seed <seed>`` where the files give it."""
    names = {}
    for realization, seed in zip(cubes.realization, cubes.get("seed", []), strict=False):
        if seed >= 0:
            names[realization] = f"seed {seed}"
    return names


def protocol_folds(sim, real):
    """The protocols of one task and model: ``(protocol, folds, test cubes)`` in turn.

    Parameters
    ----------
    sim, real : tuple of (Bunch, Bunch)
        The task's dataset (slices or patches) and cubes, simulated and real.

    Yields
    ------
    protocol : str
        A key of :data:`PROTOCOLS`; real→real only when the real boxes hold two
        realizations or more.
    folds : iterator of Fold
    test_cubes : Bunch
    """
    sim_data, sim_cubes = sim
    real_data, real_cubes = real
    names = realization_names(real_cubes)
    yield "sim_to_sim", leave_one_realization_out(sim_data), sim_cubes
    yield (
        "sim_to_real",
        sim_to_real_folds(sim_data, real_data, test_group_names=names),
        real_cubes,
    )
    if len(np.unique(real_data.groups)) >= 2:
        yield "real_to_real", leave_one_realization_out(real_data, group_names=names), real_cubes
