"""PEP 566's JSON form of core metadata (bale.core.metadata_json)."""

from __future__ import annotations

from bale.core.metadata_json import metadata_json_from_email

METADATA = b"""Metadata-Version: 2.4
Name: thing
Version: 1.0
Summary: a thing
Keywords: a, b,c
Classifier: Programming Language :: Python :: 3
Classifier: License :: OSI Approved :: MIT License
Project-URL: Docs, https://docs.example
Project-URL: Source, https://src.example
License-File: LICENSE
Requires-Dist: dep>=1; extra == "x"
Provides-Extra: x
X-Unknown: ignored

The long description.
"""


def test_pep566_keys_lists_and_description() -> None:
    assert metadata_json_from_email(METADATA) == {
        "metadata_version": "2.4",
        "name": "thing",
        "version": "1.0",
        "summary": "a thing",
        "keywords": ["a", "b", "c"],
        "classifier": [
            "Programming Language :: Python :: 3",
            "License :: OSI Approved :: MIT License",
        ],
        "project_url": ["Docs, https://docs.example", "Source, https://src.example"],
        "license_file": ["LICENSE"],
        "requires_dist": ['dep>=1; extra == "x"'],
        "provides_extra": ["x"],
        "description": "The long description.\n",
    }
