"""Installing unpacked wheels into a scheme (hardlink, reflink, symlink or copy), RECORD,
INSTALLER, REQUESTED, direct_url.json, scripts, `.data/`; reading and uninstalling installed
distributions; transactions that leave an environment as it was after a failure.

May import `bale.core`, `bale.errors`, `bale.cache`, `bale.envs`.
"""
