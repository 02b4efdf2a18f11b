"""Make the py21cmfast 3.x lightcone fixture of tests/data/lightcone-v3/.

Run with py21cmfast 3.4.0 (Python 3.11), from this folder:
    nice -n 10 python make_lightcone_v3.py
"""

import json
import pathlib
import tempfile

import py21cmfast as p21c

NAME = "lightcone_v3_zeta30_seed1.h5"
QUANTITIES = ("brightness_temp", "xH_box")

user_params = p21c.UserParams(HII_DIM=16, DIM=32, BOX_LEN=48.0, N_THREADS=1)
lightconer = p21c.RectilinearLightconer.with_equal_cdist_slices(
    min_redshift=7.0,
    max_redshift=8.0,
    resolution=user_params.cell_size,
    quantities=QUANTITIES,
)
with tempfile.TemporaryDirectory() as cache:
    lightcone = p21c.run_lightcone(
        lightconer=lightconer,
        user_params=user_params,
        astro_params={"HII_EFF_FACTOR": 30.0},
        global_quantities=QUANTITIES,
        random_seed=1,
        write=False,
        direc=cache,
    )
lightcone.save(fname=NAME, direc=".", clobber=True)
# py21cmfast's own redshift of every line-of-sight cell, for the reader's tests.
redshifts = {"lightcone_redshifts": lightcone.lightcone_redshifts.tolist()}
pathlib.Path(NAME).with_suffix(".redshifts.json").write_text(json.dumps(redshifts))
print(NAME, lightcone.shape, lightcone.lightcone_redshifts[[0, -1]])
