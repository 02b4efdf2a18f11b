"""SimulationStream: fresh realizations, disjoint train/test seeds, a Keras dataset."""

import numpy as np
import pytest

from skcosmo21.datasets import SimulationStream, make_reionization_cubes, simulation_seed
from skcosmo21.preprocessing import CubeSlicer

GRID = ([7.0, 9.0], [0.1, 0.3])
SMALL = dict(n_cells=16, box_size=48.0, slicer=CubeSlicer(axes="all", step=8))


def test_training_never_draws_a_test_seed():
    train = [simulation_seed(7, "train", i) for i in range(5000)]
    test = [simulation_seed(7, "test", i) for i in range(5000)]
    assert set(train).isdisjoint(test)
    assert all(s % 2 == 0 for s in train)
    assert all(s % 2 == 1 for s in test)
    assert all(0 <= s < 2**32 for s in train + test)
    # The seed of a realization depends on its branch and index only, not on the stream size.
    stream = SimulationStream(*GRID, n_realizations=3, random_state=7, **SMALL)
    assert stream.seeds == train[:3]
    # Documented derivation.
    word = np.random.SeedSequence(7, spawn_key=(1, 4)).generate_state(1, np.uint32)[0]
    assert simulation_seed(7, "test", 4) == (int(word) & ~1) | 1


def test_chunks_are_labelled_grouped_and_repeatable():
    stream = SimulationStream(
        *GRID,
        ["redshift", "escape_fraction"],
        n_realizations=3,
        realizations_per_chunk=2,
        random_state=1,
        **SMALL,
    )
    assert len(stream) == 2
    chunks = list(stream)
    per_realization = 4 * 6  # 4 cubes x (3 axes x 2 positions)
    assert [len(c.X) for c in chunks] == [2 * per_realization, per_realization]
    assert chunks[0].y.shape == (2 * per_realization, 2)
    assert sorted(set(chunks[0].groups.tolist())) == [0, 1]
    assert set(chunks[1].groups.tolist()) == {2}
    assert chunks[1].seeds == [stream.seeds[2]]
    np.testing.assert_array_equal(chunks[1].X, stream.chunk(1).X)  # same chunk, same data
    # The realization is the simulator's for that seed, sliced as make_slice_dataset does.
    cubes = make_reionization_cubes(
        *GRID, n_cells=16, box_size=48.0, fields="delta_T", random_state=stream.seeds[2]
    )
    np.testing.assert_array_equal(chunks[1].X[0], cubes.delta_T[0, 0])
    assert [c.tolist() for c in stream.classes] == [[7.0, 9.0], [0.1, 0.3]]


def test_string_labels_for_classifiers():
    stream = SimulationStream([9.0, 10.5], [0.15], n_realizations=1, string_labels=True, **SMALL)
    assert stream.classes.tolist() == ["10.5", "9"]  # sorted as strings, like classes_
    chunk = stream.chunk(0)
    assert set(chunk.y.tolist()) == {"10.5", "9"}
    x, y = stream.as_keras_dataset(batch_size=len(chunk.y))[0]
    np.testing.assert_array_equal(y, np.searchsorted(["10.5", "9"], chunk.y))


def test_transform_and_bad_arguments():
    stream = SimulationStream(*GRID, n_realizations=1, transform=np.negative, **SMALL)
    assert stream.chunk(0).X.max() <= 0
    with pytest.raises(ValueError, match="subset"):
        SimulationStream(*GRID, subset="validation")
    with pytest.raises(ValueError, match="random_state"):
        SimulationStream(*GRID, random_state=2**40)
    with pytest.raises(ValueError, match="targets"):
        SimulationStream(*GRID, targets="temperature")
    with pytest.raises(IndexError):
        stream.chunk(1)


def test_keras_dataset_trains_a_plain_keras_model():
    import keras

    from skcosmo21.neural import build_conv_network

    stream = SimulationStream(
        *GRID, n_realizations=2, transform=lambda X: X / 30.0, random_state=0, **SMALL
    )
    dataset = stream.as_keras_dataset(batch_size=10)
    assert isinstance(dataset, keras.utils.PyDataset)
    assert len(dataset) == 2 * 3  # 24 slices per chunk in batches of 10
    x, y = dataset[0]
    assert x.shape == (10, 16, 16, 1)
    assert set(y.tolist()) <= {0, 1}  # class indices
    assert dataset[2][0].shape == (4, 16, 16, 1)  # last batch of the first chunk
    model = build_conv_network((16, 16, 1), heads=[(2, "softmax")], filters=(4,))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(dataset, epochs=1, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 1
    values = stream.as_keras_dataset(batch_size=24, labels="value")[0][1]
    assert set(values.tolist()) <= {7.0, 9.0}
