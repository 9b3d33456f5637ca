"""pip's requirements-file format: lexical rules, requirement forms, options, includes, errors.

Expectations follow pip's documentation of the format and pip 26.3's behaviour, checked by hand
with ``pip install --dry-run --no-deps --no-index --find-links`` (and, where pip is installed,
by ``test_same_as_pip_on_edge_cases`` against pip's own parser).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import parse_wheel_filename

from bale.core.requirement import Origin, OriginKind, Requirement
from bale.core.requirements_file import (
    FileOptions,
    RequirementsFile,
    UnnamedRequirement,
    decode_requirements,
    is_archive,
    is_url,
    looks_like_path,
    parse_cli_requirement,
    parse_requirements,
    redact_credentials,
)
from bale.errors import BaleError, RequirementParseError

DATA = Path(__file__).parent / "data"
SHA_A = "a" * 64
SHA_B = "b" * 64


def parse(
    text: str, *, environ: Mapping[str, str] | None = None, source: str = "requirements.txt"
) -> RequirementsFile:
    return parse_requirements(text, source=source, read_nested=None, environ=environ or {})


def one(text: str, **kwargs: object) -> Requirement | UnnamedRequirement:
    result = parse(text, **kwargs)  # type: ignore[arg-type]
    assert len(result.requirements) == 1, result.requirements
    return result.requirements[0]


def named(text: str, **kwargs: object) -> Requirement:
    requirement = one(text, **kwargs)
    assert isinstance(requirement, Requirement), requirement
    return requirement


def unnamed(text: str, **kwargs: object) -> UnnamedRequirement:
    requirement = one(text, **kwargs)
    assert isinstance(requirement, UnnamedRequirement), requirement
    return requirement


def error(text: str, **kwargs: object) -> RequirementParseError:
    with pytest.raises(RequirementParseError) as info:
        parse(text, **kwargs)  # type: ignore[arg-type]
    return info.value


def names(result: RequirementsFile) -> list[str]:
    return [str(r.name) for r in result.requirements if isinstance(r, Requirement)]


def read_files(root: Path):
    """The caller's side of read_nested: relative to the including file, real files."""

    def read(reference: str, from_source: str) -> tuple[str, str]:
        path = (Path(from_source).parent / reference).resolve()
        return decode_requirements(path.read_bytes()), str(path)

    return read


def parse_file(path: Path, environ: Mapping[str, str] | None = None) -> RequirementsFile:
    return parse_requirements(
        decode_requirements(path.read_bytes()),
        source=str(path),
        read_nested=read_files(path.parent),
        environ=environ or {},
    )


# ---------------------------------------------------------------------------------------------
# Lexical rules


def test_blank_lines_and_comments_are_ignored() -> None:
    result = parse("\n   \n# a comment\n  # indented comment\nfoo  # trailing comment\n\t\n")
    assert names(result) == ["foo"]
    assert result.requirements[0].origin == Origin("requirements.txt", 5)


def test_hash_without_whitespace_before_it_is_not_a_comment() -> None:
    requirement = unnamed("https://host/pkg-1.0.tar.gz#sha256=" + SHA_A)
    assert requirement.location.endswith("#sha256=" + SHA_A)
    # ... so pip (and bale) reject a glued comment after a name
    message = str(error("foo#comment"))
    assert "invalid requirement: 'foo#comment'" in message


def test_egg_fragment_is_not_a_comment_and_names_the_requirement() -> None:
    requirement = named("git+https://github.com/org/repo.git@v1.0#egg=Repo_Name")
    assert requirement.name == "repo-name"
    assert requirement.url == "git+https://github.com/org/repo.git@v1.0#egg=Repo_Name"


def test_line_continuation_joins_lines_and_keeps_the_first_line_number() -> None:
    result = parse("first\nfoo >= 1.0 \\\n   , < 2 \\\n   ; python_version >= '3'\nlast\n")
    foo = result.requirements[1]
    assert isinstance(foo, Requirement)
    assert foo.origin.line == 2
    assert foo.pep508.specifier == SpecifierSet(">=1.0,<2")
    assert foo.pep508.marker == Marker("python_version >= '3'")
    assert result.requirements[2].origin.line == 5


def test_continuation_may_split_a_token() -> None:
    assert named("foo==1.\\\n0").pep508.specifier == SpecifierSet("==1.0")


def test_continuation_is_joined_before_comments_are_stripped() -> None:
    # "foo # comment \" continues: the next line becomes part of the comment (pip's rule)
    result = parse("foo # comment \\\nbar\nbaz\n")
    assert names(result) == ["foo", "baz"]


def test_a_comment_line_ends_a_continuation_and_is_never_continued() -> None:
    result = parse("foo ==1.0 \\\n# comment \\\nbar\n")
    assert names(result) == ["foo", "bar"]


def test_backslash_on_the_last_line() -> None:
    assert names(parse("foo\\")) == ["foo"]


def test_crlf_and_lf_give_the_same_result() -> None:
    text = "foo==1.0 \\\n  --hash=sha256:" + SHA_A + "\n-e ./proj\n--pre\n"
    assert parse(text) == parse(text.replace("\n", "\r\n"))


def test_byte_order_mark_is_ignored() -> None:
    assert names(parse("\ufefffoo\nbar\n")) == ["foo", "bar"]


def test_environment_variables_are_expanded() -> None:
    environ = {"TOKEN": "s3cr3t", "HOST_1": "index.example"}
    result = parse(
        "--index-url https://user:${TOKEN}@${HOST_1}/simple\n"
        "pkg @ https://${HOST_1}/pkg-1.0-py3-none-any.whl\n",
        environ=environ,
    )
    assert result.options.index_url is not None
    assert result.options.index_url.value == "https://user:s3cr3t@index.example/simple"
    requirement = result.requirements[0]
    assert isinstance(requirement, Requirement)
    assert requirement.url == "https://index.example/pkg-1.0-py3-none-any.whl"
    assert requirement.text == "pkg @ https://${HOST_1}/pkg-1.0-py3-none-any.whl"


@pytest.mark.parametrize(
    "written",
    ["$TOKEN", "${token}", "${TOKEN-x}", "$(TOKEN)", "%TOKEN%"],
)
def test_only_the_braced_uppercase_form_is_expanded(written: str) -> None:
    result = parse(f"--extra-index-url https://host/{written}/simple\n", environ={"TOKEN": "x"})
    assert result.options.extra_index_urls[0].value == f"https://host/{written}/simple"


@pytest.mark.parametrize("environ", [{}, {"MISSING": ""}])
def test_unset_or_empty_variables_stay_as_written(environ: dict[str, str]) -> None:
    result = parse("-f https://host/${MISSING}/links\n", environ=environ)
    assert result.options.find_links[0].value == "https://host/${MISSING}/links"


def test_variables_are_expanded_after_comments_are_stripped() -> None:
    requirement = unnamed(
        "https://host/pkg-1.0.tar.gz${FRAGMENT}", environ={"FRAGMENT": " #sha256=abc"}
    )
    assert requirement.location == "https://host/pkg-1.0.tar.gz #sha256=abc"


# ---------------------------------------------------------------------------------------------
# Requirement forms


@pytest.mark.parametrize(
    ("line", "name", "specifier"),
    [
        ("foo", "foo", ""),
        ("Foo_Bar.baz", "foo-bar-baz", ""),
        ("foo == 1.0", "foo", "==1.0"),
        ("foo>=1,<2", "foo", ">=1,<2"),
        ("foo ~= 1.1", "foo", "~=1.1"),
        ("foo != 3.5", "foo", "!=3.5"),
        ("foo===1.0-weird", "foo", "===1.0-weird"),
        ("foo (>=1.0)", "foo", ">=1.0"),
        ("foo==1.*", "foo", "==1.*"),
    ],
)
def test_pep508_specifiers(line: str, name: str, specifier: str) -> None:
    requirement = named(line)
    assert requirement.name == name
    assert requirement.pep508.specifier == SpecifierSet(specifier)
    assert requirement.text == line
    assert not requirement.editable


def test_extras_and_markers() -> None:
    requirement = named('Foo[Bar, baz_qux] >= 1 ; python_version < "3.13" and os_name == "posix"')
    assert requirement.extras == {"bar", "baz-qux"}
    assert requirement.pep508.marker == Marker('python_version < "3.13" and os_name == "posix"')


def test_marker_without_spaces() -> None:
    assert named('foo>=1;python_version>"3"').pep508.marker == Marker('python_version > "3"')


@pytest.mark.parametrize(
    "line",
    [
        "./project",
        "../project",
        "project/",
        "sub/dir/project",
        ".",
        "./dist/pkg-1.0-py3-none-any.whl",
        "pkg-1.0.tar.gz",
        "pkg-1.0.zip",
        "C:\\projects\\thing",
        "/abs/path/project",
    ],
)
def test_paths_are_unnamed(line: str) -> None:
    requirement = unnamed(line)
    assert requirement.location == line
    assert not requirement.is_url
    assert requirement.origin == Origin("requirements.txt", 1)


def test_extras_on_a_path() -> None:
    requirement = unnamed("./proj[Extra_One,two]")
    assert requirement.location == "./proj"
    assert requirement.extras == {"extra-one", "two"}
    assert requirement.text == "./proj[Extra_One,two]"


def test_marker_on_a_path() -> None:
    requirement = unnamed('./proj[x] ; sys_platform == "linux"')
    assert requirement.location == "./proj"
    assert requirement.extras == {"x"}
    assert requirement.marker == Marker('sys_platform == "linux"')


def test_wheel_paths_know_their_name() -> None:
    assert unnamed("./dist/Foo_Bar-1.0-py3-none-any.whl").wheel_name == "foo-bar"
    assert unnamed("./dist/pkg-1.0.tar.gz").wheel_name is None
    assert unnamed("https://host/x/pkg-2.0-py3-none-any.whl#sha256=ab").wheel_name == "pkg"


@pytest.mark.parametrize(
    "line",
    [
        "https://host/pkg-1.0.tar.gz",
        "http://host/pkg-1.0-py3-none-any.whl",
        "file:///srv/pkg-1.0.tar.gz",
        "file:///srv/project",
        "git+https://github.com/org/repo.git@main",
        "git+ssh://git@github.com/org/repo.git",
        "hg+https://hg.example/repo",
        "svn+svn://svn.example/repo/trunk",
        "ftp://ftp.example/pkg-1.0.tar.gz",
    ],
)
def test_urls_without_a_name_are_unnamed(line: str) -> None:
    requirement = unnamed(line)
    assert requirement.location == line
    assert requirement.is_url


def test_url_marker_needs_whitespace_before_the_semicolon() -> None:
    spaced = unnamed('https://host/p-1.0.tar.gz ; python_version >= "3.8"')
    assert spaced.location == "https://host/p-1.0.tar.gz"
    assert spaced.marker == Marker('python_version >= "3.8"')
    glued = unnamed("https://host/p;v=1/p-1.0.tar.gz")
    assert glued.location == "https://host/p;v=1/p-1.0.tar.gz"
    assert glued.marker is None


def test_name_at_url() -> None:
    requirement = named("Pkg[extra] @ https://host/pkg-1.0-py3-none-any.whl ; os_name == 'nt'")
    assert requirement.name == "pkg"
    assert requirement.extras == {"extra"}
    assert requirement.url == "https://host/pkg-1.0-py3-none-any.whl"
    assert requirement.pep508.marker == Marker("os_name == 'nt'")


def test_name_at_url_with_a_glued_marker_splits_as_pip_does() -> None:
    requirement = named('pkg @ https://host/pkg-1.0-py3-none-any.whl;python_version>"3"')
    assert requirement.url == "https://host/pkg-1.0-py3-none-any.whl"
    assert requirement.pep508.marker == Marker('python_version > "3"')


def test_name_at_relative_path_is_kept_as_written() -> None:
    requirement = named("pkg @ ./vendor/pkg")
    assert requirement.url == "./vendor/pkg"


def test_an_at_sign_inside_a_path_is_a_path() -> None:
    assert unnamed("./releases@2024/pkg-1.0.tar.gz").location == "./releases@2024/pkg-1.0.tar.gz"


def test_unnamed_requirement_can_be_named_later() -> None:
    requirement = unnamed("./proj[x] ; python_version >= '3'")
    later = requirement.named("proj")
    assert later.name == "proj"
    assert later.url == "./proj"
    assert later.extras == {"x"}
    assert later.pep508.marker == Marker("python_version >= '3'")
    assert later.origin == requirement.origin


# ---------------------------------------------------------------------------------------------
# Per-requirement options


def test_hashes_are_repeatable_and_normalised() -> None:
    requirement = named(
        f"FooProject == 1.2 --hash=sha256:{SHA_A} \\\n"
        f"                  --hash sha256:{SHA_B.upper()} \\\n"
        f"                  --hash=sha512:{'c' * 128}\n"
    )
    assert requirement.hashes == (f"sha256:{SHA_A}", f"sha256:{SHA_B}", f"sha512:{'c' * 128}")
    assert requirement.text == "FooProject == 1.2"


def test_hash_on_a_url_and_a_path() -> None:
    assert unnamed(f"./pkg-1.0.tar.gz --hash=sha256:{SHA_A}").hashes == (f"sha256:{SHA_A}",)
    url = unnamed(f'https://h/p-1.0.tar.gz ; python_version > "3" --hash=sha256:{SHA_A}')
    assert url.hashes == (f"sha256:{SHA_A}",)
    assert url.marker == Marker('python_version > "3"')


def test_config_settings_on_a_requirement_line() -> None:
    requirement = named("pkg --config-settings=flag=on -C 'opt=a b' -C flag=again")
    assert requirement.config_settings == (("flag", "on"), ("opt", "a b"), ("flag", "again"))


def test_hashes_required() -> None:
    assert parse(f"foo==1 --hash=sha256:{SHA_A}\n").hashes_required
    assert not parse("foo==1\n").hashes_required
    assert parse("--require-hashes\nfoo==1\n").hashes_required
    assert not parse(f"--no-require-hashes\nfoo==1 --hash=sha256:{SHA_A}\n").hashes_required


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--hash=md5:abcd", "hash algorithm 'md5' is not allowed"),
        ("--hash=sha256", "invalid --hash value: 'sha256'"),
        ("--hash=sha256:xyz", "invalid sha256 digest: 'xyz'"),
        (f"--hash=sha256:{SHA_A}0", "invalid sha256 digest"),
        ("--config-settings novalue", "invalid --config-settings value: 'novalue'"),
    ],
)
def test_bad_requirement_options(option: str, message: str) -> None:
    fault = error(f"foo==1.0 {option}")
    assert message in str(fault)
    assert str(fault).splitlines()[2] == "    " + " " * len("foo==1.0 ") + "^"


def test_file_options_on_a_requirement_line_are_ignored_with_a_warning() -> None:
    result = parse("foo==1.0 --pre --index-url https://x/simple\n")
    assert result.options == FileOptions()
    assert result.warnings == (
        "requirements.txt:1: --pre on a requirement line is ignored (put it on a line of its own)",
        "requirements.txt:1: --index-url on a requirement line is ignored "
        "(put it on a line of its own)",
    )


def test_hash_without_a_requirement_is_ignored_with_a_warning() -> None:
    result = parse(f"--hash=sha256:{SHA_A}\n")
    assert result.requirements == ()
    assert result.warnings == ("requirements.txt:1: --hash without a requirement is ignored",)


# ---------------------------------------------------------------------------------------------
# Editables


def test_editable_paths_and_urls() -> None:
    result = parse(
        "-e ./proj\n"
        "--editable=../other[dev,test]\n"
        "-e git+https://github.com/org/repo.git#egg=repo\n"
        "-e 'named @ git+https://github.com/org/named.git'\n"
        "-e file:///srv/project\n"
        "-e git+https://github.com/org/anonymous.git\n"
        "-e plainname\n"
    )
    assert result.requirements == ()
    proj, other, repo, named_at, file_url, anonymous, plain = result.editables
    assert all(r.editable for r in result.editables)
    assert isinstance(proj, UnnamedRequirement)
    assert proj.location == "./proj"
    assert proj.origin == Origin("requirements.txt", 1)
    assert isinstance(other, UnnamedRequirement)
    assert (other.location, other.extras) == ("../other", {"dev", "test"})
    assert isinstance(repo, Requirement)
    assert repo.name == "repo"
    assert isinstance(named_at, Requirement)
    assert named_at.url == "git+https://github.com/org/named.git"
    assert isinstance(file_url, UnnamedRequirement)
    assert isinstance(anonymous, UnnamedRequirement)
    assert anonymous.is_vcs
    # pip treats any other -e value as a directory; the caller finds out whether it is one
    assert isinstance(plain, UnnamedRequirement)
    assert plain.location == "plainname"


def test_editable_with_config_settings_and_hash() -> None:
    result = parse(f"-e ./proj -C editable_mode=compat --hash=sha256:{SHA_A}\n")
    (proj,) = result.editables
    assert proj.config_settings == (("editable_mode", "compat"),)
    assert proj.hashes == ()
    assert result.warnings == ("requirements.txt:1: --hash on an editable requirement is ignored",)


@pytest.mark.parametrize(
    "value", ["https://host/pkg-1.0.tar.gz", "./dist/pkg-1.0-py3-none-any.whl", "pkg.zip"]
)
def test_editable_must_be_a_directory_or_vcs(value: str) -> None:
    fault = error(f"-e {value}")
    assert f"invalid editable requirement: '{value}'" in str(fault)
    assert str(fault).splitlines()[2] == "       ^"
    assert "VCS URL" in (fault.hint or "")


def test_a_requirement_and_an_editable_on_one_line() -> None:
    assert "not a requirement and -e" in str(error("foo -e ./proj"))


# ---------------------------------------------------------------------------------------------
# File options


def test_file_options() -> None:
    result = parse(
        "-i https://first.example/simple\n"
        "--index-url=https://index.example/simple\n"
        "--extra-index-url https://extra1.example/simple\n"
        "--extra-index-url=https://extra2.example/simple\n"
        "--no-index\n"
        "-f ./wheels\n"
        "--find-links=https://links.example/\n"
        "-fhttps://attached.example/\n"
        "--pre\n"
        "--prefer-binary\n"
        "--require-hashes\n"
        "--trusted-host index.example --trusted-host extra1.example:8080\n"
    )
    options = result.options
    assert options.index_url is not None
    assert options.index_url.value == "https://index.example/simple"
    assert options.index_url.origin == Origin("requirements.txt", 2)
    assert [x.value for x in options.extra_index_urls] == [
        "https://extra1.example/simple",
        "https://extra2.example/simple",
    ]
    assert options.no_index
    assert [x.value for x in options.find_links] == [
        "./wheels",
        "https://links.example/",
        "https://attached.example/",
    ]
    assert options.find_links[0].origin.line == 6
    assert options.pre and options.prefer_binary and options.require_hashes
    assert [x.value for x in options.trusted_hosts] == ["index.example", "extra1.example:8080"]
    assert result.requirements == () and result.warnings == ()


def test_pypi_url_alias_and_long_option_prefixes() -> None:
    options = parse("--pypi-url https://a/simple\n--extra-index https://b/simple\n--no-ind\n")
    assert options.options.index_url is not None
    assert options.options.index_url.value == "https://a/simple"
    assert options.options.extra_index_urls[0].value == "https://b/simple"
    assert options.options.no_index


@pytest.mark.parametrize(
    ("lines", "no_binary", "only_binary"),
    [
        (["--no-binary :all:"], {":all:"}, set()),
        (["--only-binary=:all:"], set(), {":all:"}),
        (["--no-binary Foo_Bar,baz"], {"foo-bar", "baz"}, set()),
        (["--only-binary :all:", "--no-binary foo"], {"foo"}, {":all:"}),
        (["--no-binary foo", "--only-binary foo"], set(), {"foo"}),
        (["--no-binary foo", "--only-binary :all:"], set(), {":all:"}),
        (["--no-binary foo", "--no-binary :none:"], set(), set()),
        (["--no-binary :all:,foo"], {":all:"}, set()),
        (["--no-binary :all:,:none:,foo"], {"foo"}, set()),
    ],
)
def test_binary_format_control_follows_pip(
    lines: list[str], no_binary: set[str], only_binary: set[str]
) -> None:
    options = parse("\n".join(lines)).options
    assert options.no_binary == no_binary
    assert options.only_binary == only_binary


def test_release_control() -> None:
    options = parse("--all-releases foo,bar\n--only-final bar\n").options
    assert options.all_releases == {"foo"}
    assert options.only_final == {"bar"}


def test_use_feature_is_ignored_with_a_warning() -> None:
    result = parse("--use-feature=fast-deps\n--use-feature fast-deps\n")
    assert result.options.features == ("fast-deps",)
    assert result.warnings[0] == (
        "requirements.txt:1: --use-feature=fast-deps is a pip option; bale ignores it"
    )


def test_unknown_feature() -> None:
    assert "unknown feature: --use-feature=warp-drive" in str(error("--use-feature warp-drive"))


def test_unknown_option_is_an_error_with_a_caret() -> None:
    fault = error("--pre --upgrade")
    assert str(fault) == (
        "requirements.txt:1: unknown option: --upgrade\n    --pre --upgrade\n          ^"
    )
    assert "--index-url" in (fault.hint or "")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("-x foo", "unknown option: -x"),
        ("--no-", "ambiguous option: --no-"),
        ("--pre=yes", "option --pre takes no value"),
        ("--index-url", "option --index-url needs a value"),
        ("-r", "option -r needs a value"),
        ("--pre stray", "unexpected argument: 'stray'"),
        ("--index-url 'https://unclosed", "cannot split options"),
        ("--no-binary", "option --no-binary needs a value"),
        ("--only-binary --pre", "option --only-binary needs a value"),
    ],
)
def test_malformed_options(line: str, message: str) -> None:
    assert message in str(error(line))


def test_quoted_option_values() -> None:
    options = parse("--find-links '/srv/my wheels'\n").options
    assert options.find_links[0].value == "/srv/my wheels"


# ---------------------------------------------------------------------------------------------
# Includes


def test_docs_example_with_its_include() -> None:
    result = parse_file(DATA / "docs-example.txt")
    assert names(result) == [
        "pytest",
        "pytest-cov",
        "beautifulsoup4",
        "docopt",
        "keyring",
        "coverage",
        "mopidy-dirble",
        "six",
        "rejected",
        "green",
    ]
    files = [r for r in result.requirements if isinstance(r, UnnamedRequirement)]
    assert [f.location for f in files] == [
        "./downloads/numpy-1.9.2-cp34-none-win32.whl",
        "http://wxpython.org/Phoenix/snapshot-builds/"
        "wxPython_Phoenix-3.0.3.dev1820+49a8884-cp34-none-win_amd64.whl",
    ]
    assert [f.wheel_name for f in files] == ["numpy", "wxpython-phoenix"]
    six = result.requirements[7]
    assert six.origin == Origin(str((DATA / "other-requirements.txt").resolve()), 2)
    assert result.sources == (
        str(DATA / "docs-example.txt"),
        str((DATA / "other-requirements.txt").resolve()),
    )


def test_hash_example_with_crlf_endings() -> None:
    result = parse_file(DATA / "hashes-crlf.txt")
    (foo,) = result.requirements
    assert isinstance(foo, Requirement)
    assert foo.pep508.specifier == SpecifierSet("==1.2")
    assert foo.hashes == (
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7",
    )
    assert result.hashes_required


def test_nested_requirements_constraints_and_options() -> None:
    result = parse_file(DATA / "nested" / "top.txt")
    sub = (DATA / "nested" / "sub").resolve()
    assert names(result) == ["middle-pkg", "top-pkg"]
    middle = result.requirements[0]
    assert middle.origin == Origin(str(sub / "middle.txt"), 3)
    (editable,) = result.editables
    assert isinstance(editable, UnnamedRequirement)
    assert editable.location == "../local-project"
    assert editable.origin.source == str(sub / "middle.txt")
    # constraints come from -c, and from -r inside a -c file
    assert [(str(c.name), str(c.pep508.specifier)) for c in result.constraints] == [
        ("middle-pkg", "<3"),
        ("top-pkg", "==1.0"),
    ]
    assert all(c.origin.kind is OriginKind.CONSTRAINT for c in result.constraints)
    assert result.constraints[1].origin == Origin(
        str(sub / "more-constraints.txt"), 1, OriginKind.CONSTRAINT
    )
    # options from every file, each with the line that gave it
    assert result.options.index_url is not None
    assert result.options.index_url.value == "https://index.example/simple"
    assert [x.value for x in result.options.extra_index_urls] == ["https://extra.example/simple"]
    assert result.options.find_links[0].value == "../wheels"
    assert result.options.find_links[0].origin.source == str(sub / "middle.txt")


def test_include_cycle_is_an_error_naming_the_chain() -> None:
    fault = error_from_file(DATA / "nested" / "cycle-a.txt")
    a = str((DATA / "nested" / "cycle-a.txt").resolve())
    b = str((DATA / "nested" / "cycle-b.txt").resolve())
    assert str(fault).splitlines() == [
        f"{b}:2: {a} includes itself: {a} -> {b} -> {a}",
        "    -r cycle-a.txt",
        "    ^",
    ]


def error_from_file(path: Path) -> RequirementParseError:
    resolved = path.resolve()
    with pytest.raises(RequirementParseError) as info:
        parse_requirements(
            resolved.read_text(),
            source=str(resolved),
            read_nested=read_files(resolved.parent),
            environ={},
        )
    return info.value


def in_memory(files: dict[str, str]):
    def read(reference: str, from_source: str) -> tuple[str, str]:
        path = os.path.normpath(os.path.join(os.path.dirname(from_source), reference))
        if path not in files:
            raise FileNotFoundError(2, "No such file or directory", path)
        return files[path], path

    return read


def test_the_same_file_twice_is_not_a_cycle() -> None:
    files = {"base.txt": "shared\n", "a.txt": "-r base.txt\n", "b.txt": "-r base.txt\n"}
    result = parse_requirements(
        "-r a.txt\n-r b.txt\n", source="top.txt", read_nested=in_memory(files), environ={}
    )
    assert names(result) == ["shared", "shared"]


def test_self_include() -> None:
    files = {"top.txt": "-r top.txt\n"}
    with pytest.raises(RequirementParseError, match=r"top\.txt includes itself: top\.txt -> top"):
        parse_requirements(
            files["top.txt"], source="top.txt", read_nested=in_memory(files), environ={}
        )


def test_missing_include_names_the_including_line() -> None:
    with pytest.raises(RequirementParseError) as info:
        parse_requirements(
            "foo\n-r missing.txt\n", source="top.txt", read_nested=in_memory({}), environ={}
        )
    assert str(info.value).splitlines()[0] == (
        "top.txt:2: cannot read -r missing.txt: No such file or directory"
    )


def test_errors_of_the_callers_hook_pass_through() -> None:
    class Offline(BaleError):
        pass

    def read(reference: str, from_source: str) -> tuple[str, str]:
        raise Offline("the network is down")

    with pytest.raises(Offline):
        parse_requirements("-r https://h/r.txt\n", source="t", read_nested=read, environ={})


def test_include_reference_is_expanded_and_multiple_includes_on_one_line() -> None:
    files = {"dir/a.txt": "a\n", "dir/b.txt": "b\n"}
    result = parse_requirements(
        "-r ${DIR}/a.txt -r dir/b.txt\n",
        source="top.txt",
        read_nested=in_memory(files),
        environ={"DIR": "dir"},
    )
    assert names(result) == ["a", "b"]


def test_includes_need_a_reader() -> None:
    assert "-c is not allowed here" in str(error("-c constraints.txt"))


def test_command_line_files_as_one_text() -> None:
    files = {"req.txt": "foo\n", "con.txt": "foo<2\n"}
    result = parse_requirements(
        "-r req.txt\n-c con.txt\n", source="command line", read_nested=in_memory(files), environ={}
    )
    assert names(result) == ["foo"]
    assert result.constraints[0].origin == Origin("con.txt", 1, OriginKind.CONSTRAINT)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("./proj", "a constraint needs a name: './proj'"),
        ("https://h/p-1.0.tar.gz", "a constraint needs a name: 'https://h/p-1.0.tar.gz'"),
        ("-e ./proj", "editable requirements are not allowed as constraints"),
    ],
)
def test_constraints_must_be_named_and_not_editable(line: str, message: str) -> None:
    files = {"con.txt": f"{line}\n"}
    with pytest.raises(RequirementParseError) as info:
        parse_requirements("-c con.txt\n", source="t", read_nested=in_memory(files), environ={})
    assert str(info.value).splitlines()[0] == f"con.txt:1: {message}"


def test_named_url_constraint_is_allowed() -> None:
    files = {"con.txt": "pkg @ https://h/pkg-1.0-py3-none-any.whl\n"}
    result = parse_requirements(
        "-c con.txt\n", source="t", read_nested=in_memory(files), environ={}
    )
    assert result.constraints[0].url == "https://h/pkg-1.0-py3-none-any.whl"


def test_error_in_a_nested_file_names_that_file() -> None:
    files = {"sub/inner.txt": "ok\n\nfoo>=>1\n"}
    with pytest.raises(RequirementParseError) as info:
        parse_requirements(
            "-r sub/inner.txt\n", source="t", read_nested=in_memory(files), environ={}
        )
    assert str(info.value).splitlines()[0] == "sub/inner.txt:3: invalid requirement: 'foo>=>1'"


# ---------------------------------------------------------------------------------------------
# Error messages


def test_error_names_file_and_line_and_puts_a_caret_under_the_fault() -> None:
    fault = error("ok\n# comment\nfoo>=>1\n")
    assert str(fault) == "requirements.txt:3: invalid requirement: 'foo>=>1'\n    foo>=>1\n       ^"
    assert fault.hint is not None and fault.hint.startswith("Expected")
    assert fault.exit_code == 2


@pytest.mark.parametrize(
    ("line", "caret"),
    [
        ("foo[bar", "       ~~~~^"),
        ('foo ; python_version < "3" and os_name', "                                          ^"),
        ("foo ==1.0 extra", "        ~~~~~~^"),
        ("./proj[bad extra]", "               ^"),
        ("./proj ; python_version <", "                             ^"),
        (
            'pkg @ https://h/x.whl;python_version>"3" and',
            "    " + " " * 44 + "^",
        ),
    ],
)
def test_caret_positions(line: str, caret: str) -> None:
    assert str(error(line)).splitlines()[1:] == [f"    {line}", caret]


def test_single_equals_gets_a_hint() -> None:
    fault = error("foo=1.0")
    assert "did you mean '=='" in (fault.hint or "")


def test_the_caret_lands_on_the_written_line_when_variables_were_expanded() -> None:
    fault = error("${NAME} >=>1", environ={"NAME": "a-much-longer-name"})
    assert str(fault).splitlines() == [
        "requirements.txt:1: invalid requirement: '${NAME} >=>1'",
        "    ${NAME} >=>1",
        "            ^",
    ]


def test_secrets_are_never_shown() -> None:
    fault = error(
        "pkg @ https://user:${PASSWORD}@host/p-1.0-py3-none-any.whl ; bad marker",
        environ={"PASSWORD": "hunter2"},
    )
    assert "hunter2" not in str(fault) + (fault.hint or "")
    written = error("pkg @ https://user:hunter2@host/x-1.0-py3-none-any.whl ; bad")
    assert "hunter2" not in str(written) + (written.hint or "")
    assert "https://user:*******@host" in str(written)
    token = error("-e https://ghp_token@host/pkg.tar.gz")
    assert "ghp_token" not in str(token)


def test_requirement_text_keeps_no_credentials() -> None:
    requirement = named("pkg @ https://user:hunter2@host/pkg-1.0-py3-none-any.whl")
    assert requirement.url == "https://user:hunter2@host/pkg-1.0-py3-none-any.whl"
    assert requirement.text == "pkg @ https://user:****@host/pkg-1.0-py3-none-any.whl"
    assert redact_credentials("https://tok@h/x") == "https://****@h/x"


def test_unexpanded_variable_is_named_in_the_hint() -> None:
    fault = error("${PKG_NAME}==1.0")
    assert "environment variable PKG_NAME is not set" in (fault.hint or "")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("git+https://h/r.git#egg=pkg[extra]", "invalid egg fragment: 'pkg[extra]'"),
        ("./dist/not-a-wheel.whl", "invalid wheel filename: './dist/not-a-wheel.whl'"),
        ("pkg @", "invalid requirement: 'pkg @'"),
        ("foo bar", "invalid requirement: 'foo bar'"),
        ("foo ; python_version ~ '3'", "invalid requirement"),
    ],
)
def test_bad_requirement_lines(line: str, message: str) -> None:
    assert message in str(error(line)).splitlines()[0]


# ---------------------------------------------------------------------------------------------
# Command-line requirements


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("requests[socks]>=2 ; python_version>'3'", Requirement, "requests"),
        ("pkg @ https://h/pkg-1.0-py3-none-any.whl", Requirement, "pkg"),
        ("git+https://github.com/o/r.git#egg=r", Requirement, "r"),
        ("./proj[dev]", UnnamedRequirement, "./proj"),
        ("dist/pkg-1.0-py3-none-any.whl", UnnamedRequirement, "dist/pkg-1.0-py3-none-any.whl"),
        ("https://h/pkg-1.0.tar.gz", UnnamedRequirement, "https://h/pkg-1.0.tar.gz"),
        ("  spaced  ", Requirement, "spaced"),
    ],
)
def test_cli_requirements(text: str, kind: type, expected: str) -> None:
    requirement = parse_cli_requirement(text)
    assert isinstance(requirement, kind)
    assert requirement.origin == Origin(Origin.COMMAND_LINE)
    if isinstance(requirement, Requirement):
        assert requirement.name == expected
    else:
        assert requirement.location == expected


def test_cli_editable() -> None:
    requirement = parse_cli_requirement("./proj", editable=True)
    assert isinstance(requirement, UnnamedRequirement) and requirement.editable


def test_cli_errors_show_the_argument() -> None:
    with pytest.raises(RequirementParseError) as info:
        parse_cli_requirement("foo>=>1")
    assert str(info.value) == "invalid requirement: 'foo>=>1'\n    foo>=>1\n       ^"
    with pytest.raises(RequirementParseError, match="empty requirement"):
        parse_cli_requirement("  ")
    with pytest.raises(RequirementParseError, match=r"^invalid editable requirement"):
        parse_cli_requirement("https://h/p.tar.gz", editable=True)


def test_cli_requirement_with_another_origin() -> None:
    origin = Origin("pyproject.toml", None, OriginKind.OVERRIDE)
    with pytest.raises(RequirementParseError, match=r"^pyproject\.toml: invalid requirement"):
        parse_cli_requirement("foo>=>1", origin=origin)
    assert parse_cli_requirement("foo", origin=origin).origin is origin


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.mark.parametrize(
    ("text", "url", "path", "archive"),
    [
        ("https://h/x", True, True, False),
        ("git+ssh://git@h/r", True, True, False),
        ("HTTPS://H/x.whl", True, True, True),
        ("foo", False, False, False),
        ("foo>=1.0", False, False, False),
        (".", False, True, False),
        ("x.tar.gz", False, True, True),
        ("C:\\x", False, True, False),
        ("mailto:x", False, False, False),
    ],
)
def test_classification_helpers(text: str, url: bool, path: bool, archive: bool) -> None:
    assert is_url(text) is url
    assert looks_like_path(text) is path
    assert is_archive(text) is archive


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"\xef\xbb\xbffoo\n", "foo\n"),
        ("foo\n".encode("utf-16-le").join([b"\xff\xfe", b""]), "foo\n"),
        ("foo\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "foo\n"),
        (
            "# -*- coding: latin-1 -*-\nf\xf6o\n".encode("latin-1"),
            "# -*- coding: latin-1 -*-\nf\xf6o\n",
        ),
        ("f\xf6o\n".encode(), "f\xf6o\n"),
    ],
)
def test_decode_requirements(data: bytes, text: str) -> None:
    assert decode_requirements(data) == text


# ---------------------------------------------------------------------------------------------
# Properties


_names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,5}([._-][A-Za-z0-9]{1,4}){0,2}", fullmatch=True)
_versions = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}", fullmatch=True)
_specifiers = st.lists(
    st.tuples(st.sampled_from(["==", "!=", ">=", "<=", ">", "<", "~="]), _versions),
    max_size=3,
).map(lambda parts: ",".join(op + (v if op != "~=" or "." in v else v + ".0") for op, v in parts))
_markers = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from(["python_version", "sys_platform", "os_name", "implementation_name"]),
        st.sampled_from(["==", "!=", "<", ">="]),
        st.from_regex(r"[a-z0-9.]{1,8}", fullmatch=True),
    ).map(lambda t: f'{t[0]} {t[1]} "{t[2]}"'),
)
_extras = st.lists(_names, max_size=2, unique_by=lambda n: n.lower())
_hashes = st.lists(st.from_regex(r"[0-9a-f]{64}", fullmatch=True), max_size=2)


@settings(max_examples=150, deadline=None)
@given(
    name=_names,
    extras=_extras,
    specifier=_specifiers,
    marker=_markers,
    hashes=_hashes,
    style=st.sampled_from(["plain", "spaced", "continued", "commented", "crlf"]),
)
def test_written_requirements_parse_back(
    name: str,
    extras: list[str],
    specifier: str,
    marker: str | None,
    hashes: list[str],
    style: str,
) -> None:
    line = name + (f"[{','.join(extras)}]" if extras else "") + specifier
    if style == "spaced":
        line = f"{name} " + (f"[{', '.join(extras)}] " if extras else "") + specifier
    if marker:
        line += f" ; {marker}" if style != "plain" else f";{marker}"
    options = [f"--hash=sha256:{h}" for h in hashes]
    separator = " \\\n    " if style == "continued" else " "
    text = separator.join([line, *options]) + ("  # comment" if style == "commented" else "")
    text = f"# header\n{text}\n"
    if style == "crlf":
        text = text.replace("\n", "\r\n")

    requirement = named(text)

    assert requirement.name == name.lower().replace("_", "-").replace(".", "-")
    assert requirement.pep508.specifier == SpecifierSet(specifier)
    assert requirement.extras == {e.lower().replace("_", "-").replace(".", "-") for e in extras}
    assert requirement.pep508.marker == (Marker(marker) if marker else None)
    assert requirement.hashes == tuple(f"sha256:{h}" for h in hashes)
    assert requirement.origin.line == 2


_plain_lines = st.lists(
    st.sampled_from(
        [
            "foo==1.0",
            "bar[x] >= 2 ; python_version >= '3.8'",
            "./proj[dev]",
            "-e ./local",
            "--pre",
            "-i https://h/simple",
            "https://h/p-1.0.tar.gz#sha256=ab ; os_name == 'nt'",
            f"baz --hash=sha256:{SHA_A}",
        ]
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(lines=_plain_lines, data=st.data())
def test_continuations_anywhere_change_nothing(lines: list[str], data: st.DataObject) -> None:
    """pip joins continued lines without a separator, so a break may fall anywhere."""
    plain = parse("\n".join(lines) + "\n")
    broken = []
    for line in lines:
        cut = data.draw(st.integers(1, len(line)))
        head, tail = line[:cut], line[cut:]
        broken.append(f"{head}\\\n{tail}" if tail and not tail.lstrip().startswith("#") else line)
    assert _without_line_numbers(parse("\n".join(broken) + "\n")) == _without_line_numbers(plain)


def _without_line_numbers(result: RequirementsFile) -> str:
    return re.sub(r"line=\d+", "line=N", repr(result))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        parse(text, environ={"X": "y"})
    except RequirementParseError as fault:
        assert fault.hint
        first = str(fault).splitlines()[0]
        assert first.startswith("requirements.txt:")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_any_cli_text_parses_or_fails_cleanly(text: str) -> None:
    with contextlib.suppress(RequirementParseError):
        parse_cli_requirement(text)


# ---------------------------------------------------------------------------------------------
# Parity with pip's own parser (where pip is installed on this machine)

PIP_PYTHON = Path("/work/tools/bin/python3")

PIP_PROBE = r"""
import json, sys
from pip._internal.req.req_file import parse_requirements
from pip._internal.req.constructors import parse_req_from_line, parse_req_from_editable
out = []
for path in sys.argv[1:]:
    try:
        found = []
        for parsed in parse_requirements(path, session=None):
            if parsed.is_editable:
                parts = parse_req_from_editable(parsed.requirement)
            else:
                parts = parse_req_from_line(parsed.requirement, None)
            req = parts.requirement
            found.append({
                "name": req.name if req else None,
                "specifier": str(req.specifier) if req else "",
                "marker": str(parts.markers or (req.marker if req else None) or ""),
                "extras": sorted(parts.extras or (req.extras if req else [])),
                "editable": parsed.is_editable,
                "hashes": sorted(
                    f"{a}:{d}"
                    for a, ds in (parsed.options or {}).get("hashes", {}).items()
                    for d in ds
                ),
            })
        out.append(found)
    except Exception as exc:
        out.append(type(exc).__name__)
print(json.dumps(out))
"""

PARITY_CASES = [
    "foo==1.0 \\\n  --hash=sha256:" + SHA_A + " \\\n  --hash=sha256:" + SHA_B,
    "foo ==1.0 \\\n# comment \\\nbar",
    "foo # comment \\\nbar\nbaz",
    "Foo_Bar[X,y]>=1;python_version>'3'",
    "foo (>=1.0)",
    "foo===weird",
    "pkg @ https://h/pkg-1.0-py3-none-any.whl;python_version>'3'",
    "git+https://h/r.git@v1#egg=repo",
    "-e git+https://h/r.git#egg=repo",
    "./dist/pkg-1.0-py3-none-any.whl",
    "foo#comment",
    "foo>=>1",
    "foo=1.0",
    "--pre\nfoo",
    "foo --pre",
    "\ufefffoo\r\nbar\r\n",
]


def _ours(text: str) -> list[dict[str, object]] | str:
    try:
        result = parse(text)
    except RequirementParseError:
        return "error"
    found: list[dict[str, object]] = []
    for requirement in (*result.requirements, *result.editables):
        if isinstance(requirement, Requirement):
            name: str | None = requirement.pep508.name
            specifier = str(requirement.pep508.specifier)
            marker = requirement.pep508.marker
            extras = sorted(requirement.pep508.extras)
        else:
            name, specifier = None, ""
            if requirement.wheel_name:  # pip names a wheel file name==version
                filename = requirement.location.rsplit("/", 1)[-1]
                wheel_name, version, _, _ = parse_wheel_filename(filename)
                name, specifier = str(wheel_name), f"=={version}"
            marker = requirement.marker
            extras = sorted(requirement.extras)
        found.append(
            {
                "name": name,
                "specifier": specifier,
                "marker": str(marker or ""),
                "extras": extras,
                "editable": requirement.editable,
                "hashes": sorted(requirement.hashes),
            }
        )
    return found


@pytest.mark.skipif(not PIP_PYTHON.exists(), reason="pip 26.3 of the tools venv not installed")
def test_same_as_pip_on_edge_cases(tmp_path: Path) -> None:
    paths = []
    for index, case in enumerate(PARITY_CASES):
        path = tmp_path / f"case{index}.txt"
        path.write_bytes(case.encode())
        paths.append(str(path))
    completed = subprocess.run(
        [str(PIP_PYTHON), "-c", PIP_PROBE, *paths],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    theirs = json.loads(completed.stdout)
    for case, pip_result in zip(PARITY_CASES, theirs, strict=True):
        ours = _ours(case)
        if isinstance(pip_result, str):
            assert ours == "error", (case, pip_result)
            continue
        assert ours == pip_result, case
