"""Sending our letters by e-mail over SMTP (Python's smtplib), one connection per stage.

A send ends one of three ways, and the caller journals which: the server accepted the
message; it refused it (`MailRefused`: it did not go out, sending again is safe); or the
connection ended once the message was being handed over (`MailUnsure`: the server may
have accepted it, so sending again could give the customer a second e-mail).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from types import TracebackType

__all__ = ["MailError", "MailRefused", "MailUnsure", "Mailer", "SmtpConfig"]

TIMEOUT_S = 60.0


class MailError(Exception):
    """An e-mail that was not accepted."""


class MailRefused(MailError):
    """The e-mail certainly did not go out (no connection, login refused, the server said no)."""


class MailUnsure(MailError):
    """The connection ended after the message was handed over: it may have gone out."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # a secret: never shown


class Mailer:
    """One SMTP connection, opened on the first send and again after the server closed it."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send(self, message: EmailMessage) -> None:
        """Hand `message` to the server; raises MailRefused or MailUnsure."""
        sender, recipient = str(message["From"]), str(message["To"])
        for attempt in (1, 2):
            smtp = self._connected()
            try:
                _check(smtp.mail(_address(sender)))
                _check(smtp.rcpt(_address(recipient)))
            except smtplib.SMTPResponseException as exc:
                self._reset(smtp)
                raise MailRefused(_said(exc.smtp_code, exc.smtp_error)) from None
            except OSError as exc:  # smtplib's other errors are OSErrors too
                # A connection the server closed while idle: nothing was handed over yet.
                self.close()
                if attempt == 2:
                    raise MailRefused(f"the mail server closed the connection ({exc})") from None
                continue
            break
        self._data(smtp, message)

    def _data(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        try:
            # SMTP ends lines with CRLF; smtplib sends bytes as they are.
            code, reply = smtp.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
        except smtplib.SMTPDataError as exc:  # the server answered DATA or the message: no
            self._reset(smtp)
            raise MailRefused(_said(exc.smtp_code, exc.smtp_error)) from None
        except OSError as exc:  # a lost connection, a timeout
            self.close()
            raise MailUnsure(f"the connection to the mail server ended ({exc})") from None
        if code != 250:  # smtplib raises for any other code; kept for a reader's peace
            raise MailRefused(_said(code, reply))

    def _connected(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        config = self.config
        smtp = smtplib.SMTP(timeout=TIMEOUT_S)
        try:
            smtp.connect(config.host, config.port)
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.user:
                smtp.login(config.user, config.password or "")
            smtp.ehlo_or_helo_if_needed()
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise MailRefused(
                f"the mail server {config.host} refused the login of DUNNING_SMTP_USER "
                f"{config.user} ({_said(exc.smtp_code, exc.smtp_error)}); check "
                "DUNNING_SMTP_USER and DUNNING_SMTP_PASSWORD"
            ) from None
        except OSError as exc:  # smtplib's errors are OSErrors too
            smtp.close()
            raise MailRefused(
                f"cannot reach the mail server {config.host}:{config.port} ({exc})"
            ) from None
        self._smtp = smtp
        return smtp

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()


def _check(answer: tuple[int, bytes]) -> None:
    code, reply = answer
    if code not in (250, 251):
        raise smtplib.SMTPResponseException(code, reply)


def _address(header: str) -> str:
    return parseaddr(header)[1] or header


def _said(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"the mail server answered {code} {' '.join(text.split())}"
