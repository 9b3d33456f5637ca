"""Terminal output: messages, colours, progress, tables and ``--format json``.

Only ``bale.cli`` imports this package. ``rich`` is imported lazily, inside the functions that draw
progress bars or tables, so plain commands never pay for it. Colours appear only when enabled
(a terminal, ``--color always``) and never with ``NO_COLOR``.
"""
