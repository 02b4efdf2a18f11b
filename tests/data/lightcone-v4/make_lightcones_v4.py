"""Make the py21cmfast 4.x lightcone fixtures of tests/data/lightcone-v4/.

Run with py21cmfast 4.3.1 (Python >= 3.12), from this folder:
    nice -n 10 python make_lightcones_v4.py
"""

import json
import pathlib
import tempfile

import py21cmfast as p21c

RUNS = [
    # file name, templates, random seed, parameter overrides
    (
        "lightcone_v4_const-zeta_zeta30_seed1.h5",
        ["const-zeta", "tiny"],
        1,
        {"HII_EFF_FACTOR": 30.0},
    ),
    ("lightcone_v4_simple_seed2.h5", ["simple", "tiny"], 2, {}),
]

for name, templates, seed, overrides in RUNS:
    inputs = p21c.InputParameters.from_template(
        templates,
        random_seed=seed,
        node_redshifts=p21c.get_logspaced_redshifts(
            min_redshift=7.0, z_step_factor=1.05, max_redshift=8.3
        ),
        HII_DIM=16,
        BOX_LEN=48.0,
        N_THREADS=1,
        **overrides,
    )
    lightconer = p21c.RectilinearLightconer.between_redshifts(
        min_redshift=7.0,
        max_redshift=8.0,
        resolution=inputs.simulation_options.cell_size,
        quantities=("brightness_temp", "neutral_fraction"),
    )
    with tempfile.TemporaryDirectory() as cache:
        lightcone = p21c.run_lightcone(
            lightconer=lightconer,
            inputs=inputs,
            write=False,
            cache=p21c.OutputCache(cache),
        )
    lightcone.save(name, clobber=True)
    # py21cmfast's own redshift of every line-of-sight cell, for the reader's tests.
    redshifts = {"lightcone_redshifts": lightcone.lightcone_redshifts.tolist()}
    pathlib.Path(name).with_suffix(".redshifts.json").write_text(json.dumps(redshifts))
    print(name, lightcone.shape, lightcone.lightcone_redshifts[[0, -1]])
