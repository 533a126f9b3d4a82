"""Award pages: uploads by administrators, import runs, buyer mapping, search (CSRF on)."""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from register.extensions import db
from register.models import AuditEntry, Award, BuyerMapping, Department, ImportRun, User
from tests.awards.test_import import CF, DATA, release
from tests.conftest import PASSWORD, csrf_token

GOOD = CF / "json_1_1_raw" / "ocds-b5fd17raw-0054a4e6-0715-42c6-9109-e219fe9d3289.json"
ARCO = (
    CF / "json_1_1_supplier_ids_match"
    / "ocds-b5fd17suppliermatch-05f40f94-d51d-4eb9-b288-55b849f9aa26.json"
)  # fmt: skip


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True, "WEB_IMPORT_MAX_BYTES": 50_000}


def signed_in(client: FlaskClient, user: User) -> FlaskClient:
    token = csrf_token(client, "/auth/sign-in")
    response = client.post(
        "/auth/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def admin(client: FlaskClient, make_user: Callable[..., User]) -> FlaskClient:
    return signed_in(client, make_user("admin"))


def upload(client: FlaskClient, name: str, content: bytes, token: bool = True) -> Any:
    data: dict[str, Any] = {"file": (io.BytesIO(content), name)}
    if token:
        data["csrf_token"] = csrf_token(client, "/awards/imports")
    return client.post("/awards/imports", data=data, content_type="multipart/form-data")


def test_admin_uploads_a_good_file(admin: FlaskClient) -> None:
    response = upload(admin, GOOD.name, GOOD.read_bytes())
    assert response.status_code == 302
    run = db.session.scalars(select(ImportRun)).one()
    assert response.location.endswith(f"/awards/imports/{run.id}")
    assert (run.filename, run.status, run.imported, run.actor.role) == (
        GOOD.name, "completed", 1, "admin",
    )  # fmt: skip
    page = admin.get(response.location).get_data(as_text=True)
    assert (
        f"Imported {GOOD.name}: 1 new award, 0 updated and 0 unchanged, from 1 record read." in page
    )  # the flashed result, as a sentence
    assert "Screening compared 0 declared organisations with 2 award suppliers" in page
    for label, value in (("Records read", 1), ("Imported (new awards)", 1), ("Rejected", 0)):
        assert re.search(rf"{re.escape(label)}\s*</dt>\s*<dd[^>]*>\s*{value}\s*<", page), label
    listing = admin.get("/awards/imports").get_data(as_text=True)
    assert GOOD.name in listing and f"/awards/imports/{run.id}" in listing
    award = db.session.scalars(select(Award)).one()
    assert award.source == f"{GOOD.name}#releases[0].awards[0]"  # not the temporary path


def test_admin_sees_every_rejected_record_and_refused_files(admin: FlaskClient) -> None:
    bad = DATA / "bad_awards" / "bad_currency.jsonl"
    page = admin.get(upload(admin, "bad_currency.jsonl", bad.read_bytes()).location)
    text = page.get_data(as_text=True)
    assert "bad_currency.jsonl:2#awards[0]" in text  # shown under the uploaded name
    assert "currency &#39;pounds&#39; is not a 3-letter ISO 4217 code" in text
    assert tempfile.gettempdir() not in text
    assert db.session.scalar(select(func.count(Award.id))) == 1  # the good record was kept

    truncated = (DATA / "bad_awards" / "truncated_package.json").read_bytes()
    page = admin.get(upload(admin, "truncated.json", truncated).location)
    text = page.get_data(as_text=True)
    assert "The file was refused and nothing from it was kept" in text
    assert "truncated.json: truncated JSON at byte 1188" in text
    assert db.session.scalar(select(func.count(Award.id))) == 1


def test_upload_needs_the_csrf_token_and_a_file(admin: FlaskClient) -> None:
    assert upload(admin, GOOD.name, GOOD.read_bytes(), token=False).status_code == 400
    data = {"csrf_token": csrf_token(admin, "/awards/imports")}
    response = admin.post("/awards/imports", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Choose a file to import" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 0


def test_oversized_uploads_are_sent_to_the_command_line(
    app: Any, admin: FlaskClient, tmp_path: Path
) -> None:
    big = b"\n".join(json.dumps(release()).encode() for _ in range(100))  # ~70 KB
    response = upload(admin, "big.jsonl", big)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "larger than 0.05 MB" in text and "flask --app wsgi awards import FILE" in text
    app.config["MAX_CONTENT_LENGTH"] = 40_000  # beyond this the request itself is cut off
    response = upload(admin, "big.jsonl", big)
    assert response.status_code == 413
    assert "flask --app wsgi awards import FILE" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 0


@pytest.mark.parametrize("role", ["official", "compliance", "auditor"])
def test_only_administrators_import_and_map(
    client: FlaskClient, make_user: Callable[..., User], role: str
) -> None:
    signed_in(client, make_user(role))
    token = csrf_token(client, "/auth/password")
    response = client.post(
        "/awards/imports",
        data={"csrf_token": token, "file": (io.BytesIO(GOOD.read_bytes()), GOOD.name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert client.get("/awards/imports").status_code == 403
    assert client.get("/awards/buyers").status_code == 403
    assert client.get("/awards/").status_code == (403 if role == "official" else 200)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 0


def test_mapping_a_buyer_relabels_its_awards_and_is_audited(
    admin: FlaskClient, department: Department, tmp_path: Path
) -> None:
    item = release()
    item["buyer"]["name"] = item["parties"][0]["name"] = "Dept. for Childrens Services"
    upload(admin, "dcs.jsonl", json.dumps(item).encode())
    mapping = db.session.scalars(select(BuyerMapping)).one()
    assert mapping.department_id is None

    page = admin.get("/awards/buyers").get_data(as_text=True)
    assert "Department for Children&#39;s Services" in page and "name similarity" in page
    assert db.session.scalars(select(Award)).one().department_id is None  # only suggested

    prefix = f"buyer-{mapping.id}-"
    token = csrf_token(admin, "/awards/buyers")
    response = admin.post(
        f"/awards/buyers/{mapping.id}",
        data={f"{prefix}csrf_token": token, f"{prefix}department_id": str(department.id)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(Award)).one().department_id == department.id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "awards.buyer_mapped")
    ).one()
    assert entry.actor_label.startswith("admin")
    assert json.loads(entry.details) == {"before": None, "after": department.id}
    assert "1 awards updated" in admin.get(response.location).get_data(as_text=True)


@pytest.fixture
def auditor(client: FlaskClient, make_user: Callable[..., User]) -> FlaskClient:
    """An auditor's client, after an administrator uploaded two real award files."""
    admin = signed_in(client, make_user("admin"))
    upload(admin, GOOD.name, GOOD.read_bytes())
    upload(admin, ARCO.name, ARCO.read_bytes())
    admin.post("/auth/sign-out", data={"csrf_token": csrf_token(admin, "/awards/")})
    return signed_in(client, make_user("auditor"))


def test_search_by_name_and_company_number(auditor: FlaskClient) -> None:
    text = auditor.get("/awards/?q=peter displays").get_data(as_text=True)
    assert "1 award suppliers" in text and "PETER DISPLAYS LTD" in text
    assert "trading as LIMELIGHT" in text
    text = auditor.get("/awards/?q=133804").get_data(as_text=True)  # Companies House, unpadded
    assert "1 award suppliers" in text and "ARCO LIMITED" in text and "00133804" in text
    text = auditor.get("/awards/?q=no+such+supplier").get_data(as_text=True)
    assert "No awards found." in text
    assert "0 award suppliers" in text


def test_search_by_buyer_and_the_award_page(auditor: FlaskClient) -> None:
    text = auditor.get("/awards/?buyer=process+innovation").get_data(as_text=True)
    assert "bought by “process innovation”" in text and "ARCO LIMITED" in text
    assert "PETER DISPLAYS LTD" not in text
    text = auditor.get("/awards/?q=arco&buyer=bfi").get_data(as_text=True)
    assert "0 award suppliers" in text

    award = db.session.scalar(
        select(Award).where(Award.buyer_name == "CENTRE FOR PROCESS INNOVATION LIMITED")
    )
    text = auditor.get(f"/awards/{award.id}").get_data(as_text=True)
    assert "CENTRE FOR PROCESS INNOVATION LIMITED" in text and award.ocid in text
    assert "GB-COH 00133804" in text  # the supplier's identifiers
    assert "Not mapped to a department" in text
    assert "No flags on this award that you can see." in text
    assert auditor.get("/awards/999999").status_code == 404
