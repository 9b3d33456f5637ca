"""Tests of bale.services (a package so that module names such as test_config do not clash with
tests/cli/ in pytest's default import mode)."""
