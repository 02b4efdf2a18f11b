"""Wrapper overhead of the neural estimators against plain Keras, and inference throughput.

Run: python benchmarks/bench_neural.py  (about 2-3 minutes on 2 cores).

The same ConvClassifier architecture is trained on the same data for the same epochs, once
through ``ConvClassifier.fit`` and once by ``build_conv_network`` + ``model.compile`` +
``model.fit``; both are timed end to end (model building included), best of 3, alternating.
The study's autoencoder on its dataset size (6,528 images of 200 x 200) is timed per epoch on
this CPU; the GPU figure needs a machine with one.
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


def main(n_images=2048, size=64, epochs=3, batch_size=32):
    import keras

    from skcosmo21.neural import AutoencoderEncoder, ConvClassifier, build_conv_network

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_images, size, size)).astype(np.float32)
    y = rng.integers(0, 17, n_images)
    X[np.arange(n_images), y, y] += 5.0  # a learnable signal, so training is not degenerate
    params = dict(
        filters=(16, 32),
        dense_units=(64,),
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=1e-3,
        validation_fraction=0.0,
        random_state=0,
    )

    def ours():
        return ConvClassifier(**params).fit(X, y)

    def plain():
        keras.utils.set_random_seed(0)
        model = build_conv_network(
            (size, size, 1), [(17, "softmax")], filters=(16, 32), dense_units=(64,)
        )
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=["sparse_categorical_crossentropy"],
            metrics=[["accuracy"]],
        )
        model.fit(X[..., None], y, epochs=epochs, batch_size=batch_size, verbose=0)
        return model

    ours(), plain()  # warm up TensorFlow (graph tracing, thread pools)
    times = {"ours": [], "plain": []}
    for _ in range(3):
        for name, function in (("ours", ours), ("plain", plain)):
            start = time.perf_counter()
            fitted = function()
            times[name].append(time.perf_counter() - start)
    ours_s, plain_s = min(times["ours"]), min(times["plain"])

    start = time.perf_counter()
    fitted = ours()
    fitted.predict(X)
    predict_start = time.perf_counter()
    fitted.predict_proba(X)
    inference = n_images / (time.perf_counter() - predict_start)
    del start

    ae_images = rng.standard_normal((6528, 200, 200)).astype(np.float32)
    autoencoder = AutoencoderEncoder(
        epochs=1, batch_size=32, validation_fraction=0.0, random_state=0
    )
    start = time.perf_counter()
    autoencoder.fit(ae_images[:256])  # warm-up on a slice, then one full epoch
    autoencoder.set_params(epochs=1)
    start = time.perf_counter()
    autoencoder.fit(ae_images)
    ae_epoch = time.perf_counter() - start

    result = {
        "machine": machine() + f", TensorFlow {keras.config.backend()} / Keras {keras.__version__}",
        "conv_classifier": {
            "images": n_images,
            "size": size,
            "epochs": epochs,
            "ours_seconds_per_epoch": ours_s / epochs,
            "plain_keras_seconds_per_epoch": plain_s / epochs,
            "wrapper_overhead": ours_s / plain_s - 1.0,
            "inference_images_per_s": inference,
        },
        "study_autoencoder_cpu": {
            "images": len(ae_images),
            "size": 200,
            "seconds_per_epoch": ae_epoch,
        },
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
