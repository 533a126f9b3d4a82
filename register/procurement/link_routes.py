"""The declaration an external person makes for a procurement, through the link they were
emailed: the link is the credential (only its SHA-256 is stored), and it answers one request."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, url_for

from register.extensions import db
from register.procurement import services
from register.procurement.routes import _declare_form, render_declare, submit_declaration

bp = Blueprint("procurement_link", __name__, url_prefix="/procurement-declaration")


@bp.route("/<link>", methods=["GET", "POST"])
def declare(link: str) -> Any:
    declaration = services.declaration_by_token(db.session, link)
    if declaration is None or declaration.person.latest_declaration is not declaration:
        abort(404)
    if not declaration.person.active:
        abort(404)
    if declaration.answered_at is not None:
        return render_template("procurement/declared.html", declaration=declaration)
    action = url_for(".declare", link=link)
    form = _declare_form(declaration)
    if not form.is_submitted():
        return render_declare(declaration, form, action)
    refused = submit_declaration(declaration, form, None, action)
    if refused is not None:
        return refused
    return render_template("procurement/declared.html", declaration=declaration)
