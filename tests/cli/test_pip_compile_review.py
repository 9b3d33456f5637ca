"""Second review of ``bale pip compile`` (``--universal`` and direct references): odd inputs
that crashed or gave a wrong lock, each checked end to end through the bench index."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.utils import NormalizedName

from support.dists import Dist


@pytest.fixture
def forked(index):  # type: ignore[no-untyped-def]
    """aaa needs bbb>=2 from Python 3.10 (bbb 2.0 requires it) and bbb<2 before."""
    index.add(
        Dist(
            "aaa",
            "1.0",
            requires=["bbb>=2; python_version >= '3.10'", "bbb<2; python_version < '3.10'"],
        )
    )
    index.add(Dist("bbb", "1.0"))
    index.add(Dist("bbb", "2.0", requires_python=">=3.10"))
    index.add(Dist("bbb", "3.0", requires_python=">=3.10"))
    return index


def _body(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


@pytest.mark.parametrize("universal", [[], ["--universal"]])
@pytest.mark.parametrize("output", ["pylock.toml", "requirements.txt"])
def test_invalid_requires_python_is_a_one_line_error(
    forked, bale, tmp_path: Path, universal: list[str], output: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'p'\nversion = '1'\nrequires-python = 'bogus'\ndependencies = ['aaa']\n"
    )
    result = bale("pip", "compile", *universal, "-i", forked.url, "pyproject.toml", "-o", output)
    assert result.code == 2, result
    assert "Traceback" not in result.err
    assert "requires-python 'bogus' is not a version specifier" in result.err
    assert "hint: " in result.err


def test_a_constraint_under_a_marker_applies_only_where_it_holds(
    forked, bale, tmp_path: Path
) -> None:
    # The constraint holds from Python 3.12 only: 3.10 and 3.11 still get the newest bbb.
    (tmp_path / "requirements.in").write_text("aaa\n")
    (tmp_path / "constraints.txt").write_text("bbb<3 ; python_version >= '3.12'\n")
    result = bale(
        "pip", "compile", "--universal", "--no-header", "--no-annotate", "-i", forked.url,
        "--python-version", "3.8", "-c", "constraints.txt", "requirements.in",
    )  # fmt: skip
    assert result.code == 0, result
    assert _body(result.out) == (
        "aaa==1.0\n"
        "bbb==1.0 ; python_full_version < '3.10'\n"
        "bbb==2.0 ; python_full_version >= '3.12'\n"
        "bbb==3.0 ; python_full_version >= '3.10' and python_full_version < '3.12'\n"
    )


def test_a_git_entry_without_a_commit_is_refused_with_a_hint(tmp_path: Path) -> None:
    from bale.core.pylock import Selected
    from bale.errors import UsageError
    from bale.services.lock_direct import requirement_of_selected

    selected = Selected(NormalizedName("gitty"), "1.0", "vcs", url="https://git.test/gitty")
    with pytest.raises(UsageError) as caught:
        requirement_of_selected(selected, tmp_path, "pylock.toml")
    assert caught.value.hint is not None
