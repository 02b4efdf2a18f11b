"""Augmentation by exact symmetries of periodic slices, and periodic padding."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcosmo21.datasets import make_reionization_cubes, make_slice_dataset
from skcosmo21.neural import ConvClassifier, DenseClassifier, build_conv_network
from skcosmo21.neural import _base as neural_base
from skcosmo21.neural._augment import random_symmetries, rotatable_slices
from skcosmo21.preprocessing import CubeSlicer


def _radial_power(image):
    power = np.abs(np.fft.fft2(image)) ** 2
    k = np.hypot(*np.meshgrid(np.fft.fftfreq(image.shape[0]), np.fft.fftfreq(image.shape[1])))
    bins = np.digitize(k.ravel(), np.linspace(0, k.max() + 1e-9, 8))
    return np.bincount(bins, power.ravel()) / np.maximum(np.bincount(bins), 1)


def _shift_and_flip_images(image):
    """Every periodic shift and reflection of an image (no transposition)."""
    out = []
    for flip_rows in (False, True):
        for flip_cols in (False, True):
            flipped = image[::-1] if flip_rows else image
            flipped = flipped[:, ::-1] if flip_cols else flipped
            for dr in range(image.shape[0]):
                for dc in range(image.shape[1]):
                    out.append(np.roll(flipped, (dr, dc), axis=(0, 1)))
    return np.array(out)


@pytest.fixture(scope="module")
def slices():
    cubes = make_reionization_cubes(
        [8.0], [0.2], n_cells=16, box_size=48.0, fields="delta_T", random_state=0
    )
    return make_slice_dataset(cubes, "redshift", CubeSlicer(axes="all", step=8))


def test_augmented_slices_are_exact_symmetries(slices):
    X = slices.X
    rotatable = rotatable_slices(slices.locations, len(X))
    out = random_symmetries(X, rotatable, np.random.default_rng(1))
    assert out.shape == X.shape
    assert out.dtype == X.dtype
    assert not np.array_equal(out, X)
    for before, after in zip(X, out, strict=True):
        # Pixels are moved, never changed: the same multiset of values...
        np.testing.assert_array_equal(np.sort(before, axis=None), np.sort(after, axis=None))
        # ...and the same power in every |k| bin, mode powers permuted only.
        np.testing.assert_allclose(
            np.sort(np.abs(np.fft.fft2(after)), axis=None),
            np.sort(np.abs(np.fft.fft2(before)), axis=None),
            rtol=1e-4,
        )
        np.testing.assert_allclose(_radial_power(after), _radial_power(before), rtol=1e-4)


def test_only_line_of_sight_slices_are_rotated(slices):
    X = slices.X
    axes = np.asarray(slices.locations["axis"])
    rotatable = rotatable_slices(slices.locations, len(X))
    np.testing.assert_array_equal(rotatable, axes == 2)
    rng = np.random.default_rng(0)
    transposed = {0: 0, 1: 0, 2: 0}
    for _ in range(20):
        out = random_symmetries(X, rotatable, rng)
        for image, result, axis in zip(X, out, axes, strict=True):
            candidates = _shift_and_flip_images(image)
            if not np.any(np.all(candidates == result, axis=(1, 2))):
                # Not a shift and a reflection: it must be one composed with a transposition.
                candidates_t = _shift_and_flip_images(image.T)
                assert np.any(np.all(candidates_t == result, axis=(1, 2)))
                transposed[int(axis)] += 1
    assert transposed[0] == transposed[1] == 0
    assert transposed[2] > 0  # rotations do happen where they are exact


def test_augmentation_is_training_only_and_oriented_by_locations(slices, monkeypatch):
    X = ((slices.X - slices.X.mean()) / slices.X.std()).astype(np.float32)
    y = np.arange(len(X)) % 2
    seen = []
    real = neural_base.random_symmetries

    def spy(batch, rotatable, rng):
        seen.append(rotatable.copy())
        return real(batch, rotatable, rng)

    monkeypatch.setattr(neural_base, "random_symmetries", spy)
    params = dict(
        filters=(4,),
        dense_units=(4,),
        epochs=2,
        batch_size=8,
        validation_fraction=0.0,
        random_state=0,
    )
    clf = ConvClassifier(augment=True, **params).fit(X, y, locations=slices.locations)
    assert seen  # applied while training
    assert sum(r.sum() for r in seen) == 2 * np.sum(slices.locations["axis"] == 2)
    calls = len(seen)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(proba, clf.predict_proba(X))
    assert len(seen) == calls  # never at prediction
    plain = ConvClassifier(**params).fit(X, y)
    assert not np.array_equal(plain.predict_proba(X), proba)  # augmentation changed training


def test_locations_must_give_an_axis_per_sample(slices):
    with pytest.raises(ValueError, match="locations has 3 entries"):
        rotatable_slices(slices.locations[:3], len(slices.X))
    with pytest.raises(ValueError, match=r"locations\['axis'\]"):
        rotatable_slices(np.zeros(len(slices.X), [("cube", int)]), len(slices.X))
    dense = DenseClassifier(epochs=1)
    with pytest.raises(ValueError, match="no augment option"):
        dense.fit(slices.X, np.arange(len(slices.X)) % 2, locations=[0])


def test_periodic_padding_makes_convolutions_shift_equivariant():
    import keras

    rng = np.random.default_rng(0)
    image = rng.normal(size=(1, 12, 12, 1)).astype(np.float32)
    shifted = np.roll(image, (3, 5), axis=(1, 2))
    for padding, exact in (("periodic", True), ("same", False)):
        model = build_conv_network(
            (12, 12, 1), heads=[(1, None)], filters=(2,), pooling=None, padding=padding
        )
        conv = next(layer for layer in model.layers if type(layer).__name__ == "Conv2D")
        features = keras.Model(model.inputs, conv.output)
        a = np.asarray(features(image))
        b = np.asarray(features(shifted))
        same = np.allclose(np.roll(a, (3, 5), axis=(1, 2)), b, atol=1e-5)
        assert same is exact


@settings(max_examples=40, deadline=None)
@given(
    shape=st.sampled_from([(3, 8), (2, 6, 6), (2, 5, 7), (1, 4, 4, 2)]),
    seed=st.integers(0, 2**32 - 1),
    rotate=st.booleans(),
)
def test_symmetries_keep_values_and_mode_powers(shape, seed, rotate):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=shape).astype(np.float32)
    rotatable = np.full(len(X), rotate)
    out = random_symmetries(X, rotatable, np.random.default_rng(seed + 1))
    assert out.shape == X.shape
    spatial = tuple(range(1, 1 + (1 if X.ndim == 2 else 2)))
    for before, after in zip(X, out, strict=True):
        np.testing.assert_array_equal(np.sort(before, axis=None), np.sort(after, axis=None))
        power_before = np.abs(np.fft.fftn(before, axes=tuple(a - 1 for a in spatial)))
        power_after = np.abs(np.fft.fftn(after, axes=tuple(a - 1 for a in spatial)))
        np.testing.assert_allclose(
            np.sort(power_after, axis=None), np.sort(power_before, axis=None), atol=1e-4
        )
    if not rotate:
        # Without rotation every image is a shift and reflection: rows stay rows.
        for before, after in zip(X, out, strict=True):
            if before.ndim >= 2:
                row_sets = {
                    tuple(np.sort(r)) for r in np.round(before.reshape(before.shape[0], -1), 5)
                }
                assert {
                    tuple(np.sort(r)) for r in np.round(after.reshape(after.shape[0], -1), 5)
                } == row_sets
