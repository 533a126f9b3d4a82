"""A real SMTP server (aiosmtpd) on a free local port, and the review scene."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.review.helpers import Scene, build_scene


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """Collects every message the server accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_server(smtp_port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def app_config(smtp_port: int) -> dict[str, Any]:
    return {
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "COMPLIANCE_MAILBOX": "coi@example.gov.uk",
    }


@pytest.fixture
def scene(make_user, department) -> Scene:
    return build_scene(make_user, department)
