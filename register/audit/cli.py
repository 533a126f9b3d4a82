"""`flask --app wsgi audit verify` and `audit checkpoint`: check the audit log's hash chain, and
record its head for auditors to keep outside the register."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from register import runtime
from register.audit import checkpoint as checkpoints
from register.audit.log import chain_key, record, verify
from register.cli_support import command_transaction, fail
from register.notify.outbox import queue_email

audit_cli = AppGroup("audit", help="Check the audit log.")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)


@audit_cli.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint written by `audit checkpoint`; the log must still contain its head "
    "(repeatable).",
)
def verify_audit(checkpoint_files: tuple[Path, ...]) -> None:
    """Verify the whole audit hash chain and each checkpoint given; report what is wrong."""
    session = runtime.session()
    problems = []
    for path in checkpoint_files:
        try:
            found = checkpoints.parse(path.read_text(encoding="utf-8", errors="replace"))
        except checkpoints.CheckpointError as error:
            problems.append(f"checkpoint {path}: {error}")
            continue
        problem = checkpoints.problem_with(session, found)
        if problem:
            problems.append(f"checkpoint {path} (entry {found.seq}, {found.taken_at}): {problem}")
    report = verify(session)
    if not report.ok:
        problems.insert(
            0,
            f"Audit chain BROKEN at entry {report.first_broken_seq}: {report.problem} "
            f"({report.checked} entries verified before it)",
        )
    if problems:
        fail("\n".join(problems))
    click.echo(f"Audit chain intact: {report.checked} entries verified")
    for path in checkpoint_files:
        click.echo(f"Checkpoint {path}: its head is in the log")


@audit_cli.command("checkpoint")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the signed checkpoint to this file.",
)
@click.option("--email", is_flag=True, help="Queue the checkpoint to AUDITOR_MAILBOX.")
def write_checkpoint(output: Path | None, email: bool) -> None:
    """Record the chain's head now as a signed document, to keep outside the register."""
    if output is None and not email:
        fail("Give --output FILE, --email, or both")
    report = verify(runtime.session())
    if not report.ok:
        fail(f"Audit chain BROKEN at entry {report.first_broken_seq}: {report.problem}; "
             "no checkpoint written")  # fmt: skip
    mailbox = runtime.settings().auditor_mailbox
    with command_transaction() as session:
        entry = record(
            session,
            "audit.checkpoint",
            f"Audit checkpoint taken{' and emailed to ' + mailbox if email else ''}",
            actor_label="system (audit checkpoint)",
            object_type="audit_log",
        )
        taken = checkpoints.take(session)
        document = taken.document(chain_key())
        if email:
            queue_email(
                session,
                mailbox,
                f"Audit checkpoint: entry {taken.seq}, {taken.taken_at}",
                "Keep this checkpoint outside the register. `flask --app wsgi audit verify "
                "--checkpoint FILE` proves later that the log still holds this head.\n\n"
                + document
                + "\n",
                kind="audit_checkpoint",
            )
    if output is not None:
        output.write_text(document + "\n", encoding="utf-8")
    click.echo(f"Checkpoint at entry {entry.seq} ({taken.entries} entries)"
               + (f" written to {output}" if output else "")
               + (f", queued to {mailbox}" if email else ""))  # fmt: skip
