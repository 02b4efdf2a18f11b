"""Data sources: the built-in reionization simulator, 21cmFAST readers, dataset builders."""

from ._io import CubeStack, load_21cmfast, load_cubes, parse_raw_box_name, save_cubes
from ._lightcone import load_lightcone, make_lightcone_dataset
from ._simulator import make_reionization_cubes
from ._slice_dataset import make_slice_dataset
from ._streaming import SimulationStream, simulation_seed

__all__ = [
    "CubeStack",
    "SimulationStream",
    "load_21cmfast",
    "load_cubes",
    "load_lightcone",
    "make_lightcone_dataset",
    "make_reionization_cubes",
    "make_slice_dataset",
    "parse_raw_box_name",
    "save_cubes",
    "simulation_seed",
]
