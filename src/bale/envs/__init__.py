"""Interpreters and environments: discovery (--python requests, PATH, pyenv, .venv), inspection of
an interpreter by running a small script in it (cached), venv creation, environment.yml.

May import `bale.core`, `bale.errors`, `bale.cache`.
"""
