"""``Record``: the frozen slotted value base that replaces dataclasses on the start-up path."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from bale.envs.discovery import InterpreterRequest
from bale.envs.record import Record, assign


class Point(Record):
    __slots__ = ("x", "y", "label")  # noqa: RUF023 (field order)
    _compared = ("x", "y")
    _unshown = frozenset(("label",))
    x: int
    y: int
    label: str

    def __init__(self, x: int, y: int, label: str = "") -> None:
        assign(self, x=x, y=y, label=label)


def test_fields_come_from_slots_in_order() -> None:
    assert Point._fields == ("x", "y", "label")
    assert Point.__match_args__ == ("x", "y", "label")


def test_frozen() -> None:
    point = Point(1, 2)
    with pytest.raises(AttributeError):
        point.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y
    with pytest.raises(AttributeError):
        point.other = 1  # type: ignore[attr-defined]
    assert point.x == 1


def test_equality_and_hash_use_compared_fields_only() -> None:
    assert Point(1, 2, "a") == Point(1, 2, "b")
    assert hash(Point(1, 2, "a")) == hash(Point(1, 2, "b"))
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != (1, 2)
    assert len({Point(1, 2, "a"), Point(1, 2, "b"), Point(3, 4)}) == 2


def test_repr_hides_unshown_fields() -> None:
    assert repr(Point(1, 2, "secret")) == "Point(x=1, y=2)"
    request = InterpreterRequest(raw="3.12", kind="version", specifier="==3.12.*")
    assert repr(request) == (
        "InterpreterRequest(raw='3.12', kind='version', path=None, command=None, "
        "implementation=None, specifier='==3.12.*')"
    )


def test_replace_method_and_dataclasses_functions() -> None:
    point = Point(1, 2, "a")
    moved = point.replace(y=5)
    assert (moved.x, moved.y, moved.label) == (1, 5, "a")
    with pytest.raises(TypeError):
        point.replace(z=1)
    assert dataclasses.is_dataclass(point)
    assert [field.name for field in dataclasses.fields(point)] == ["x", "y", "label"]
    assert dataclasses.replace(point, label="b").label == "b"
    assert dataclasses.asdict(point) == {"x": 1, "y": 2, "label": "a"}


def test_pickle_and_copy_round_trip() -> None:
    request = InterpreterRequest(raw="./py", kind="path", path=Path("py"))
    for clone in (pickle.loads(pickle.dumps(request)), copy.copy(request), copy.deepcopy(request)):
        assert clone == request and clone.path == Path("py")
    point = pickle.loads(pickle.dumps(Point(1, 2, "kept")))
    assert point.label == "kept"


def test_global_options_stay_dataclass_compatible() -> None:
    """`bale pip install` calls dataclasses.replace on GlobalOptions."""
    from bale.cli.frame import GlobalOptions

    opts = GlobalOptions(verbose=2)
    changed = dataclasses.replace(opts, offline=True)
    assert changed.offline and changed.verbose == 2 and not opts.offline
    assert changed == GlobalOptions(verbose=2, offline=True)


def test_defining_records_imports_no_dataclasses() -> None:
    code = (
        "import sys; import bale.envs.record, bale.envs.interpreter, bale.envs.discovery,"
        " bale.services.venv, bale.cli.frame;"
        "print([m for m in ('dataclasses', 'typing', 'inspect') if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path[:0] = {sys.path!r}; {code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "[]"


def test_interpreter_paths_are_text_inside_and_paths_outside() -> None:
    from bale.envs.interpreter import Interpreter

    interpreter = Interpreter(
        executable=Path("/opt/py/bin/python3"),
        version=(3, 12, 1),
        version_string="3.12.1",
        implementation="cpython",
        markers={"os_name": "posix"},
        tags=("py3-none-any",),
        paths={"purelib": "/opt/py/lib/python3.12/site-packages"},
        venv_scheme={"scripts": "bin"},
        prefix="/opt/py",
        base_prefix=Path("/opt/py"),
        base_executable="/opt/py/bin/python3.12",
        is_venv=False,
        externally_managed=False,
        sys_platform="linux",
        platform="linux-x86_64",
        pointer_size=64,
        bundled_pip=("/opt/py/pip.whl",),
    )
    assert interpreter.executable == Path("/opt/py/bin/python3")
    assert interpreter.executable_text == "/opt/py/bin/python3"
    assert interpreter.base_executable_text == "/opt/py/bin/python3.12"
    assert interpreter.prefix == interpreter.base_prefix == Path("/opt/py")
    assert interpreter.bundled_pip == (Path("/opt/py/pip.whl"),)
    assert interpreter.site_packages == Path("/opt/py/lib/python3.12/site-packages")
    assert "executable=PosixPath('/opt/py/bin/python3')" in repr(interpreter)
    bare = dataclasses.replace(interpreter, bundled_pip=())
    assert bare.bundled_pip == () and bare == interpreter  # equality: executable and version
    assert pickle.loads(pickle.dumps(interpreter)).base_executable == interpreter.base_executable
    assert dataclasses.asdict(interpreter)["prefix"] == Path("/opt/py")


def test_global_options_cache_dir_is_a_path_on_demand() -> None:
    from bale.cli.frame import GlobalOptions, default_cache_dir, default_cache_root

    opts = GlobalOptions(cache_dir=Path("/srv/cache"))
    assert opts.cache_dir == Path("/srv/cache") and opts.cache_dir_text == "/srv/cache"
    assert default_cache_dir(opts) == Path("/srv/cache")
    assert default_cache_root(opts) == "/srv/cache"
    assert GlobalOptions().cache_dir is None
