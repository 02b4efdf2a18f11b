"""The leak that random splits over slices create, measured."""

import numpy as np
from sklearn.model_selection import GroupKFold, KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.ensemble import SliceVotingClassifier
from skcosmo21.model_selection import SpatialBlockKFold
from skcosmo21.preprocessing import CubeSlicer, Flatten


def test_random_split_over_slices_overstates_skill():
    # The study's resolution (1.5 Mpc cells): neighbouring slices are near copies.
    cubes = make_reionization_cubes(
        [8.0],
        [0.1, 0.15, 0.2, 0.3],
        n_realizations=3,
        n_cells=32,
        box_size=48.0,
        fields="delta_T",
        random_state=4,
    )
    data = make_slice_dataset(cubes, "escape_fraction", CubeSlicer(axes=0))
    knn = make_pipeline(Flatten(), KNeighborsClassifier(1))
    labels = data.y.astype(str)
    leaky = cross_val_score(knn, data.X, labels, cv=KFold(3, shuffle=True, random_state=0))
    honest = cross_val_score(knn, data.X, labels, groups=data.groups, cv=GroupKFold(3))
    # One realization only (the original study's situation): spatial blocks, 2-cell gap.
    one = data.groups == 0
    spatial = cross_val_score(
        knn,
        data.X[one],
        labels[one],
        cv=SpatialBlockKFold(data.locations[one], n_blocks=(4, 1, 1), gap=2),
    )
    print(
        f"1-NN f_esc accuracy: KFold(shuffle) {leaky.mean():.3f}, realization GroupKFold "
        f"{honest.mean():.3f}, SpatialBlockKFold {spatial.mean():.3f}, chance 0.25"
    )
    assert leaky.mean() > honest.mean() + 0.15
    assert leaky.mean() > spatial.mean() + 0.15


def test_slice_voting_is_a_leak_free_cube_classifier():
    cubes = make_reionization_cubes(
        [7.0, 8.0, 9.0, 10.0],
        [0.2],
        n_realizations=5,
        n_cells=16,
        box_size=64.0,
        fields="delta_T",
        random_state=4,
    )
    labels = cubes.redshift.astype(str)
    clf = SliceVotingClassifier(slicer=CubeSlicer(step=2))
    train = cubes.realization < 3
    clf.fit(cubes.delta_T[train], labels[train])
    test_cubes = cubes.delta_T[~train]
    cube_accuracy = np.mean(clf.predict(test_cubes) == labels[~train])
    slice_labels = clf.slicer_.expand(labels[~train], n_samples=len(test_cubes))
    slice_accuracy = np.mean(clf.predict_slices(test_cubes) == slice_labels)
    assert cube_accuracy >= slice_accuracy
    assert cube_accuracy > 0.5  # chance is 1/4
    hard = SliceVotingClassifier(slicer=CubeSlicer(step=2), voting="hard")
    hard.fit(cubes.delta_T[train], labels[train])
    np.testing.assert_allclose(hard.predict_proba(test_cubes).sum(axis=1), 1.0)
    # Cross-validation over cubes needs no groups: slices never straddle folds.
    scores = cross_val_score(
        SliceVotingClassifier(slicer=CubeSlicer(axes=0, step=4)), cubes.delta_T, labels, cv=3
    )
    assert scores.mean() > 0.5
