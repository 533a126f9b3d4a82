"""How the evidence store says no. Every message is written for the person who sees it."""

from __future__ import annotations

__all__ = [
    "EvidenceConfigurationError",
    "EvidenceError",
    "EvidenceMissing",
    "EvidenceRefused",
    "EvidenceTampered",
]


class EvidenceError(Exception):
    """Base of the evidence errors."""


class EvidenceRefused(EvidenceError, ValueError):
    """An upload is not accepted (type, name, size); the message can be shown to the uploader."""


class EvidenceConfigurationError(EvidenceError, RuntimeError):
    """EVIDENCE_STORAGE_URL names a store that cannot be used; the app should refuse to start."""


class EvidenceMissing(EvidenceError, LookupError):
    """No file is stored under a key, or the key is not one the store could have made."""


class EvidenceTampered(EvidenceError):
    """A stored file's content no longer has the digest it was stored with: it is not served."""
