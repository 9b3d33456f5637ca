"""The install plan: each diff rule, the summary and change lines, and the property that
applying the plan to the installed set gives exactly the wanted set."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name, canonicalize_version

from bale.core.plan import (
    SEED_PACKAGES,
    Installed,
    InstallPlan,
    Reason,
    Replacement,
    Wanted,
    make_plan,
    same_version,
)

GIT = "git+https://github.com/org/pkg.git@0123456789abcdef0123456789abcdef01234567"


def test_nothing_installed_installs_everything_sorted() -> None:
    plan = make_plan([Wanted("zeta", "1.0"), Wanted("Alpha", "2.0", requested=True)], [])
    assert [w.name for w in plan.install] == ["Alpha", "zeta"]
    assert plan.keep == plan.replace == plan.remove == ()
    assert not plan.is_empty


def test_same_name_version_and_source_is_kept() -> None:
    plan = make_plan([Wanted("foo", "1.0")], [Installed("foo", "1.0")])
    assert plan.keep == (Installed("foo", "1.0"),)
    assert plan.is_empty
    assert plan.summary() == "nothing to do (1 package already satisfied)"
    assert plan.changes() == ()


def test_names_and_versions_compare_normalised() -> None:
    plan = make_plan([Wanted("Foo_Bar", "1.0")], [Installed("foo-bar", "1.0.0")])
    assert plan.keep == (Installed("foo-bar", "1.0.0"),)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("1.0", "1.1", Reason.UPGRADE),
        ("2.0", "1.9", Reason.DOWNGRADE),
        ("1.0", "1.0.post1", Reason.UPGRADE),
    ],
)
def test_another_version_is_replaced(old: str, new: str, reason: Reason) -> None:
    plan = make_plan([Wanted("foo", new)], [Installed("foo", old)])
    assert plan.replace == (Replacement(Installed("foo", old), Wanted("foo", new), reason),)
    assert plan.keep == plan.install == ()


def test_reinstall_all_replaces_even_identical_distributions() -> None:
    plan = make_plan(
        [Wanted("foo", "1.0"), Wanted("bar", "2.0"), Wanted("new", "1.0")],
        [Installed("foo", "1.0"), Installed("bar", "2.0")],
        reinstall=True,
    )
    assert [(r.new.name, r.reason) for r in plan.replace] == [
        ("bar", Reason.REINSTALL),
        ("foo", Reason.REINSTALL),
    ]
    assert [w.name for w in plan.install] == ["new"]


def test_reinstall_packages_replaces_only_those() -> None:
    plan = make_plan(
        [Wanted("foo", "1.0"), Wanted("bar", "2.0")],
        [Installed("foo", "1.0"), Installed("bar", "2.0")],
        reinstall_packages=["FOO"],
    )
    assert [(r.new.name, r.reason) for r in plan.replace] == [("foo", Reason.REINSTALL)]
    assert plan.keep == (Installed("bar", "2.0"),)


def test_direct_url_vs_registry_of_the_same_version_is_replaced() -> None:
    to_url = make_plan([Wanted("pkg", "1.0", source_id=GIT)], [Installed("pkg", "1.0")])
    assert to_url.replace[0].reason is Reason.SOURCE
    to_registry = make_plan([Wanted("pkg", "1.0")], [Installed("pkg", "1.0", source_id=GIT)])
    assert to_registry.replace[0].reason is Reason.SOURCE
    other_commit = make_plan(
        [Wanted("pkg", "1.0", source_id=GIT)],
        [Installed("pkg", "1.0", source_id=GIT.replace("0123", "fedc"))],
    )
    assert other_commit.replace[0].reason is Reason.SOURCE
    same = make_plan(
        [Wanted("pkg", "1.0", source_id=GIT)], [Installed("pkg", "1.0", source_id=GIT)]
    )
    assert same.is_empty


def test_editable_vs_not_is_replaced() -> None:
    local = "file:///src/pkg"
    plan = make_plan(
        [Wanted("pkg", "1.0", source_id=local, editable=True)],
        [Installed("pkg", "1.0", source_id=local)],
    )
    assert plan.replace[0].reason is Reason.EDITABLE
    back = make_plan(
        [Wanted("pkg", "1.0", source_id=local)],
        [Installed("pkg", "1.0", source_id=local, editable=True)],
    )
    assert back.replace[0].reason is Reason.EDITABLE
    same = make_plan(
        [Wanted("pkg", "1.0", source_id=local, editable=True)],
        [Installed("pkg", "1.0", source_id=local, editable=True)],
    )
    assert same.is_empty


def test_what_is_not_wanted_stays_unless_exact() -> None:
    installed = [Installed("extra", "1.0"), Installed("pip", "24.0"), Installed("foo", "1.0")]
    plan = make_plan([Wanted("foo", "1.0")], installed)
    assert plan.remove == ()
    assert [i.name for i in plan.untouched] == ["extra", "pip"]


def test_exact_removes_what_is_not_wanted_but_protects_seed_packages() -> None:
    installed = [
        Installed("extra", "1.0"),
        Installed("pip", "24.0"),
        Installed("setuptools", "70.0"),
        Installed("wheel", "0.43"),
        Installed("bale", "0.1"),
        Installed("foo", "1.0"),
    ]
    plan = make_plan([Wanted("foo", "1.0")], installed, exact=True)
    assert plan.remove == (Installed("extra", "1.0"),)
    assert {i.name for i in plan.untouched} == set(SEED_PACKAGES)
    everything = make_plan([Wanted("foo", "1.0")], installed, exact=True, protect=())
    assert [i.name for i in everything.remove] == ["bale", "extra", "pip", "setuptools", "wheel"]


def test_duplicate_names_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="the resolution lists foo twice"):
        make_plan([Wanted("foo", "1.0"), Wanted("Foo", "2.0")], [])


def test_legacy_versions_compare_as_written() -> None:
    assert same_version("1.0-r1-x", "1.0-r1-x")
    assert not same_version("1.0-r1-x", "1.0")
    plan = make_plan([Wanted("old", "2.0")], [Installed("old", "weird-version")])
    assert plan.replace[0].reason is Reason.UPGRADE


def test_summary_and_change_lines() -> None:
    plan = make_plan(
        [
            Wanted("added", "1.0"),
            Wanted("bumped", "2.0"),
            Wanted("lowered", "0.9"),
            Wanted("forced", "1.0"),
            Wanted("direct", "1.0", source_id="https://user:s3cret@host/direct-1.0.tar.gz"),
            Wanted("same", "1.0"),
        ],
        [
            Installed("bumped", "1.0"),
            Installed("lowered", "1.0"),
            Installed("forced", "1.0"),
            Installed("direct", "1.0"),
            Installed("same", "1.0"),
            Installed("gone", "3.0"),
        ],
        reinstall_packages=["forced"],
        exact=True,
    )
    assert plan.summary() == (
        "1 to install, 1 to upgrade, 1 to downgrade, 1 to reinstall, 1 to replace, "
        "1 to remove, 1 unchanged"
    )
    assert plan.changes() == (
        "+ added==1.0",
        "- bumped==1.0",
        "+ bumped==2.0",
        "- direct==1.0",
        "+ direct==1.0 (from https://user:****@host/direct-1.0.tar.gz)",
        "- forced==1.0",
        "+ forced==1.0",
        "- gone==3.0",
        "- lowered==1.0",
        "+ lowered==0.9",
    )
    assert [w.name for w in plan.to_install] == ["added", "bumped", "direct", "forced", "lowered"]
    assert [i.name for i in plan.to_uninstall] == ["bumped", "direct", "forced", "gone", "lowered"]


def test_empty_plan() -> None:
    plan = make_plan([], [])
    assert plan == InstallPlan()
    assert plan.summary() == "nothing to do (0 packages already satisfied)"


# ---------------------------------------------------------------------------------------------
# Property: applying the plan yields the wanted set


_name = st.sampled_from(["a", "b", "c", "d", "e", "pip", "setuptools", "Mixed_Case"])
_version = st.sampled_from(["1.0", "1.0.0", "1.1", "2.0", "0.9"])
_source = st.sampled_from([None, None, GIT, "file:///src/x", "https://h/x-1.0.tar.gz"])


@st.composite
def _wanted(draw: st.DrawFn) -> list[Wanted]:
    names = draw(st.lists(_name, unique_by=str.lower, max_size=6))
    return [
        Wanted(
            name,
            draw(_version),
            draw(_source),
            requested=draw(st.booleans()),
            editable=draw(st.booleans()),
        )
        for name in names
    ]


@st.composite
def _installed(draw: st.DrawFn) -> list[Installed]:
    names = draw(st.lists(_name, unique_by=str.lower, max_size=6))
    return [Installed(name, draw(_version), draw(_source), draw(st.booleans())) for name in names]


def _identity(item: Wanted | Installed) -> tuple[str, str, str | None, bool]:
    return (item.key, canonicalize_version(item.version), item.source_id, item.editable)


def _apply(plan: InstallPlan, installed: list[Installed]) -> set[tuple[str, str, str | None, bool]]:
    state = {i.key: _identity(i) for i in installed}
    for gone in plan.to_uninstall:
        del state[gone.key]
    for new in plan.to_install:
        assert new.key not in state, "installing over something not removed first"
        state[new.key] = _identity(new)
    return set(state.values())


@settings(max_examples=300, deadline=None)
@given(
    wanted=_wanted(),
    installed=_installed(),
    exact=st.booleans(),
    reinstall=st.booleans(),
    forced=st.lists(_name, max_size=2),
    protect=st.sampled_from([SEED_PACKAGES, frozenset()]),
)
def test_applying_the_plan_yields_the_wanted_set(
    wanted: list[Wanted],
    installed: list[Installed],
    exact: bool,
    reinstall: bool,
    forced: list[str],
    protect: frozenset[str],
) -> None:
    plan = make_plan(
        wanted,
        installed,
        reinstall=reinstall,
        reinstall_packages=forced,
        exact=exact,
        protect=protect,
    )
    untouched = {_identity(i) for i in plan.untouched}
    assert _apply(plan, installed) == {_identity(w) for w in wanted} | untouched

    # each wanted name lands in exactly one bucket; each installed name in at most one
    wanted_keys = sorted(w.key for w in wanted)
    buckets = [
        *(i.key for i in plan.keep),
        *(w.key for w in plan.install),
        *(r.new.key for r in plan.replace),
    ]
    assert sorted(buckets) == wanted_keys
    # nothing identical is replaced unless asked for; nothing is kept that differs
    for replacement in plan.replace:
        asked = reinstall or replacement.new.key in {canonicalize_name(n) for n in forced}
        assert asked or _identity(replacement.old) != _identity(replacement.new)
    for kept in plan.keep:
        assert kept.key in wanted_keys
    # exact leaves nothing unwanted except protected names
    if exact:
        assert all(i.key in protect for i in plan.untouched)
    else:
        assert plan.remove == ()
    # every bucket is sorted by name
    for bucket in (plan.keep, plan.install, plan.remove, plan.untouched):
        assert [x.key for x in bucket] == sorted(x.key for x in bucket)
    assert [r.new.key for r in plan.replace] == sorted(r.new.key for r in plan.replace)
