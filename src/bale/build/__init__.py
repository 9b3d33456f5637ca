"""PEP 517/660 builds of sdists, directories and VCS checkouts in isolated build environments,
through `pyproject_hooks`. The resolve-and-install it needs for build requirements comes in
through a protocol that `bale.services` injects, never by importing upward.
"""
