"""A real SMTP server for tests (aiosmtpd on a free loopback port) that keeps every message
it accepted, and can be told to misbehave the way mail servers do.

`Mailbox.started()` is the factory; `env()` gives a run's DUNNING_SMTP_* settings for it.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["Mailbox"]


@dataclass
class Mailbox:
    """What the server accepted, and the faults to come (by the number of the message)."""

    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)  # (from, to)
    drop_after_accepting: set[int] = field(default_factory=set)  # keep it, then hang up
    refuse: set[int] = field(default_factory=set)  # answer 451 to the message: not kept
    on_accepted: Callable[[EmailMessage], None] | None = None
    _seen: int = 0

    login: tuple[str, str] | None = None  # (user, password) the server requires
    logins: int = 0

    @classmethod
    @contextlib.contextmanager
    def started(cls, login: tuple[str, str] | None = None) -> Iterator[Mailbox]:
        """A server on a free port; with `login`, it offers AUTH and counts the logins
        that give that user and password (`logins`)."""
        box = cls(port=_free_port(), login=login)
        controller = Controller(
            box,
            hostname="127.0.0.1",
            port=box.port,
            authenticator=box._authenticate if login else None,
            auth_require_tls=False,  # loopback; a real server asks for STARTTLS first
        )
        controller.start()
        try:
            yield box
        finally:
            controller.stop()

    def env(self, sender: str = "Muster AG <buchhaltung@example.ch>") -> dict[str, str]:
        """A run's settings for this server."""
        found = {
            "DUNNING_SMTP_HOST": "127.0.0.1",
            "DUNNING_SMTP_PORT": str(self.port),
            "DUNNING_SMTP_STARTTLS": "false",
            "DUNNING_SMTP_FROM": sender,
        }
        if self.login:
            found["DUNNING_SMTP_USER"], found["DUNNING_SMTP_PASSWORD"] = self.login
        return found

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if data is not None else None
        ok = isinstance(data, LoginPassword) and given == self.login
        self.logins += ok
        return AuthResult(success=ok)

    def use(self, monkeypatch: Any) -> None:
        for name, value in self.env().items():
            monkeypatch.setenv(name, value)

    def by_recipient(self) -> dict[str, list[EmailMessage]]:
        found: dict[str, list[EmailMessage]] = {}
        for message in self.received:
            found.setdefault(str(message["To"]), []).append(message)
        return found

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """aiosmtpd's hook: the message has arrived whole."""
        self._seen += 1
        number = self._seen
        if number in self.refuse:
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.on_accepted is not None:
            self.on_accepted(message)
        if number in self.drop_after_accepting:
            server.transport.close()  # the answer never reaches the run
        return "250 2.0.0 queued"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
