"""Git sources with repositories made by the tests: URL forms, revisions, the clone and checkout
cache, PEP 610 data, errors that never show credentials, and builds from git+file URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bale.build.builder import BuildRequest
from bale.build.vcs import GitSources, RevisionNotFound, VcsError, parse_vcs_url
from bale.cache.layout import Cache
from bale.errors import UsageError
from support.dists import Dist, backend_wheel, write_project
from support.git import git


@pytest.fixture
def repo(tmp_path: Path) -> dict[str, str]:
    """A repository: v1 (tag) on main, then a second commit; branch `feature` with 2.0;
    a subproject in `sub/`. Returns the commit ids and the path."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch=main")
    write_project(Dist("vcs-pkg", "1.0"), root)
    write_project(Dist("sub-pkg", "0.5"), root / "sub")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "one")
    first = git(root, "rev-parse", "HEAD")
    git(root, "tag", "v1")
    (root / "README").write_text("two\n")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "two")
    second = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "--quiet", "-b", "feature")
    write_project(Dist("vcs-pkg", "2.0"), root)
    git(root, "commit", "--quiet", "-am", "three")
    feature = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "--quiet", "main")
    return {
        "path": str(root),
        "url": f"git+{root.as_uri()}",
        "first": first,
        "second": second,
        "feature": feature,
    }


@pytest.fixture
def sources(cache_dir: Path) -> GitSources:
    return GitSources(Cache(cache_dir))


# --- URLs --------------------------------------------


def test_parse_forms() -> None:
    url = parse_vcs_url(
        "git+https://user:s3cret@example.com/org/repo.git@v1.2#subdirectory=pkg&egg=x"
    )
    assert url.url == "https://user:s3cret@example.com/org/repo.git"
    assert url.revision == "v1.2" and url.subdirectory == "pkg"
    assert "s3cret" not in url.shown and "s3cret" not in url.clean_url
    assert url.clean_url == "https://example.com/org/repo.git"

    ssh = parse_vcs_url("git+ssh://git@example.com/org/repo.git@main")
    assert ssh.url == "ssh://git@example.com/org/repo.git" and ssh.revision == "main"
    assert ssh.clean_url == "ssh://git@example.com/org/repo.git"  # PEP 610 keeps `git@`

    plain = parse_vcs_url("git+file:///srv/repo")
    assert plain.url == "file:///srv/repo" and plain.revision is None
    token = parse_vcs_url("git+https://ghp_token@example.com/org/repo.git")
    assert token.clean_url == "https://example.com/org/repo.git"
    assert token.key == parse_vcs_url("git+https://example.com/org/repo.git").key


@pytest.mark.parametrize(
    "bad",
    ["hg+https://example.com/x", "git+https://example.com/x#subdirectory=../up", "git+https:///x"],
)
def test_bad_urls(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_vcs_url(bad)


# --- revisions --------------------------------------------


def test_revisions_resolve(sources: GitSources, repo: dict[str, str]) -> None:
    url = repo["url"]
    assert sources.resolve(parse_vcs_url(url)) == repo["second"]  # default branch
    assert sources.resolve(parse_vcs_url(f"{url}@v1")) == repo["first"]  # tag
    assert sources.resolve(parse_vcs_url(f"{url}@feature")) == repo["feature"]  # branch
    assert sources.resolve(parse_vcs_url(f"{url}@main")) == repo["second"]
    assert sources.resolve(parse_vcs_url(f"{url}@{repo['first'][:8]}")) == repo["first"]
    assert sources.resolve(parse_vcs_url(f"{url}@{repo['feature']}")) == repo["feature"]


def test_full_commit_in_the_cache_needs_no_fetch(sources: GitSources, repo) -> None:
    sources.resolve(parse_vcs_url(repo["url"]))
    before = sources.fetches
    assert sources.resolve(parse_vcs_url(f"{repo['url']}@{repo['first']}")) == repo["first"]
    assert sources.fetches == before


def test_branches_move(sources: GitSources, repo) -> None:
    url = parse_vcs_url(f"{repo['url']}@main")
    assert sources.resolve(url) == repo["second"]
    root = Path(repo["path"])
    (root / "NEW").write_text("x\n")
    git(root, "add", "NEW")
    git(root, "commit", "--quiet", "-m", "four")
    assert sources.resolve(url) == git(root, "rev-parse", "HEAD")


@pytest.mark.parametrize("rev", ["nope", "0123456789abcdef0123456789abcdef01234567", "deadbeef"])
def test_missing_revision(sources: GitSources, repo, rev: str) -> None:
    with pytest.raises(RevisionNotFound) as caught:
        sources.resolve(parse_vcs_url(f"{repo['url']}@{rev}"))
    assert repr(rev) in caught.value.message and "not found" in caught.value.message


def test_unreachable_repository_hides_credentials(sources: GitSources) -> None:
    with pytest.raises(VcsError) as caught:
        sources.resolve(parse_vcs_url("git+https://user:s3cret@127.0.0.1:9/repo.git@main"))
    assert "s3cret" not in caught.value.message and "s3cret" not in (caught.value.hint or "")
    assert "user:****@127.0.0.1" in caught.value.message


def test_missing_local_repository(sources: GitSources, tmp_path: Path) -> None:
    with pytest.raises(VcsError, match="cannot fetch"):
        sources.resolve(parse_vcs_url(f"git+{(tmp_path / 'none').as_uri()}"))


# --- checkouts --------------------------------------------


def test_checkout_per_commit_and_direct_url(sources: GitSources, repo, cache_dir: Path) -> None:
    checkout = sources.checkout(parse_vcs_url(f"{repo['url']}@v1#subdirectory=sub"))
    assert checkout.commit == repo["first"]
    assert checkout.project == checkout.root / "sub"
    assert (checkout.project / "pyproject.toml").is_file()
    assert not (checkout.root / "README").exists()  # the v1 tree
    assert checkout.direct_url() == {
        "url": Path(repo["path"]).as_uri(),
        "vcs_info": {"vcs": "git", "commit_id": repo["first"], "requested_revision": "v1"},
        "subdirectory": "sub",
    }
    assert checkout.pinned_url() == f"{repo['url']}@{repo['first']}#subdirectory=sub"
    again = sources.checkout(parse_vcs_url(f"{repo['url']}@{repo['first'][:10]}"))
    assert again.root == checkout.root
    checkouts = [p for p in (cache_dir / "git-v1" / "checkouts").glob("*/*") if p.is_dir()]
    assert [p.name for p in checkouts] == [repo["first"]]
    # The bare clone stores no URL (credentials could be in it).
    db = next(p for p in (cache_dir / "git-v1" / "db").iterdir() if p.is_dir())
    assert repo["path"] not in (db / "config").read_text()


def test_missing_subdirectory(sources: GitSources, repo) -> None:
    with pytest.raises(VcsError, match="no subdirectory 'nope'"):
        sources.checkout(parse_vcs_url(f"{repo['url']}#subdirectory=nope"))


# --- builds --------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "name", "version"),
    [
        ("", "vcs-pkg", "1.0"),
        ("@v1", "vcs-pkg", "1.0"),
        ("@feature", "vcs-pkg", "2.0"),
        ("@{first}", "vcs-pkg", "1.0"),
        ("@v1#subdirectory=sub", "sub-pkg", "0.5"),
    ],
)
def test_build_from_git(make_builder, backend_log, repo, tmp_path, suffix, name, version) -> None:
    links = tmp_path / "links"
    backend_wheel(links)
    url = repo["url"] + suffix.format(first=repo["first"])
    builder = make_builder(find_links=[links])
    built = builder.wheel(BuildRequest.vcs(url))
    assert (built.name, built.version) == (name, version)
    assert (
        built.direct_url is not None and built.direct_url["vcs_info"]["commit_id"] == built.commit
    )
    assert backend_log().count("build_wheel") == 1
    again = builder.wheel(BuildRequest.vcs(url))  # cached by commit: no backend run
    assert again.cached and backend_log().count("build_wheel") == 1


def test_git_build_with_wrong_name(make_builder, repo, tmp_path) -> None:
    from bale.errors import BuildError

    links = tmp_path / "links"
    backend_wheel(links)
    with pytest.raises(BuildError, match="not other as asked"):
        make_builder(find_links=[links]).wheel(BuildRequest.vcs(repo["url"], name="other"))
