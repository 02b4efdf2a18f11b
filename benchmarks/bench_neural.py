"""Training throughput of the neural estimators beside plain Keras, and inference throughput.

Run: python benchmarks/bench_neural.py  (about 5 minutes on 2 cores).

1. The same network trained on the same data for the same epochs, once through our estimator
   (``ConvClassifier.fit``, our training loop) and once by the builder function +
   ``model.compile`` + ``keras.Model.fit``; both timed end to end (model building included),
   best of 3, alternating, for the main job's CNN and for the benchmark recipe's architecture
   (batch norm, residual blocks, periodic padding; augmentation off on both sides, its cost
   is measured apart).
2. Streaming: two fresh realizations of the main job's grid from ``SimulationStream``, once by
   ``ConvClassifier.fit_stream`` (one ``partial_fit`` per realization) and once by
   ``keras.Model.fit`` on ``stream.as_keras_dataset()``; both include simulating the data.
3. The study's autoencoder on its dataset size (6,528 images of 200 × 200), one epoch.

Throughput is training images per second (images × epochs / seconds). The JSON result goes to
stdout and ``benchmarks/results/bench_neural.json``.
"""

import json
import os
import pathlib
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import machine  # noqa: E402

ARCHITECTURES = {
    "main job's CNN": {"filters": (16, 32), "dense_units": (64,)},
    "recipe (16, 32, 64), batch norm, residual, periodic": {
        "filters": (16, 32, 64),
        "dense_units": (64,),
        "batch_norm": True,
        "residual": True,
        "padding": "periodic",
    },
}


def compare_with_keras(X, y, architecture, epochs, batch_size):
    import keras

    from skcosmo21.neural import ConvClassifier, build_conv_network

    n_classes = int(y.max()) + 1

    def ours():
        return ConvClassifier(
            **architecture,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=1e-3,
            validation_fraction=0.0,
            random_state=0,
        ).fit(X, y)

    def plain():
        keras.utils.set_random_seed(0)
        model = build_conv_network(X.shape[1:] + (1,), [(n_classes, "softmax")], **architecture)
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=["sparse_categorical_crossentropy"],
            metrics=[["accuracy"]],
        )
        model.fit(X[..., None], y, epochs=epochs, batch_size=batch_size, verbose=0)
        return model

    ours(), plain()  # warm up: imports, thread pools, first traces
    times = {"ours": [], "plain": []}
    for _ in range(3):
        for name, function in (("ours", ours), ("plain", plain)):
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    ours_s, plain_s = min(times["ours"]), min(times["plain"])
    fitted = ours()
    start = time.perf_counter()
    fitted.predict_proba(X)
    inference = len(X) / (time.perf_counter() - start)
    augmented = ConvClassifier(
        **architecture,
        epochs=epochs,
        batch_size=batch_size,
        validation_fraction=0.0,
        augment=True,
        random_state=0,
    )
    start = time.perf_counter()
    augmented.fit(X, y)
    augmented_s = time.perf_counter() - start
    images = len(X) * epochs
    return {
        "images": len(X),
        "size": X.shape[1],
        "epochs": epochs,
        "batch_size": batch_size,
        "ours_images_per_s": images / ours_s,
        "plain_keras_images_per_s": images / plain_s,
        "ours_over_plain_time": ours_s / plain_s,
        "ours_with_augmentation_images_per_s": images / augmented_s,
        "inference_images_per_s": inference,
    }


def compare_streaming(n_realizations=2, batch_size=64):
    import keras

    from skcosmo21.datasets import SimulationStream
    from skcosmo21.neural import ConvClassifier, build_conv_network
    from skcosmo21.preprocessing import CubeSlicer

    redshifts = [float(z) for z in np.round(np.arange(7.0, 11.01, 0.25), 2)]
    stream = SimulationStream(
        redshifts,
        [0.075, 0.1, 0.15, 0.2, 0.3],
        n_realizations=n_realizations,
        slicer=CubeSlicer(axes="all", step=4),
        transform=lambda X: ((X - 10.0) / 10.0).astype(np.float32),
        string_labels=True,  # "7.25": classifiers take non-integer labels as strings
        random_state=1,
    )
    n_images = n_realizations * stream.slices_per_realization()
    architecture = ARCHITECTURES["main job's CNN"]

    start = time.perf_counter()
    ConvClassifier(**architecture, batch_size=batch_size, random_state=0).fit_stream(stream)
    ours_s = time.perf_counter() - start

    start = time.perf_counter()
    keras.utils.set_random_seed(0)
    model = build_conv_network((64, 64, 1), [(len(stream.classes), "softmax")], **architecture)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(stream.as_keras_dataset(batch_size), epochs=1, shuffle=False, verbose=0)
    plain_s = time.perf_counter() - start

    start = time.perf_counter()
    for index in range(len(stream)):
        stream.chunk(index)
    simulate_s = time.perf_counter() - start
    return {
        "realizations": n_realizations,
        "images": n_images,
        "simulate_and_slice_seconds": simulate_s,
        "ours_fit_stream_seconds": ours_s,
        "plain_keras_pydataset_seconds": plain_s,
        "ours_images_per_s_including_simulation": n_images / ours_s,
        "plain_keras_images_per_s_including_simulation": n_images / plain_s,
    }


def study_autoencoder_epoch():
    from skcosmo21.neural import AutoencoderEncoder

    images = np.random.default_rng(0).standard_normal((6528, 200, 200)).astype(np.float32)
    autoencoder = AutoencoderEncoder(
        epochs=1, batch_size=32, validation_fraction=0.0, random_state=0
    )
    autoencoder.fit(images[:256])  # warm-up: first trace
    start = time.perf_counter()
    autoencoder.fit(images)
    seconds = time.perf_counter() - start
    return {"images": len(images), "size": 200, "seconds_per_epoch": seconds}


def main(n_images=2048, size=64, epochs=3, batch_size=64):
    import keras

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_images, size, size)).astype(np.float32)
    y = rng.integers(0, 17, n_images)
    X[np.arange(n_images), y, y] += 5.0  # a learnable signal, so training is not degenerate

    result = {
        "machine": machine() + f", TensorFlow backend / Keras {keras.__version__}",
        "same_network_same_data": {
            name: compare_with_keras(X, y, architecture, epochs, batch_size)
            for name, architecture in ARCHITECTURES.items()
        },
        "streaming": compare_streaming(),
        "study_autoencoder_cpu": study_autoencoder_epoch(),
    }
    text = json.dumps(result, indent=2)
    print(text)
    out = pathlib.Path(__file__).parent / "results" / "bench_neural.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    return result


if __name__ == "__main__":
    main()
