"""The public register: published editions, readable without signing in."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, stream_with_context
from sqlalchemy import select

from register.downloads import content_disposition
from register.exports.services import csv_chunks
from register.extensions import db
from register.models import PublishedEdition
from register.public.services import FIRST_TO_THIRD_PERSON, REDACTABLE, edition_table

bp = Blueprint("public", __name__, url_prefix="/public")


def _edition(edition_id: int) -> PublishedEdition:
    edition = db.session.get(PublishedEdition, edition_id)
    if edition is None:
        abort(404)
    return edition


def _filename(edition: PublishedEdition, extension: str) -> str:
    return f"register-{edition.cycle.name.replace('/', '-')}-edition-{edition.number}.{extension}"


@bp.get("/")
def editions() -> str:
    rows = db.session.scalars(
        select(PublishedEdition).order_by(PublishedEdition.published_at.desc())
    ).all()
    return render_template("public/editions.html", editions=rows)


@bp.get("/editions/<int:edition_id>")
def edition(edition_id: int) -> str:
    found = _edition(edition_id)
    return render_template(
        "public/edition.html",
        edition=found,
        snapshot=json.loads(found.snapshot),
        labels={k: v[0] for k, v in REDACTABLE.items()},
        third_person=FIRST_TO_THIRD_PERSON,
    )


@bp.get("/editions/<int:edition_id>.json")
def edition_json(edition_id: int) -> Response:
    found = _edition(edition_id)
    return Response(
        found.snapshot,
        mimetype="application/json",
        headers={
            "Content-Disposition": content_disposition(_filename(found, "json")),
            "X-Content-SHA256": found.snapshot_digest,
        },
    )


@bp.get("/editions/<int:edition_id>.csv")
def edition_csv(edition_id: int) -> Response:
    found = _edition(edition_id)
    return Response(
        stream_with_context(csv_chunks(edition_table(found))),
        mimetype="text/csv",
        headers={"Content-Disposition": content_disposition(_filename(found, "csv"))},
    )
