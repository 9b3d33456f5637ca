"""``python -m bale``: the same entry point as the ``bale`` console script."""

import sys

from bale.cli import main

if __name__ == "__main__":
    sys.exit(main())
