"""Every case of every scenario file under ``scenarios/``: pins or the exact explanation."""

from __future__ import annotations

import json

import pytest
from resolver_scenarios import Case, all_cases

from bale.errors import ResolutionImpossible
from bale.resolver import Explanation, resolve

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_scenario(case: Case) -> None:
    assert (case.pins is None) != (case.error is None), "a case expects pins or an error"
    provider = case.provider()
    if case.pins is not None:
        resolution = resolve(case.requirements, provider, case.options)
        assert {name: str(v) for name, v in resolution.pins.items()} == case.pins
        if case.extras is not None:
            got = {
                name: sorted(package.extras)
                for name, package in resolution.packages.items()
                if package.extras
            }
            assert got == case.extras
        if case.max_dependency_calls is not None:
            calls = provider.log.dependencies
            assert len(calls) <= case.max_dependency_calls, calls
        return
    with pytest.raises(ResolutionImpossible) as raised:
        resolve(case.requirements, provider, case.options)
    error = raised.value
    assert error.message == case.error.strip("\n")
    assert isinstance(error.explanation, Explanation)
    assert error.explanation.text() == error.message
    if case.hints is not None:
        assert [hint.message for hint in error.explanation.hints] == case.hints
        assert error.hint == ("\n".join(case.hints) or None)
    if case.error_type is not None:
        assert type(error).__name__ == case.error_type
    json.dumps(error.explanation.to_json())  # JSON-able, always
    assert "\x1b" not in error.message


def test_scenarios_exist() -> None:
    files = {case.file for case in CASES}
    for expected in (
        "pub_no_conflicts",
        "pub_avoiding_conflict",
        "pub_conflict_resolution",
        "pub_partial_satisfier",
        "pub_linear_error",
        "pub_branching_error",
    ):
        assert expected in files
