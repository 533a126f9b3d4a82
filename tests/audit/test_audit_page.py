"""The audit log page: who may see it, filters, pages and chain verification."""

from register.audit.log import record
from register.extensions import db
from tests.audit.tamper import as_database_owner
from tests.conftest import sign_in


def test_audit_log_page(client, make_user):
    auditor = make_user("auditor")
    official = make_user("official")
    for n in range(60):
        record(db.session, "test.event", f"Event {n}", object_type="thing", object_id=n)
    db.session.commit()

    sign_in(client, official)
    assert client.get("/audit/").status_code == 403
    client.post("/auth/sign-out")

    sign_in(client, auditor)
    page = client.get("/audit/").text
    assert "Event 59" in page and "Event 5<" not in page and "Older" in page
    older = client.get("/audit/?before=20").text
    assert "Event 0" in older and "Event 59" not in older
    filtered = client.get("/audit/?action=test.event&object_type=thing&actor=system").text
    assert "60 entries" in filtered
    assert "0 entries" in client.get("/audit/?actor=nobody").text
    assert "0 entries" in client.get("/audit/?from=2000-01-01&to=2000-01-02").text
    assert "Chain intact" in client.get("/audit/?verify=1").text

    db.session.commit()
    as_database_owner("UPDATE audit_entry SET summary = 'forged' WHERE summary = 'Event 7'")
    assert "Chain broken at entry" in client.get("/audit/?verify=1").text


def test_admin_sees_audit_log(client, make_user):
    sign_in(client, make_user("admin"))
    assert client.get("/audit/").status_code == 200
