"""Pure types and formats: names, versions, requirements and requirement files, candidates,
distributions, the install plan, lock formats (requirements.txt, PEP 751 pylock.toml).

No network, no disk writes, no subprocesses: parsers take text, the caller reads files. May import
only the standard library, `packaging` and `bale.errors`.
"""
