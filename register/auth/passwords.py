"""Argon2 password hashing, and the password policy (NCSC and NIST SP 800-63B).

The policy: at least MIN_LENGTH characters not counting leading and trailing spaces; no
composition rules; no password that is common or easy to guess (zxcvbn estimates it offline,
with its lists of common and leaked passwords, names and words); none made of the person's
own name or email address; not the current password.
"""

import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

# OWASP's Argon2id setting (19 MiB, 2 passes, 1 lane): ~20 ms a sign-in. The library default
# (64 MiB, 3 passes, 4 lanes) costs ~150 ms of both cores here and starved other requests under
# load (bench/load.py). Hashes record their own parameters, so older ones still verify.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

MIN_LENGTH = 12
MAX_LENGTH = 200
# zxcvbn's scores run 0-4; 3 is "safely unguessable: moderate protection from offline attacks".
MIN_STRENGTH = 3
# Name and email parts shorter than this are left to zxcvbn ("Li", "gov").
_MIN_PART = 4
_PART_SEPARATORS = re.compile(r"[^\w]+|_")
POLICY_HINT = (
    f"At least {MIN_LENGTH} characters. A few unrelated words make a good password. Do not use "
    "a common password, your name or your email address."
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's (rehash at sign-in)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def _personal_parts(user_inputs: Iterable[str]) -> set[str]:
    """The words of the person's name and email address, lower-cased, and the whole of each."""
    parts = set()
    for value in user_inputs:
        value = value.strip().lower()
        if not value:
            continue
        parts.add(value)
        local = value.split("@", 1)[0]
        parts.add(local)
        parts.update(_PART_SEPARATORS.split(value))
    return {part for part in parts if len(part) >= _MIN_PART}


def password_problem(
    password: str, *, user_inputs: Iterable[str] = (), current_hash: str | None = None
) -> str | None:
    """Say what is wrong with a new password, or None when it is acceptable.

    `user_inputs` are the person's name and email address; `current_hash` their password's
    hash, if they have one."""
    if len(password.strip()) < MIN_LENGTH:
        return (
            f"Password must be at least {MIN_LENGTH} characters, not counting spaces at the "
            "start or end"
        )
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    personal = _personal_parts(user_inputs)
    lowered = password.lower()
    if any(part in lowered for part in personal):
        return "Password must not contain your name or email address"
    if current_hash and check_password(current_hash, password):
        return "Password must be different from your current password"
    estimate = zxcvbn(password, user_inputs=sorted(personal), max_length=MAX_LENGTH)
    if estimate["score"] < MIN_STRENGTH:
        return (
            "Password is too easy to guess: it is a common password or close to one. "
            "Use a few unrelated words"
        )
    return None
