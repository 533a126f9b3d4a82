"""Roster imports never wipe or overwrite by accident (issue 12, item 6): a blank cell keeps
what is recorded, "(clear)" empties it, two rows with one email are both rejected, yes/no columns
take only documented values, the web import previews before it changes anything and the command
line has --dry-run; every change of a person is audited with before and after values."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from sqlalchemy import func, select

from register.extensions import db
from register.models import AccessRequest, AuditEntry, Department, RosterUpload, User
from tests.api.helpers import make_token
from tests.conftest import sign_in

HEADER = "email,full_name,role,department_code,job_title,is_senior,joined_on,left_on"


@pytest.fixture
def ada(make_user) -> User:
    return make_user(
        "official",
        email="ada@example.gov.uk",
        full_name="Ada Lovelace",
        job_title="Director",
        is_senior=True,
        joined_on=date(2020, 1, 6),
    )


def reload(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def write(tmp_path: Any, *rows: str) -> Any:
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_blank_joined_on_keeps_the_stored_date_on_the_command_line(runner, ada, tmp_path):
    path = write(tmp_path, "ada@example.gov.uk,Ada Lovelace,official,DCS,Chief,,,")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 0 unchanged, 0 rejected" in result.output
    kept = reload("ada@example.gov.uk")
    assert kept.joined_on == date(2020, 1, 6)  # blank cell: unchanged
    assert kept.is_senior is True  # blank is_senior: unchanged, not "no"
    assert kept.job_title == "Chief" and kept.department.code == "DCS"
    details = json.loads(entries("admin.user_updated")[-1].details)
    assert details["changes"] == {"job_title": ["Director", "Chief"]}


def test_clear_empties_a_value_and_is_audited(runner, ada, tmp_path):
    path = write(tmp_path, "ada@example.gov.uk,,,,(clear),no,(CLEAR),")
    assert runner.invoke(args=["users", "import", str(path)]).exit_code == 0
    cleared = reload("ada@example.gov.uk")
    assert (cleared.job_title, cleared.joined_on, cleared.is_senior) == (None, None, False)
    assert cleared.full_name == "Ada Lovelace" and cleared.role == "official"
    details = json.loads(entries("admin.user_updated")[-1].details)
    assert details["changes"] == {
        "job_title": ["Director", None],
        "is_senior": [True, False],
        "joined_on": ["2020-01-06", None],
    }
    refused = write(tmp_path, "ada@example.gov.uk,(clear),official,DCS,,,,")
    result = runner.invoke(args=["users", "import", str(refused)])
    assert result.exit_code == 1 and "full_name cannot be cleared" in result.output
    assert reload("ada@example.gov.uk").full_name == "Ada Lovelace"


def test_two_rows_with_one_email_are_both_rejected(runner, ada, tmp_path):
    path = write(
        tmp_path,
        "new@example.gov.uk,New One,official,DCS,,,,",  # line 2
        "ada@example.gov.uk,Ada First,official,DCS,,,,",  # line 3
        "zed@example.gov.uk,Zed,official,DCS,,,,",  # line 4: good
        "ADA@example.gov.uk,Ada Second,official,DCS,,,,",  # line 5
        "new@example.gov.uk,New Two,official,DCS,,,,",  # line 6
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "1 created, 0 updated, 0 unchanged, 4 rejected" in result.output
    for line, email, lines in ((3, "ada", "3, 5"), (5, "ADA", "3, 5"), (2, "new", "2, 6")):
        assert f"{path}:{line}: email {email}@example.gov.uk appears on lines {lines}" in (
            result.output
        )
    assert f"{path}:6: email new@example.gov.uk appears on lines 2, 6" in result.output
    assert reload("ada@example.gov.uk").full_name == "Ada Lovelace"  # neither row applied
    assert reload("new@example.gov.uk") is None and reload("zed@example.gov.uk") is not None


def test_yes_no_columns_accept_only_documented_values(runner, ada, tmp_path):
    path = write(
        tmp_path,
        "ada@example.gov.uk,Ada Lovelace,official,DCS,,maybe,,",
        "bo@example.gov.uk,Bo,official,DCS,,Y,,",
        "cy@example.gov.uk,Cy,official,DCS,,false,,",
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: is_senior 'maybe' is not yes or no" in result.output
    assert reload("ada@example.gov.uk").is_senior is True  # not taken as "not senior"
    assert reload("bo@example.gov.uk").is_senior is True
    assert reload("cy@example.gov.uk").is_senior is False


def test_dry_run_changes_nothing_and_says_what_would_change(runner, ada, tmp_path):
    path = write(
        tmp_path,
        "ada@example.gov.uk,Ada King,official,DCS,,,2021-02-01,",
        "new@example.gov.uk,New Person,official,DCS,,,,",
    )
    users = db.session.scalar(select(func.count(User.id)))
    audited = db.session.scalar(select(func.count(AuditEntry.id)))
    result = runner.invoke(args=["users", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        f"{path}:2: would update ada@example.gov.uk: full_name Ada Lovelace -> Ada King; "
        "joined_on 2020-01-06 -> 2021-02-01" in result.output
    )
    assert f"{path}:3: would create new@example.gov.uk" in result.output
    assert "Dry run, nothing was changed: 1 would be created, 1 updated" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == users
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audited
    kept = reload("ada@example.gov.uk")
    assert (kept.full_name, kept.joined_on) == ("Ada Lovelace", date(2020, 1, 6))
    rejected = write(tmp_path, "ada@example.gov.uk,Ada,official,DCS,,perhaps,,")
    result = runner.invoke(args=["users", "import", "--dry-run", str(rejected)])
    assert result.exit_code == 1 and "is_senior 'perhaps'" in result.output


@pytest.fixture
def admin_client(client, make_user):
    sign_in(client, make_user("admin", email="boss@example.gov.uk"))
    return client


def upload(client: Any, text: str) -> Any:
    return client.post(
        "/admin/people/roster",
        data={"file": (io.BytesIO(text.encode()), "roster.csv")},
        content_type="multipart/form-data",
    )


def form_parts(page: str) -> tuple[str, str]:
    action = re.search(r'action="(/admin/people/roster/\d+/confirm)"', page).group(1)
    signature = re.search(r'name="signature" value="([0-9a-f]+)"', page).group(1)
    return action, signature


def test_web_import_previews_and_changes_nothing_until_confirmed(admin_client, ada):
    roster = "\n".join([
        HEADER,
        "ada@example.gov.uk,Ada Lovelace,official,DCS,Chief,,,",
        "new@example.gov.uk,New Person,official,DCS,,,,",
        "dup@example.gov.uk,Dup One,official,DCS,,,,",
        "dup@example.gov.uk,Dup Two,official,DCS,,,,",
    ])  # fmt: skip
    preview = upload(admin_client, roster)
    page = unescape(preview.get_data(as_text=True))
    assert "Nothing has been changed yet" in page
    assert "To create (1)" in page and "new@example.gov.uk" in page
    update = page[page.index('id="to-update"') : page.index("Rejected (")]
    assert "job_title" in update and "Director" in update and "Chief" in update
    assert "joined_on" not in update  # the blank cell changes nothing, so it is not listed
    assert "appears on lines 4, 5" in page
    assert reload("ada@example.gov.uk").job_title == "Director"
    assert reload("new@example.gov.uk") is None
    action, signature = form_parts(page)

    forged = admin_client.post(action, data={"signature": "0" * 64})
    assert "The register changed since you previewed" in forged.get_data(as_text=True)
    assert reload("new@example.gov.uk") is None

    done = admin_client.post(action, data={"signature": signature})
    assert "1 created, 1 updated, 0 unchanged, 2 rejected" in unescape(done.get_data(as_text=True))
    assert reload("ada@example.gov.uk").job_title == "Chief"
    assert reload("ada@example.gov.uk").joined_on == date(2020, 1, 6)
    again = admin_client.post(action, data={"signature": signature}, follow_redirects=True)
    assert "already imported" in again.get_data(as_text=True)


def test_the_stored_upload_is_what_is_imported(admin_client, ada, make_user, client):
    page = upload(admin_client, HEADER + "\nnew@example.gov.uk,New,official,DCS,,,,\n")
    action, signature = form_parts(page.get_data(as_text=True))
    stored = db.session.scalar(select(RosterUpload))
    stored.content = stored.content.replace("new@", "evil@")  # changed behind the digest
    db.session.commit()
    refused = admin_client.post(action, data={"signature": signature}, follow_redirects=True)
    assert "does not match its digest" in refused.get_data(as_text=True)
    assert reload("evil@example.gov.uk") is None and reload("new@example.gov.uk") is None


def test_another_administrator_cannot_confirm_my_upload(app, admin_client, make_user, ada):
    page = upload(admin_client, HEADER + "\nnew@example.gov.uk,New,official,DCS,,,,\n")
    action, signature = form_parts(page.get_data(as_text=True))
    other = app.test_client()
    sign_in(other, make_user("admin"))
    refused = other.post(action, data={"signature": signature}, follow_redirects=True)
    assert "upload was not found" in refused.get_data(as_text=True)
    assert reload("new@example.gov.uk") is None


def test_a_change_between_preview_and_confirm_is_previewed_again(admin_client, ada):
    page = upload(
        admin_client, HEADER + "\nada@example.gov.uk,Ada Lovelace,official,DCS,Chief,,,\n"
    )
    action, signature = form_parts(page.get_data(as_text=True))
    person = reload("ada@example.gov.uk")
    person.job_title = "Deputy"  # someone else edits Ada meanwhile
    db.session.commit()
    again = unescape(admin_client.post(action, data={"signature": signature}).get_data(True))
    assert "The register changed since you previewed" in again and "Deputy" in again
    assert reload("ada@example.gov.uk").job_title == "Deputy"


def test_the_api_roster_keeps_what_a_null_leaves_out(client, ada, make_user):
    token = make_token(db.session, make_user("admin"), "hr")[1]
    db.session.commit()
    body = {"officials": [{"email": "ada@example.gov.uk", "full_name": "Ada Lovelace",
                           "role": "official", "joined_on": None, "is_senior": None}]}  # fmt: skip
    response = client.post(
        "/api/v1/roster", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.json
    kept = reload("ada@example.gov.uk")
    assert (kept.joined_on, kept.is_senior, kept.department.code) == (date(2020, 1, 6), True, "DCS")


def test_the_person_form_audits_every_change_with_before_and_after(admin_client, ada, make_user):
    """The details change at once; the compliance role and its departments when a second
    administrator approves, audited then with before and after."""
    other = Department(code="DFE", name="Department for Education")
    db.session.add(other)
    db.session.commit()
    data = {
        "email": "ada@example.gov.uk",
        "full_name": "Ada King",
        "role": "compliance",
        "department_id": "0",
        "job_title": "Reviewer",
        "assigned": [str(other.id)],
    }
    response = admin_client.post(f"/admin/people/{ada.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    details = json.loads(entries("admin.user_updated")[-1].details)
    assert details["before"] == {
        "full_name": "Ada Lovelace",
        "department": "DCS",
        "job_title": "Director",
        "is_senior": True,
        "joined_on": "2020-01-06",
    }
    assert details["after"] == {
        "full_name": "Ada King",
        "department": None,
        "job_title": "Reviewer",
        "is_senior": False,
        "joined_on": None,
    }
    assert reload("ada@example.gov.uk").role == "official"
    second = admin_client.application.test_client()
    sign_in(second, make_user("admin"))
    (request,) = db.session.scalars(select(AccessRequest))
    assert second.post(f"/admin/approvals/{request.id}/approve").status_code == 302
    details = json.loads(entries("admin.user_updated")[-1].details)
    assert details["before"] == {"role": "official", "assigned_departments": []}
    assert details["after"] == {"role": "compliance", "assigned_departments": ["DFE"]}
    assert details["access_request"] == request.id


def test_a_roster_file_past_the_size_limit_is_refused_unread(app, runner, tmp_path):
    from tests.conftest import configure

    configure(app, INGEST_MAX_BYTES=1000)
    roster = tmp_path / "big.csv"
    roster.write_text("email,full_name,role\n" + "x" * 2000 + "\n")
    result = runner.invoke(args=["users", "import", str(roster)])
    assert result.exit_code == 1 and "larger than 1,000 bytes" in result.output
