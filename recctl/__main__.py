"""``python -m recctl``."""

import sys

from recctl.entry import main

sys.exit(main())
