"""Case evidence files: what a file really is (`sniff`) and where it is kept (`store`).

Pure Python and the file system: no Flask, no database. A door saves an upload with
`EvidenceStore.save` inside its transaction and records the returned `StoredEvidence` with the
case; a download opens it with `EvidenceStore.open`, which checks the digest first.
"""

from __future__ import annotations

from register.evidence.errors import (
    EvidenceConfigurationError,
    EvidenceError,
    EvidenceMissing,
    EvidenceRefused,
    EvidenceTampered,
)
from register.evidence.sniff import (
    ACCEPTED,
    ACCEPTED_DESCRIPTION,
    FileType,
    sniff_bytes,
    sniff_file,
)
from register.evidence.store import (
    EvidenceStore,
    ObjectEvidenceStore,
    StoredEvidence,
    safe_filename,
    size_text,
)

__all__ = [
    "ACCEPTED",
    "ACCEPTED_DESCRIPTION",
    "EvidenceConfigurationError",
    "EvidenceError",
    "EvidenceMissing",
    "EvidenceRefused",
    "EvidenceStore",
    "EvidenceTampered",
    "ObjectEvidenceStore",
    "FileType",
    "StoredEvidence",
    "safe_filename",
    "size_text",
    "sniff_bytes",
    "sniff_file",
]
