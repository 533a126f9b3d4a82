"""Reminders (issue 12, item 13): at most one per official per cycle per day, whichever button
(or the schedule) sends it; the page shows when each person was last reminded; "Remind everyone
overdue" asks first and says how many; banners say "queued" until the email is sent."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from register.clock import utcnow
from register.completeness import reminders
from register.extensions import db
from register.models import OutboundEmail, Reminder
from register.models.email import SENT
from tests.completeness.mix import TODAY
from tests.conftest import sign_in


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Reminder.id))) or 0


@pytest.fixture
def officer(client, mix, make_user):
    sign_in(client, make_user("compliance"))
    return client


def person_row(page: str, key: str) -> str:
    rows = re.findall(r'<tr class="govuk-table__row">.*?</tr>', page, re.S)
    return next(r for r in rows if f'class="govuk-body-s">{key}@example.gov.uk' in r)


def flashes(client) -> str:
    with client.session_transaction() as session:
        return str(session.get("_flashes", []))


def test_one_reminder_a_day_whichever_button(officer, mix, runner):
    url = f"/completeness/cycles/{mix.cycle.id}/reminders"
    f = mix.people["f"]
    assert officer.post(url, data={"official_id": f.id}).status_code == 302
    assert "queued" in flashes(officer) and "sent" not in flashes(officer).split("queued")[0]
    officer.post(url, data={"official_id": f.id})  # the same button again
    assert count() == 1
    assert "already reminded today" in flashes(officer)
    officer.post(url, data={"department_id": mix.dcs.id, "confirmed": "yes"})
    reminded = db.session.scalars(select(Reminder.email_to).where(Reminder.official_id == f.id))
    assert list(reminded) == ["f@example.gov.uk"]  # "remind everyone" skipped f today
    before = count()
    result = runner.invoke(args=["notify", "reminders", "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    per_day = db.session.execute(
        select(Reminder.official_id, func.count(Reminder.id))
        .where(Reminder.sent_on == TODAY)
        .group_by(Reminder.official_id)
    ).all()
    assert all(n == 1 for _, n in per_day) and count() >= before


def test_the_database_refuses_a_second_reminder_on_one_day(app, mix, make_user):
    person = next(
        reminders.people(
            db.session, mix.cycle, today=TODAY, joiner_days=28, official_ids=[mix.people["g"].id]
        )
    )
    actor = make_user("compliance")
    reminders.send(db.session, mix.cycle, person, today=TODAY, actor=actor)
    # Another request that read "not reminded today" before the first one committed:
    db.session.add(
        Reminder(
            cycle_id=mix.cycle.id,
            official_id=person.official_id,
            kind="manual",
            email_to=person.email,
            sent_on=TODAY,
        )
    )
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_remind_everyone_overdue_asks_first_and_says_how_many(officer, mix):
    page_url = f"/completeness/cycles/{mix.cycle.id}/departments/{mix.dcs.id}"
    department = officer.get(page_url + "?status=overdue").get_data(as_text=True)
    assert f'href="{page_url}/remind-overdue"' in department
    url = f"/completeness/cycles/{mix.cycle.id}/reminders"
    unconfirmed = officer.post(url, data={"department_id": mix.dcs.id})
    assert unconfirmed.status_code == 302 and unconfirmed.location.endswith("/remind-overdue")
    assert count() == 0
    officer.post(url, data={"official_id": mix.people["f"].id})
    confirm = unescape(officer.get(page_url + "/remind-overdue").get_data(as_text=True))
    assert "A reminder email will be queued for 3 overdue officials" in confirm
    assert "1 overdue official was already reminded today" in confirm
    assert "Send 3 reminders" in confirm
    officer.post(url, data={"department_id": mix.dcs.id, "confirmed": "yes"})
    assert count() == 4
    assert "3 reminders queued" in flashes(officer)


def test_the_page_shows_when_each_person_was_last_reminded(officer, mix, app):
    url = f"/completeness/cycles/{mix.cycle.id}/reminders"
    officer.post(url, data={"official_id": mix.people["f"].id})
    page_url = f"/completeness/cycles/{mix.cycle.id}/departments/{mix.dcs.id}?status=overdue"
    page = unescape(officer.get(page_url).get_data(as_text=True))
    row = person_row(page, "f")
    assert "(queued)" in row and "Reminded today" in row
    other = person_row(page, "g")
    assert "Never" in other
    assert re.search(r"govuk-tag--grey\">\s*Queued", page)
    assert not re.search(r"govuk-tag--green\">\s*Sent", page)
    email = db.session.scalar(select(OutboundEmail))
    email.status, email.sent_at = SENT, utcnow()  # what the outbox sender records
    db.session.commit()
    page = unescape(officer.get(page_url).get_data(as_text=True))
    row = person_row(page, "f")
    assert "(sent)" in row and "(queued)" not in row
    assert re.search(r"govuk-tag--green\">\s*Sent", page)
