"""The study's models, in one place: each a plain scikit-learn estimator built from the config.

Six models: the original study's PCA baseline and dense network, the power-spectrum physics
baseline, a one-point-statistics baseline, a CNN on whole slices and the study's
autoencoder feeding a CNN. The neural ones import TensorFlow only when built.
"""

#: Model key (for ``--models`` and the configuration) -> name in the report.
MODEL_NAMES = {
    "pca": "PCA + LogisticRegression",
    "power-spectrum": "PowerSpectrum2D + LogisticRegression",
    "one-point": "OnePointStatistics + HistGradientBoosting",
    "dense": "DenseClassifier on patches",
    "cnn": "ConvClassifier on slices",
    "autoencoder-cnn": "AutoencoderEncoder + ConvClassifier",
}
#: Models that need TensorFlow.
NEURAL_MODELS = ("dense", "cnn", "autoencoder-cnn")
#: Models trained on patches of the slices rather than on whole slices.
PATCH_MODELS = ("dense",)


def _per_output(model, joint):
    from sklearn.multioutput import MultiOutputClassifier

    return MultiOutputClassifier(model) if joint else model


def _linear(joint):
    from sklearn.linear_model import LogisticRegression

    return _per_output(LogisticRegression(max_iter=2000, C=1.0), joint)


def _pca(config, task, pixel_size, random_state):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..preprocessing import Flatten, ImageStandardizer

    return make_pipeline(
        ImageStandardizer(),
        Flatten(),
        PCA(config.pca_components, random_state=random_state),
        StandardScaler(),
        _linear(task == "d"),
    )


def _power_spectrum(config, task, pixel_size, random_state):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..feature_extraction import PowerSpectrum2D

    return make_pipeline(
        PowerSpectrum2D(pixel_size=pixel_size, include_moments=True),
        StandardScaler(),
        _linear(task == "d"),
    )


def _one_point(config, task, pixel_size, random_state):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline

    from ..feature_extraction import OnePointStatistics

    # The one-point distribution of the slice, with a model that can cut it finely. Its
    # quantiles stop at 1 % and 99 %: see OnePointStatistics on the extreme pixels.
    return make_pipeline(
        OnePointStatistics(n_quantiles=32),
        _per_output(
            HistGradientBoostingClassifier(
                max_iter=config.boosting_iterations,
                early_stopping=False,
                random_state=random_state,
            ),
            task == "d",
        ),
    )


def _dense(config, task, pixel_size, random_state):
    from sklearn.pipeline import make_pipeline

    from ..neural import DenseClassifier
    from ..preprocessing import ImageStandardizer

    return make_pipeline(
        ImageStandardizer(),
        DenseClassifier(
            hidden_layer_sizes=(350,),
            alpha=1e-3,
            dropout=0.2,
            epochs=config.epochs_dense,
            learning_rate=1e-3,
            batch_size=64,
            early_stopping=True,
            random_state=random_state,
        ),
    )


def _cnn(config, task, pixel_size, random_state):
    from sklearn.pipeline import make_pipeline

    from ..neural import ConvClassifier
    from ..preprocessing import ImageStandardizer

    # Trained for a fixed number of epochs on every training slice. On an independent
    # simulation of task a (random_state=1), early stopping within 20 epochs gave 0.85;
    # 40 epochs with batches of 64 and step 2e-3 gave 0.97.
    return make_pipeline(
        ImageStandardizer(),
        ConvClassifier(
            filters=(16, 32),
            dense_units=(64,),
            epochs=config.epochs_cnn[task],
            learning_rate=2e-3,
            batch_size=64,
            validation_fraction=0.0,
            random_state=random_state,
        ),
    )


def _autoencoder_cnn(config, task, pixel_size, random_state):
    from sklearn.pipeline import make_pipeline

    from ..neural import AutoencoderEncoder, ConvClassifier
    from ..preprocessing import ImageStandardizer

    return make_pipeline(
        ImageStandardizer(),
        AutoencoderEncoder(
            epochs=config.epochs_autoencoder, batch_size=32, random_state=random_state
        ),
        ConvClassifier(
            filters=(32, 64),
            dense_units=(64,),
            dropout=0.2,
            epochs=config.epochs_cnn[task],
            learning_rate=1e-3,
            batch_size=32,
            early_stopping=True,
            random_state=random_state,
        ),
    )


_BUILDERS = {
    "pca": _pca,
    "power-spectrum": _power_spectrum,
    "one-point": _one_point,
    "dense": _dense,
    "cnn": _cnn,
    "autoencoder-cnn": _autoencoder_cnn,
}


def build_model(key, config, task, *, pixel_size=None, random_state=None):
    """A fresh, unfitted estimator of the study.

    Parameters
    ----------
    key : str
        Model key, one of :data:`MODEL_NAMES`.
    config : StudyConfig
        Training settings (epochs, PCA components, boosting iterations).
    task : str
        Task key; task "d" (two targets) wraps single-output models in
        ``MultiOutputClassifier``, and the CNN's epochs depend on the task.
    pixel_size : float, default=None
        Mpc per pixel of the data, for the power spectrum's k.
    random_state : int, default=None
        Seed of every random step.

    Returns
    -------
    estimator : sklearn.pipeline.Pipeline

    Examples
    --------
    >>> from skcosmo21.study import DEFAULT, build_model
    >>> model = build_model("power-spectrum", DEFAULT, "a", pixel_size=300 / 64)
    >>> model[0].pixel_size
    4.6875
    """
    if key not in _BUILDERS:
        raise ValueError(f"unknown model {key!r}; models are {list(MODEL_NAMES)}")
    return _BUILDERS[key](config, task, pixel_size, random_state)
