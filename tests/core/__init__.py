"""Tests of bale.core (a package so that module names such as test_settings do not clash with
other test directories in pytest's default import mode)."""
