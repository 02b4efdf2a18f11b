"""
Grid search on a Dask cluster
=============================

The same ``GridSearchCV`` runs on joblib's Dask backend: here a local cluster of two worker
processes, in production a cluster spanning machines. Results equal the sequential run.
"""

import joblib
import matplotlib.pyplot as plt
from dask.distributed import Client, LocalCluster
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.feature_extraction import PowerSpectrum2D
from skcosmo21.preprocessing import CubeSlicer

cubes = make_reionization_cubes(
    [7.0, 8.0, 9.0, 10.0],
    [0.2],
    n_realizations=3,
    n_cells=32,
    box_size=150.0,
    fields="delta_T",
    random_state=0,
)
data = make_slice_dataset(cubes, "redshift", CubeSlicer(axes="all", step=4))
pipe = make_pipeline(
    PowerSpectrum2D(pixel_size=data.pixel_size), StandardScaler(), LogisticRegression(max_iter=2000)
)
grid = {
    "powerspectrum2d__include_moments": [False, True],
    "logisticregression__C": [0.01, 0.1, 1.0, 10.0],
}
labels = data.y.astype(str)

if __name__ == "__main__":
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        search = GridSearchCV(pipe, grid, cv=GroupKFold(3), n_jobs=-1)
        search.fit(data.X, labels, groups=data.groups)
    print("best:", search.best_params_, f"{search.best_score_:.3f}")

    fig, ax = plt.subplots(figsize=(6, 4))
    results = search.cv_results_
    for moments in (False, True):
        mask = results["param_powerspectrum2d__include_moments"] == moments
        ax.semilogx(
            results["param_logisticregression__C"][mask].astype(float),
            results["mean_test_score"][mask],
            "o-",
            label="with mean and std" if moments else "power spectrum only",
        )
    ax.set(xlabel="inverse regularisation C", ylabel="accuracy (folds over realizations)")
    ax.legend()
    fig.tight_layout()
