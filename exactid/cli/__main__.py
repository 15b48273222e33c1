"""``python -m exactid.cli``: the ``exactid`` command."""

import sys

from . import main

sys.exit(main())
