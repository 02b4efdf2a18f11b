import csv
from importlib import resources

import joblib
import numpy as np
import pytest

from skcosmo21.datasets import make_reionization_cubes
from skcosmo21.physics import binned_power_spectrum, dimensionless_power

from ._fidelity import FEATURES, fidelity_ratios, read_table, slice_features

SMALL = dict(n_cells=16, box_size=48.0)


def test_layout_labels_and_dtypes(small_cubes):
    c = small_cubes
    assert c.delta_T.shape == c.density.shape == (8, 16, 16, 16)
    assert c.delta_T.dtype == c.density.dtype == np.float32
    # realization-major, then redshift, then escape fraction
    assert c.realization.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert c.redshift.tolist() == [7.5, 7.5, 9.5, 9.5] * 2
    assert c.escape_fraction.tolist() == [0.1, 0.3] * 4
    assert c.params["skcosmo21_version"]
    assert c.params["cosmology"]["sigma_8"] == pytest.approx(0.8102)
    assert "realization-major" in c.DESCR


def test_shared_initial_conditions_within_a_realization(small_cubes):
    c = small_cubes
    # Same realization and redshift: identical density whatever f_esc.
    np.testing.assert_array_equal(c.density[0], c.density[1])
    # Different realizations differ.
    assert not np.allclose(c.density[0], c.density[4])


def test_neutral_fraction_falls_with_time_and_escape_fraction():
    c = make_reionization_cubes(
        [7.0, 8.0, 9.0, 10.0], [0.05, 0.1, 0.2, 0.4], random_state=3, fields="x_HI", **SMALL
    )
    x = c.neutral_fraction.reshape(4, 4)
    assert np.all(np.diff(x, axis=0) > 0)  # higher redshift: more neutral
    assert np.all(np.diff(x, axis=1) < 0)  # more escaping photons: less neutral
    np.testing.assert_allclose(c.x_HI.mean(axis=(1, 2, 3)), c.neutral_fraction, rtol=1e-6)
    assert set(c) >= {"x_HI"}
    assert "delta_T" not in c
    assert "density" not in c


def test_fully_neutral_box_gives_the_brightness_formula():
    # A negligible ionizing efficiency leaves every cell neutral: δT_b = T0 (1+δ) / RSD factor.
    c = make_reionization_cubes(
        [9.0],
        [1e-9],
        random_state=0,
        redshift_space_distortions=False,
        fields=("delta_T", "density", "x_HI"),
        **SMALL,
    )
    from skcosmo21.physics import Cosmology, brightness_temperature_prefactor

    assert c.neutral_fraction[0] == pytest.approx(1.0, abs=1e-6)
    t0 = brightness_temperature_prefactor(9.0, Cosmology())
    np.testing.assert_allclose(c.delta_T[0], t0 * (1 + c.density[0]), rtol=1e-5, atol=1e-6)


def test_same_seed_is_bitwise_identical_also_in_parallel():
    kwargs = dict(n_realizations=2, random_state=42, **SMALL)
    a = make_reionization_cubes([8.0], [0.2], **kwargs)
    b = make_reionization_cubes([8.0], [0.2], n_jobs=2, **kwargs)
    np.testing.assert_array_equal(a.delta_T, b.delta_T)
    np.testing.assert_array_equal(a.density, b.density)
    c = make_reionization_cubes([8.0], [0.2], n_realizations=2, random_state=43, **SMALL)
    assert not np.array_equal(a.delta_T, c.delta_T)
    # A realization does not depend on how many others are simulated with it.
    one = make_reionization_cubes([8.0], [0.2], n_realizations=1, random_state=42, **SMALL)
    np.testing.assert_array_equal(one.delta_T[0], a.delta_T[0])


def test_cubes_do_not_depend_on_the_number_of_threads(monkeypatch):
    # Redshifts run on as many threads as there are cores, each with its own FFT workers; every
    # redshift is computed the same way on any thread, so the cubes are bitwise identical.
    from skcosmo21.datasets import _simulator

    def simulate(cores):
        monkeypatch.setattr(_simulator.joblib, "cpu_count", lambda: cores)
        fields = ("delta_T", "density", "x_HI")
        return make_reionization_cubes(
            [7.0, 8.0, 10.0], [0.1, 0.3], fields=fields, random_state=7, **SMALL
        )

    one = simulate(1)
    for cores in (2, 3, 8):
        many = simulate(cores)
        for name in ("delta_T", "density", "x_HI", "neutral_fraction"):
            np.testing.assert_array_equal(many[name], one[name])


def test_memory_caches_realizations(tmp_path):
    memory = joblib.Memory(str(tmp_path), verbose=0)
    first = make_reionization_cubes([8.0], [0.2], random_state=1, memory=memory, **SMALL)
    cached = list(tmp_path.rglob("output.pkl"))
    assert len(cached) == 1
    second = make_reionization_cubes([8.0], [0.2], random_state=1, memory=str(tmp_path), **SMALL)
    np.testing.assert_array_equal(first.delta_T, second.delta_T)
    assert len(list(tmp_path.rglob("output.pkl"))) == 1


def test_verbose_shows_progress(capsys):
    make_reionization_cubes([8.0], [0.2], random_state=1, verbose=True, **SMALL)
    assert "realizations" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"redshifts": [0.0]}, "redshifts"),
        ({"redshifts": [-1.0]}, "redshifts"),
        ({"redshifts": ["a"]}, "redshifts"),
        ({"redshifts": [8.0, 8.0]}, "redshifts"),
        ({"escape_fractions": [0.0]}, "escape_fractions"),
        ({"escape_fractions": [1.5]}, "escape_fractions"),
        ({"escape_fractions": None}, "escape_fractions"),
        ({"n_cells": 4}, "n_cells"),
        ({"n_cells": 16.5}, "n_cells"),
        ({"box_size": 0.0}, "box_size"),
        ({"box_size": "300"}, "box_size"),
        ({"fields": ("delta_T", "xray")}, "fields"),
        ({"n_realizations": 0}, "n_realizations"),
        ({"ionization_filter": "gaussian"}, "ionization_filter"),
        ({"redshifts": [float("nan")]}, "redshifts"),
        ({"random_state": 2**70}, "random_state"),
        ({"random_state": -1}, "random_state"),
        ({"min_virial_temperature": 1e12}, "min_virial_temperature"),
        ({"min_virial_temperature": float("nan")}, "min_virial_temperature"),
        ({"sub_particles": 0}, "sub_particles"),
        ({"density_evolution": "nbody"}, "density_evolution"),
        ({"verbose": "yes"}, "verbose"),
    ],
)
def test_invalid_parameters_name_the_parameter(kwargs, name):
    arguments = {"redshifts": [8.0], "escape_fractions": [0.2], "n_cells": 16, "box_size": 48.0}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=name):
        make_reionization_cubes(**arguments)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        # Redshifts where T_S >> T_CMB and quasi-linear densities do not hold.
        ({"redshifts": [1e4]}, r"redshifts must lie in \[5, 35\].*T_S >> T_CMB"),
        ({"redshifts": [1e12]}, r"redshifts must lie in \[5, 35\]"),
        ({"redshifts": [2.0]}, r"redshifts must lie in \[5, 35\]"),
        # Cells of 0.25 Mpc and a 1e-3 Mpc box: the model does not hold below 0.5 Mpc cells.
        ({"n_cells": 32, "box_size": 8.0}, r"must be at least 0.5 Mpc per cell, got 0.25 Mpc"),
        ({"box_size": 1e-3}, r"must be at least 0.5 Mpc per cell, got 6.25e-05 Mpc"),
        # A cell larger than the largest bubble leaves the excursion set nothing to search.
        ({"n_cells": 8, "box_size": 300.0}, r"not below max_bubble_radius"),
        # Sources heavier than the mass of a cell's smoothing sphere.
        (
            {"min_virial_temperature": 1e6, "box_size": 16.0, "redshifts": [5.0]},
            r"min_virial_temperature = 1e\+06 K gives halos of .* sources lighter than a cell",
        ),
    ],
)
def test_outside_the_physical_domain_is_refused_with_the_reason(kwargs, reason):
    arguments = {"redshifts": [8.0], "escape_fractions": [0.2], "n_cells": 16, "box_size": 48.0}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=reason):
        make_reionization_cubes(**arguments)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_cells": 16, "box_size": 8.0},  # 0.5 Mpc cells: the smallest allowed
        {"redshifts": [5.0, 35.0]},
        {"min_virial_temperature": 1e3},
        {"min_virial_temperature": 1e6, "n_cells": 8, "box_size": 64.0},
        {"escape_fractions": [1.0], "efficiency_per_escape_fraction": 1e4},
        {"density_evolution": "linear", "barrier_density": "linear", "sample_halos": False},
    ],
)
def test_edges_of_the_domain_give_finite_cubes(kwargs):
    arguments = {"redshifts": [8.0], "escape_fractions": [0.2], "n_cells": 16, "box_size": 48.0}
    arguments.update(kwargs)
    cubes = make_reionization_cubes(
        **arguments, fields=("delta_T", "density", "x_HI"), random_state=0
    )
    for name in ("delta_T", "density", "x_HI"):
        assert np.all(np.isfinite(cubes[name])), name
    assert np.all((cubes.x_HI >= 0) & (cubes.x_HI <= 1))


def test_memory_is_estimated_before_any_work(monkeypatch):
    from skcosmo21.datasets import _simulator

    # 512³ cells need tens of GiB; refused at once on a machine with 1 GiB to spare, and the
    # message says how much it needs and how much there is.
    assert _simulator.estimate_memory(1, 1, 1, 512, ("delta_T", "density")) > 20 * 2**30
    # Redshifts on threads each hold a working set: 247 bytes per cell beyond the outputs
    # were measured with 4 threads (100^3, 17 x 5), 162 with 2.
    for cores, measured in ((2, 162), (4, 247)):
        monkeypatch.setattr(_simulator.joblib, "cpu_count", lambda cores=cores: cores)
        request = (1, 17, 5, 100, ("delta_T", "density"))
        outputs = 17 * 5 * 2 * 4 * 100**3
        assert _simulator.estimate_memory(*request) - outputs > measured * 100**3
    monkeypatch.setattr(_simulator, "_available_memory", lambda: 2**30)
    with pytest.raises(MemoryError, match=r"needs about \d+\.\d+ GiB .* 1\.00 GiB is available"):
        make_reionization_cubes([8.0], [0.2], n_cells=512, box_size=1024.0)


def test_cache_is_keyed_by_the_code_that_made_it(tmp_path, monkeypatch):
    from skcosmo21.datasets import _simulator

    memory = joblib.Memory(str(tmp_path), verbose=0)
    first = make_reionization_cubes([8.0], [0.2], random_state=1, memory=memory, **SMALL)
    assert first.params["source_fingerprint"] == _simulator.source_fingerprint(
        "physics", "datasets._simulator"
    )
    assert len(list(tmp_path.rglob("output.pkl"))) == 1
    # The same call with changed physics code misses the cache and computes afresh.
    monkeypatch.setattr(_simulator, "source_fingerprint", lambda *modules: "changed code")
    make_reionization_cubes([8.0], [0.2], random_state=1, memory=memory, **SMALL)
    assert len(list(tmp_path.rglob("output.pkl"))) == 2


def _reference():
    # The 21cmFAST 3.4.0 summary ships with the library (skcosmo21/datasets/data).
    summary = resources.files("skcosmo21.datasets").joinpath("data/21cmfast-3.4.0-summary.csv")
    with summary.open() as handle:
        rows = list(csv.DictReader(handle))
    table = {}
    for row in rows:
        key = (float(row["redshift"]), float(row["escape_fraction"]))
        table.setdefault(key, []).append(row)
    return table


def test_global_statistics_like_21cmfast_at_128_mpc(grid_128_comparison):
    """HII_DIM 64, 128 Mpc, the full 9 z × 5 ζ grid: x_HI, mean δT_b and Δ²(k) to Nyquist."""
    cubes = grid_128_comparison[2]
    reference = _reference()
    edges = np.geomspace(2 * np.pi / 128.0, np.pi * 64 / 128.0, 13)
    k, power, _ = binned_power_spectrum(cubes.delta_T, 128.0, edges, ndim=3)
    d2 = dimensionless_power(k, power)
    checked_power = 0
    for (z, f), rows in reference.items():
        mine = np.isclose(cubes.redshift, z) & np.isclose(cubes.escape_fraction, f)
        assert mine.sum() == 4
        ref_x = np.mean([float(r["x_HI"]) for r in rows])
        ref_tb = np.mean([float(r["Tb_mean"]) for r in rows])
        ref_k = np.array([float(rows[0][f"k{b}"]) for b in range(12)])
        seeds_d2 = np.array([[float(r[f"D2_{b}"]) for b in range(12)] for r in rows])
        np.testing.assert_allclose(k, ref_k, rtol=1e-4)
        x_hi, tb = cubes.neutral_fraction[mine].mean(), cubes.delta_T[mine].mean()
        if 0.1 < ref_x < 0.9:
            assert abs(x_hi - ref_x) < 0.03, (z, f, x_hi, ref_x)
        assert abs(tb - ref_tb) < 1.0, (z, f, tb, ref_tb)
        if 0.2 < ref_x < 0.8:
            ours, ref_d2 = d2[mine].mean(axis=0), seeds_d2.mean(axis=0)
            band = ref_k > 0.1  # up to the Nyquist scale, 1.57 Mpc^-1
            ratio = ours[band] / ref_d2[band]
            within = (ratio > 1 / 1.5) & (ratio < 1.5)
            # Where 21cmFAST's own two seeds differ by more than the tolerance (the lowest
            # k bins hold few modes in a 128 Mpc box), their mean is no sharper than that:
            # there we ask for agreement with the span of the seeds, widened by 1.5.
            low, high = seeds_d2[:, band].min(axis=0), seeds_d2[:, band].max(axis=0)
            noisy_reference = high / low > 1.5
            in_span = (ours[band] > low / 1.5) & (ours[band] < high * 1.5)
            assert np.all(within | (noisy_reference & in_span)), (z, f, ratio)
            assert np.mean(within) >= 0.85, (z, f, ratio)
            checked_power += 1
    assert checked_power >= 15


def test_defaults_follow_the_21cmfast_reference_parameters(data_dir):
    import json

    from skcosmo21.physics import Cosmology

    reference = json.loads((data_dir / "21cmfast-3.4.0-params.json").read_text())
    cosmo, astro = reference["cosmo_params"], reference["astro_params"]
    ours = Cosmology()
    assert ours.hlittle == cosmo["hlittle"]
    assert ours.omega_m == cosmo["OMm"]
    assert ours.omega_b == cosmo["OMb"]
    assert ours.sigma_8 == cosmo["SIGMA_8"]
    assert ours.n_s == cosmo["POWER_INDEX"]
    params = make_reionization_cubes([8.0], [0.15], fields="x_HI", random_state=0, **SMALL).params
    assert params["min_virial_temperature"] == pytest.approx(10 ** astro["ION_Tvir_MIN"], rel=1e-4)
    assert reference["global_params"]["HII_FILTER"] == 1
    assert params["ionization_filter"] == "sharp-k"
    assert reference["flag_options"]["APPLY_RSDS"] is params["redshift_space_distortions"]
    # ζ = 200 f_esc: the reference's default-run rule.
    assert reference["escape_fraction_rule"] == "zeta = 200 * escape_fraction"
    assert params["efficiency_per_escape_fraction"] == 200.0


def _slice_tails(cubes):
    """Per cube: mean 99th percentile, and std of the maximum, of δT_b over all its slices."""
    tails = []
    for cube in np.asarray(cubes, dtype=np.float64):
        flat = np.concatenate([np.moveaxis(cube, axis, 0) for axis in range(3)])
        flat = flat.reshape(len(flat), -1)
        tails.append((np.quantile(flat, 0.99, axis=1).mean(), flat.max(axis=1).std()))
    return np.array(tails)


@pytest.fixture(scope="module")
def bright_tails(data_dir):
    """Slice tails of the six 21cmFAST 3.4.0 boxes (32³, 48 Mpc) and of ours at their settings."""
    pytest.importorskip("h5py")
    from skcosmo21.datasets import load_21cmfast

    files = sorted((data_dir / "21cmfast-boxes" / "h5").glob("BrightnessTemp_*"))
    real = load_21cmfast(files, fields="delta_T")
    ours = make_reionization_cubes(
        np.unique(real.redshift),
        np.unique(real.escape_fraction),
        n_cells=32,
        box_size=48.0,
        fields="delta_T",
        random_state=5,
    )
    # make_reionization_cubes spans the grid; keep the (z, f_esc) pairs of the reference.
    pairs = list(zip(ours.redshift, ours.escape_fraction, strict=True))
    index = [pairs.index(pair) for pair in zip(real.redshift, real.escape_fraction, strict=True)]
    # Where over 30 % of the volume is neutral, the 99th percentile sits in neutral gas (HDF5
    # caches hold no neutral fraction, so it is read off the emitting cells).
    mostly_neutral = np.mean(real.delta_T > 0, axis=(1, 2, 3)) > 0.3
    assert mostly_neutral.sum() == 5
    return (
        _slice_tails(real.delta_T)[mostly_neutral],
        _slice_tails(ours.delta_T[index])[mostly_neutral],
    )


def test_bright_tail_matches_21cmfast(bright_tails):
    real, ours = bright_tails
    np.testing.assert_allclose(ours[:, 0], real[:, 0], rtol=0.05)


def test_slice_maxima_scatter_like_21cmfast(bright_tails):
    real, ours = bright_tails
    assert np.all(ours[:, 1] > 0.3 * real[:, 1])


def _simulated_slice_features(table, box_size, random_state, n_realizations):
    """Slice features of our cubes on the grid of a real feature table."""
    redshifts = sorted({key[1] for key in table})
    zetas = sorted({key[2] for key in table})
    cubes = make_reionization_cubes(
        redshifts,
        [zeta / 200.0 for zeta in zetas],
        n_realizations=n_realizations,
        n_cells=64,
        box_size=box_size,
        fields="delta_T",
        random_state=random_state,
    )
    ours = {}
    for features, z, f in zip(
        slice_features(cubes.delta_T), cubes.redshift, cubes.escape_fraction, strict=True
    ):
        ours.setdefault((float(z), round(float(f) * 200.0, 6)), []).append(features)
    return ours, cubes


def _split_seeds(table):
    """One {(z, ζ): features} dict per 21cmFAST seed of a feature table."""
    return [
        {key[1:]: value for key, value in table.items() if key[0] == seed}
        for seed in sorted({key[0] for key in table})
    ]


@pytest.fixture(scope="module")
def main_grid_comparison():
    """The shared 300 Mpc grid: 21cmFAST's slice features (seeds 101, 102) and ours."""
    source = resources.files("skcosmo21.datasets").joinpath(
        "data/21cmfast-3.4.0-main-grid-slices.csv.gz"
    )
    table = read_table(source)
    ours, _ = _simulated_slice_features(table, 300.0, random_state=2024, n_realizations=2)
    return ours, _split_seeds(table)


@pytest.fixture(scope="module")
def grid_128_comparison(data_dir):
    """21cmFAST 3.4.0 boxes at 128 Mpc (seeds 1-3; tests/data/21cmfast-main-grid-features)."""
    table = read_table(data_dir / "21cmfast-main-grid-features" / "128Mpc-seeds1-3.csv.gz")
    # Four realizations: the distance is noisy at 128 Mpc; with two, the fraction of grid points
    # within 1.5 ranged over 0.80-1.00 in four draws, with four it was 1.00 in three.
    ours, cubes = _simulated_slice_features(table, 128.0, random_state=2025, n_realizations=4)
    return ours, _split_seeds(table), cubes


def _assert_pixel_distribution_like_21cmfast(ours, reals):
    # Per (z, ζ): the distance between our and 21cmFAST's distributions of slice features
    # (W1 per feature in units of the slice scatter, averaged over features; see
    # tests/datasets/_fidelity.py) against the same distance between 21cmFAST's own seeds.
    ratios = fidelity_ratios(ours, reals)
    within = {key: ratio <= 1.5 for key, ratio in ratios.items()}
    worst = sorted(ratios.items(), key=lambda item: -item[1])[:5]
    assert np.mean(list(within.values())) >= 0.9, worst
    # And no feature is biased on average by more than a third of its slice-to-slice scatter.
    offsets = []
    for key, realizations in ours.items():
        real = np.concatenate([seed[key] for seed in reals])
        scale = np.concatenate([real, *realizations]).std(axis=0)
        mine = np.concatenate(realizations).mean(axis=0)
        offsets.append((mine - real.mean(axis=0)) / np.where(scale > 1e-6, scale, np.inf))
    mean_offset = np.mean(offsets, axis=0)
    biases = dict(zip(FEATURES, mean_offset.round(2), strict=True))
    assert np.all(np.abs(mean_offset) < 1 / 3), biases


def test_pixel_distribution_like_21cmfast_at_300_mpc(main_grid_comparison):
    _assert_pixel_distribution_like_21cmfast(*main_grid_comparison)


def test_pixel_distribution_like_21cmfast_at_128_mpc(grid_128_comparison):
    _assert_pixel_distribution_like_21cmfast(*grid_128_comparison[:2])
