"""Allow ``python -m skcosmo21``."""

import sys

from ._cli import main

sys.exit(main())
