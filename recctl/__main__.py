"""``python -m recctl``."""

import sys

from recctl.cli import main

sys.exit(main())
