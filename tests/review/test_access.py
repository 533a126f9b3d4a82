"""Who may see and decide flags: officials their own (read-only), auditors read, admins none."""

from register.extensions import db
from register.models import Decision
from tests.conftest import sign_in


def _decide(client, flag_id, outcome="not_same_organisation", reason="Different company"):
    return client.post(
        f"/review/flags/{flag_id}/decide", data={"outcome": outcome, "reason": reason}
    )


def test_official_sees_only_own_flag_read_only(client, scene, make_user):
    flag_id = scene.flag.id
    sign_in(client, scene.official)
    assert client.get("/review/").status_code == 403
    page = client.get(f"/review/flags/{flag_id}").get_data(as_text=True)
    assert "Morning Lane" in page and "Record decision" not in page
    assert _decide(client, flag_id).status_code == 403
    declaration = client.get(f"/declarations/{scene.declaration.id}").get_data(as_text=True)
    assert "Possible conflicts found" in declaration and "Awaiting review" in declaration

    stranger = make_user("official")
    client.post("/auth/sign-out")
    sign_in(client, stranger)
    assert client.get(f"/review/flags/{flag_id}").status_code == 404


def test_auditor_reads_but_cannot_decide(client, scene):
    sign_in(client, scene.auditor)
    assert "Morning Lane" in client.get("/review/").get_data(as_text=True)
    page = client.get(f"/review/flags/{scene.flag.id}").get_data(as_text=True)
    assert "Record decision" not in page
    assert _decide(client, scene.flag.id).status_code == 403
    assert client.get("/review/dashboard").status_code == 200
    assert db.session.query(Decision).count() == 0


def test_admin_cannot_see_or_decide(client, scene):
    sign_in(client, scene.admin)
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/flags/{scene.flag.id}").status_code == 403
    assert _decide(client, scene.flag.id).status_code == 403


def test_officer_of_another_department_gets_404(client, scene, make_user):
    from register.admin.services import create_department

    elsewhere = create_department(db.session, "HMT", "Treasury", None)
    outsider = make_user("compliance")
    outsider.assigned_departments = [elsewhere]
    db.session.commit()
    sign_in(client, outsider)
    assert "Morning Lane" not in client.get("/review/").get_data(as_text=True)
    assert client.get(f"/review/flags/{scene.flag.id}").status_code == 404
    assert _decide(client, scene.flag.id).status_code == 404
