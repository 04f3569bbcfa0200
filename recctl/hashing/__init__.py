"""Request hashes: the recorder's canonical forms, its schemes over time, and file names."""

from recctl.hashing.canonical import RequestKind, canonical_json, request_kind, sha256_hex
from recctl.hashing.schemes import DEFAULT_SCHEME, SCHEMES, HashScheme, get_scheme

__all__ = [
    "DEFAULT_SCHEME",
    "SCHEMES",
    "HashScheme",
    "RequestKind",
    "canonical_json",
    "get_scheme",
    "request_kind",
    "sha256_hex",
]
