"""Tests of bale.build (a package so that module names do not clash with tests/cli/)."""
