"""Tests of the test bench itself (tests/support/): dists, index, backend, pip against it."""
