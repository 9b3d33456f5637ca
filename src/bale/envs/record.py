"""``Record``: immutable value classes that cost nothing to define.

Why not dataclasses for the values every ``bale venv`` builds (the CLI's global options, the
interpreter, the ``--python`` request, the venv options and result): ``import dataclasses`` pulls
in ``inspect``, and each decorated class compiles generated code. On the machines bale is measured
on that is ~5-7 ms, a third of what ``bale venv`` adds to the interpreter's own start.

A ``Record`` subclass lists its fields in ``__slots__`` and assigns them in ``__init__`` through
``assign``. It then behaves like a frozen, slotted dataclass: no assignment after construction,
equality and hash over ``_compared`` (every field by default), a dataclass-like ``repr`` (without
the fields in ``_unshown``), pickling, and ``dataclasses.replace`` / ``fields`` / ``asdict``
(``__dataclass_fields__`` is built on first use; ``dataclasses`` is imported then, and only then).
``record.replace(**changes)`` does the same without importing anything.

Contract for subclasses: ``__init__`` accepts every field as a keyword of the same name.

Fields are the ``__slots__`` unless the class sets ``_fields`` itself: a class may keep a field
in another form (a path as text, say, so that ``pathlib`` is not imported to build it) and show
it through a property of the field's name; everything above then goes through the property.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    _R = TypeVar("_R", bound="Record")

_set = object.__setattr__


def assign(record: Record, **values: object) -> None:
    """Set fields of a record under construction (``__init__`` only)."""
    for name, value in values.items():
        _set(record, name, value)


def _rebuild(cls: type[Record], values: tuple[object, ...]) -> Record:
    return cls(**dict(zip(cls._fields, values, strict=True)))


class _LazyDataclassFields:
    """``__dataclass_fields__`` made on first access, so that ``dataclasses`` functions accept
    records while the module itself is never imported at start-up."""

    def __init__(self) -> None:
        self._made: dict[type, dict[str, Any]] = {}

    def __get__(self, obj: object, owner: type[Record]) -> dict[str, Any]:
        made = self._made.get(owner)
        if made is None:
            import dataclasses

            shadow = dataclasses.make_dataclass(owner.__name__, owner._fields)
            made = self._made[owner] = dict(shadow.__dataclass_fields__)
        return made


class Record:
    """Base of immutable slotted values; see the module docstring."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...] | None] = None  # None: every field
    _unshown: ClassVar[frozenset[str]] = frozenset()
    _key_fields: ClassVar[tuple[str, ...]] = ()
    __dataclass_fields__: ClassVar[dict[str, Any]] = _LazyDataclassFields()  # type: ignore[assignment]

    def __init_subclass__(cls) -> None:
        if "_fields" not in cls.__dict__:  # a class may name its fields itself (see below)
            fields: list[str] = []
            for klass in reversed(cls.__mro__):
                fields.extend(klass.__dict__.get("__slots__", ()))
            cls._fields = tuple(fields)
        cls._key_fields = cls._fields if cls._compared is None else cls._compared
        cls.__match_args__ = cls._fields

    def _key(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._key_fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._unshown
        )
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a {self.__class__.__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a {self.__class__.__name__}")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.__class__, tuple([getattr(self, n) for n in self._fields])))

    def replace(self: _R, **changes: object) -> _R:
        """A copy with some fields changed (as ``dataclasses.replace``)."""
        values = {name: getattr(self, name) for name in self._fields}
        unknown = changes.keys() - values.keys()
        if unknown:
            raise TypeError(f"{self.__class__.__name__} has no field {sorted(unknown)[0]!r}")
        values.update(changes)
        return self.__class__(**values)
