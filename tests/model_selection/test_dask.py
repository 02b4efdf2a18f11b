"""Distributed grid search and simulation on joblib's Dask backend (a 2-process LocalCluster)."""

import joblib
import numpy as np
from dask.distributed import Client, LocalCluster
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosmo21.datasets import make_reionization_cubes
from skcosmo21.feature_extraction import PowerSpectrum2D


def test_dask_backend_matches_sequential_run(two_redshift_slices):
    X, y, groups = two_redshift_slices
    pipe = make_pipeline(
        PowerSpectrum2D(n_bins=6, include_moments=True),
        StandardScaler(),
        LogisticRegression(max_iter=500),
    )
    grid = {"powerspectrum2d__include_moments": [False, True], "logisticregression__C": [0.01, 1.0]}
    sequential = GridSearchCV(pipe, grid, cv=GroupKFold(3), n_jobs=1).fit(X, y, groups=groups)
    expected_cubes = make_reionization_cubes(
        [8.0], [0.2], n_realizations=2, n_cells=16, box_size=48.0, random_state=7
    )
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        distributed = GridSearchCV(pipe, grid, cv=GroupKFold(3), n_jobs=-1)
        distributed.fit(X, y, groups=groups)
        cubes = make_reionization_cubes(
            [8.0], [0.2], n_realizations=2, n_cells=16, box_size=48.0, random_state=7, n_jobs=2
        )
    assert cluster.status.name == "closed"
    assert distributed.best_params_ == sequential.best_params_
    np.testing.assert_allclose(
        distributed.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(cubes.delta_T, expected_cubes.delta_T)
