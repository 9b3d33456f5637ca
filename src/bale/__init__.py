"""bale: a Python package and environment manager.

The package root holds only the version: importing ``bale`` must stay free, because every
command (``bale --version`` included) pays for it.
"""

__version__ = "0.1.0"
