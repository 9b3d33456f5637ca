"""Interpreters and environments: discovery (--python requests, PATH, pyenv, .venv), inspection of
an interpreter by running a small script in it (cached), venv creation, environment.yml.

Modules: ``interpreter`` (the ``Interpreter`` value and its cached probe, run from
``probe_script.py``; ``tags`` for interpreters too old for bale's packaging), ``discovery``
(requests and search order), ``venv`` and ``activation`` (creating venvs), ``seed`` (pip into a
new venv), ``target`` (which environment a ``bale pip`` command acts on).

May import `bale.core`, `bale.errors`, `bale.cache`.
"""
