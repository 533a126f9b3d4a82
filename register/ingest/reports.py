"""What importing one file did, for every importer (awards, company officers), and its run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from register.audit.log import record
from register.clock import utcnow
from register.ingest.rejections import RejectedRecord
from register.models import ImportRejection, ImportRun, User

__all__ = ["FileReport", "Progress", "fault_message"]

Progress = Callable[[int, float], None]  # (records read, seconds elapsed)


def fault_message(path: str, exc: BaseException) -> str:
    """The refusal recorded when an import stops on an error of the register's own (a bug):
    the run and its audit entry still say what happened, and the details go to the log."""
    return (
        f"{path}: the import stopped on an unexpected error ({type(exc).__name__}); the error "
        "is in the server's log, for the register's administrators"
    )


@dataclass
class FileReport:
    """What importing one file did (awards in register.awards, officers in register.ownership)."""

    path: str
    detected_format: str | None = None
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)
    failed: str | None = None  # the FormatError message when the whole file was refused
    run_id: int | None = None

    def notes(self) -> str:
        """Anything the summary should add about this kind of file."""
        return ""

    def summary(self) -> str:
        text = (
            f"{self.path}: {self.detected_format or 'unknown format'}; read {self.read}, "
            f"imported {self.imported}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}"
        ) + self.notes()
        if self.failed:
            text += f"; FILE REFUSED, nothing from it was kept: {self.failed}"
        return text

    def refuse(self, message: str) -> None:
        """The whole file was rolled back: nothing from it counts as written."""
        self.failed = message
        self.imported = self.updated = self.unchanged = 0

    def finish_run(self, session: Session, run: ImportRun, event: str, actor: User | None) -> None:
        """Record the outcome and every rejected record on the run, and audit it."""
        run.detected_format = self.detected_format
        run.status = "failed" if self.failed else "completed"
        run.message = self.failed
        run.read, run.imported, run.updated = self.read, self.imported, self.updated
        run.unchanged, run.rejected = self.unchanged, len(self.rejected)
        run.finished_at = utcnow()
        run.rejections = [
            ImportRejection(source=r.source[:500], reason=r.reason, record=r.record)
            for r in self.rejected
        ]
        session.add(run)
        session.flush()
        record(
            session, event, self.summary(), actor=actor, object_type="import_run", object_id=run.id
        )
        self.run_id = run.id
