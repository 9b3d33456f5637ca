"""Shared test helpers: wheel/sdist builders, the loopback index, bale runners."""
