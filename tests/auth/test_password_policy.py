"""The password policy (NCSC, NIST SP 800-63B): at least 12 characters not counting padding, no
composition rules, no common or easily guessed password, not the person's own name or email,
not the current password; the same rule wherever a password is chosen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from register.auth.passwords import check_password, hash_password, password_problem
from register.extensions import db
from register.models import AuditEntry
from tests.conftest import PASSWORD, sign_in

NAME, EMAIL = "Priya Ramanathan", "priya.ramanathan@example.gov.uk"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("password1234", "too easy to guess"),
        ("Password1234!", "too easy to guess"),
        ("qwertyuiop12", "too easy to guess"),
        (" " * 11 + "1", "at least 12 characters"),
        ("   short-pw-1   ", "at least 12 characters"),
        ("ramanathan-kettle-orbit", "your name or email"),
        ("Priya-tangerine-77", "your name or email"),
        ("priya.ramanathan@example", "your name or email"),
    ],
)
def test_weak_and_personal_passwords_are_refused(password, problem):
    found = password_problem(password, user_inputs=(NAME, EMAIL))
    assert found is not None and problem in found, found


def test_a_password_may_be_long_but_not_without_limit():
    assert password_problem("x" * 201) == "Password must be 200 characters or fewer"


def test_the_current_password_is_refused():
    current = hash_password("staple-orbit-lantern-42")
    found = password_problem("staple-orbit-lantern-42", current_hash=current)
    assert found == "Password must be different from your current password"


@pytest.mark.parametrize(
    "password",
    [
        "staple orbit lantern",  # a passphrase: no digits or symbols needed
        "correct-horse-battery-9",
        "  tangerine kettle orbit  ",  # padding allowed, not counted
        "moorhen glacier pancake",
        "heddlu ffôn tegell glas",  # any Unicode
        "a long sentence about moorhens, glaciers and pancakes that goes on " * 2,  # 136
    ],
)
def test_good_passphrases_are_accepted_without_composition_rules(password):
    assert password_problem(password, user_inputs=(NAME, EMAIL)) is None


def change(client, new):
    return client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("password1234", "Password is too easy to guess"),
        (" " * 11 + "1", "Password must be at least 12 characters"),
        (PASSWORD, "Password must be different from your current password"),
        ("priya-ramanathan-2026", "Password must not contain your name or email address"),
        ("priya.ramanathan", "Password must not contain your name or email address"),
    ],
)
def test_the_change_password_form_applies_the_policy(client, make_user, new, message):
    official = make_user("official", email=EMAIL, full_name=NAME)
    sign_in(client, official)
    response = change(client, new)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and 'id="new_password-error"' in page
    db.session.refresh(official)
    assert check_password(official.password_hash, PASSWORD)


def test_a_good_passphrase_is_accepted(client, make_user):
    official = make_user("official", email=EMAIL, full_name=NAME)
    sign_in(client, official)
    assert change(client, "moorhen glacier pancake").status_code == 302
    db.session.refresh(official)
    assert check_password(official.password_hash, "moorhen glacier pancake")
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "auth.password_changed")
    )


def test_the_hint_says_what_the_policy_is(client, make_user):
    sign_in(client, make_user("official"))
    page = client.get("/auth/password").get_data(as_text=True)
    assert "At least 12 characters" in page and "common password" in page
    assert "mixing letters" not in page
