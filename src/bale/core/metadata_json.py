"""Core metadata as JSON, by PEP 566's transformation, as pip's installation report writes it.

PEP 566: each field's name lower-cased with ``-`` as ``_``; a multiple-use field is a list under
its singular name (``classifier``, ``requires_dist``, ``project_url``...); ``keywords`` is a list;
the description is the message body when no header holds it. ``packaging.metadata.parse_email``
reads the headers (encodings, folding, the body) into its ``RawMetadata``, whose keys are PEP 566's
except for a few plurals and ``project_urls``, a mapping that PEP 566 keeps as ``"label, url"``
lines. Fields packaging does not know are left out, as pip leaves them out.
"""

from __future__ import annotations

from collections.abc import Mapping

# RawMetadata's plural names -> PEP 566's (singular) keys.
_KEYS = {
    "platforms": "platform",
    "supported_platforms": "supported_platform",
    "classifiers": "classifier",
    "license_files": "license_file",
    "import_names": "import_name",
    "import_namespaces": "import_namespace",
}


def metadata_json(raw: Mapping[str, object]) -> dict[str, object]:
    """PEP 566 JSON of a ``packaging.metadata.RawMetadata``."""
    out: dict[str, object] = {}
    for key, value in raw.items():
        if key == "project_urls" and isinstance(value, Mapping):
            out["project_url"] = [f"{label}, {url}" for label, url in value.items()]
        else:
            out[_KEYS.get(key, key)] = list(value) if isinstance(value, (list, tuple)) else value
    return out


def metadata_json_from_email(data: bytes) -> dict[str, object]:
    """PEP 566 JSON of a METADATA file's bytes."""
    from packaging.metadata import parse_email

    raw, _unparsed = parse_email(data)
    return metadata_json(raw)
