"""Recipes that orchestrate the layers for one command each (install, lock, sync, venv, ...).
They take typed options, never argv, and report progress through the `Reporter` protocol.

May import every layer below `bale.cli` except `bale.ui`.
"""
