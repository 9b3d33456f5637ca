"""The command line: argv in, one service call, rendered output out.

Only this package knows about argv; only this package imports ``bale.ui``. Each command lives in a
module of its own with ``register(subparsers, common)``; the parser is built from ``COMMANDS``. A
command module imports nothing heavy at module level: services, rich, urllib3 and the like are
imported inside its ``run`` function, so ``bale --version`` and ``bale --help`` stay fast.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from collections.abc import Sequence

    from bale.cli.frame import GlobalOptions

# Commands in the order ``bale --help`` lists them: (module under bale.cli, help line).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("pip", "pip-compatible commands: install, uninstall, freeze, list, show, check, ..."),
    ("venv", "create a virtual environment"),
    ("python", "find and list Python interpreters"),
    ("config", "show bale's effective configuration"),
    ("cache", "inspect and clean bale's cache"),
    ("build", "build a project's sdist and wheel"),
    ("publish", "check distributions and upload them to an index"),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run bale; return the process exit code (never raises for user errors).

    Without ``argv`` bale is a process of its own (the console script, ``python -m bale``), and
    two things change (callers of ``main(argv)``, tests, keep their interpreter as it is):

    - no cyclic garbage collection: bale lives for seconds and makes next to no cycles
      (reference counting frees its garbage), while each collection re-scans every live object:
      the ~100k decoded file entries of a large resolution's index pages cost ~0.15 s of CPU in
      collections that found nothing;
    - the process ends as soon as the command's output is flushed (``os._exit``): every file
      bale writes is closed (atomic writes, context managers) and ``atexit`` functions have run
      by then, and the rest of the interpreter's
      teardown (joining idle pool threads, waiting for look-ahead fetches nobody needs, closing
      TLS connections, freeing every object) cost ~30 ms of each run for nothing.
    """
    if argv is not None:
        return _main(list(argv))
    import gc

    gc.disable()
    code = _main(sys.argv[1:])
    _exit_now(code)
    return code  # not reached


def _exit_now(code: int) -> None:
    import atexit

    atexit._run_exitfuncs()  # bale's own (a progress display restores the terminal), logging's
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (`bale ... | head`) or a stream already closed: nothing left to say.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _main(args_list: list[str]) -> int:
    """``main`` for an explicit argument list.

    Three fast paths skip argparse entirely: ``--version``; a repeated plain ``bale pip install``
    whose recorded answer still stands (``bale.cli.repeat``); and ``bale venv`` when its argv is
    in the plain subset ``bale.cli.venv.parse_fast`` understands (anything else, ``--help`` and
    every error included, goes through the parser as usual).
    """
    if args_list in (["--version"], ["-V"]):
        # The fastest path of all: no parser, no imports.
        from bale import __version__

        sys.stdout.write(f"bale {__version__}\n")
        return 0
    repeat_question = None
    if "install" in args_list:
        from bale.cli.repeat import answer_repeated_install

        code, repeat_question = answer_repeated_install(args_list)
        if code is not None:
            return code
    from bale.cli.frame import build_parser, global_options_from

    if "venv" in args_list:
        from bale.cli.venv import parse_fast

        fast = parse_fast(args_list)
        if fast is not None:
            return _run_guarded(fast.run, fast, global_options_from(fast, os.environ))
    parser = build_parser(COMMANDS, args_list)
    args = parser.parse_args(args_list)
    args.repeat_question = repeat_question  # `bale pip install` records its answer under it
    opts = global_options_from(args, os.environ)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    return _run_guarded(run, args, opts)


def _run_guarded(run, args, opts: GlobalOptions) -> int:  # type: ignore[no-untyped-def]
    """Call a command's ``run`` and turn errors into messages and exit codes."""
    from bale.errors import BaleError, ExitCode

    try:
        return int(run(args, opts) or 0)
    except BaleError as exc:
        from bale.ui.console import print_error

        if opts.verbose:
            import traceback

            traceback.print_exc(file=sys.stderr)
        print_error(exc.message, exc.hint, color=opts.color_enabled)
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error worth reporting.
        sys.stderr.close()
        return ExitCode.FAILURE
