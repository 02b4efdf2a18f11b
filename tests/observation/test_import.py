import subprocess
import sys


def test_importing_observation_loads_neither_21cmsense_nor_astropy_nor_tensorflow():
    code = (
        "import sys, skcosmo21, skcosmo21.observation; "
        "print(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'py21cmsense', 'astropy', 'pyuvdata', 'tensorflow', 'keras'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
