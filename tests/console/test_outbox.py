"""The email outbox (MAIL-1, MAIL-2): every email is a row written in the same transaction as the change,
sent by a Celery task after commit, retried with back-off through an SMTP outage, claimed so that it is
sent once, and visible to operators in the Django admin."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.outbox.delivery import outbox_deliver, outbox_due_ids
from console.outbox.models import OutboxMessage
from console.outbox.services import Mail, mail_enqueue, mail_enqueue_bulk, outbox_retry_now
from console.outbox.tasks import outbox_flush
from tests.conftest import Triad
from tests.factories import OutboxMessageFactory, UserFactory

Status = OutboxMessage.Status
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _invite(triad: Triad, *, language: str = "en", **kwargs: Any) -> OutboxMessage | None:
    membership = triad.member_a
    return mail_enqueue(
        to=membership.user.email,
        template="team_invitation",
        language=language,
        reseller=triad.reseller_a,
        context={
            "reseller": triad.reseller_a,
            "membership": membership,
            "link": "http://testserver/accounts/join/abc123/",
            "days": 7,
        },
        **kwargs,
    )


# --- Written in the transaction, sent after commit (MAIL-1, MAIL-2) -------------------------------


def test_message_is_written_in_the_transaction_and_sent_only_after_commit(
    triad: Triad, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            message = _invite(triad)
            assert message is not None
            stored = OutboxMessage.objects.get(pk=message.pk)
            assert stored.status == Status.PENDING
            assert stored.to_email == triad.member_a.user.email
            assert stored.subject == "You are invited to join Alpha Resale in the Reseller Console"
            assert "http://testserver/accounts/join/abc123/" in stored.body_text
            assert 'href="http://testserver/accounts/join/abc123/"' in stored.body_html
            assert "<strong>Alpha Resale</strong>" in stored.body_html
            assert mail.outbox == []  # nothing leaves before the commit
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [triad.member_a.user.email]
    assert sent.subject == stored.subject
    assert sent.body == stored.body_text
    assert sent.alternatives[0][0] == stored.body_html
    assert sent.alternatives[0][1] == "text/html"
    stored.refresh_from_db()
    assert stored.status == Status.SENT
    assert stored.attempts == 1
    assert stored.sent_at is not None


def test_a_bulk_message_is_stored_with_its_context_and_rendered_once_when_sent(
    triad: Triad, django_capture_on_commit_callbacks: Any
) -> None:
    """The job's emails (mail_enqueue_bulk) are rendered by the sender, in the recipient's language,
    to the same text as an email rendered when queued; once rendered, the text is stored and kept."""
    membership = triad.member_a
    context = {
        "reseller": triad.reseller_a,
        "membership": membership,
        "link": "http://testserver/accounts/join/abc123/",
        "days": 7,
    }
    rendered = _invite(triad, language="uk")
    assert rendered is not None
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            mail_enqueue_bulk(
                [Mail(membership.user.email, "team_invitation", context, "uk", triad.reseller_a, "bulk-1")]
            )
            stored = OutboxMessage.objects.get(dedupe_key="bulk-1")
            assert stored.context is not None and stored.subject == "" and stored.body_text == ""
    stored.refresh_from_db()
    assert stored.status == Status.SENT and stored.context is None
    assert (stored.subject, stored.body_text, stored.body_html) == (
        rendered.subject,
        rendered.body_text,
        rendered.body_html,
    )
    sent = mail.outbox[-1]
    assert (sent.subject, sent.body) == (rendered.subject, rendered.body_text)


def test_a_bulk_message_whose_rows_are_gone_fails_without_retrying(triad: Triad) -> None:
    user = UserFactory()
    mail_enqueue_bulk([Mail(user.email, "team_invitation", {"membership": user, "days": 7}, dedupe_key="gone")])
    user.delete()
    message = OutboxMessage.objects.get(dedupe_key="gone")
    assert not outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_error.startswith("KeyError")
    assert mail.outbox == []


def test_message_is_not_written_when_the_transaction_rolls_back(
    triad: Triad, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _invite(triad)
            raise RuntimeError("the change that caused the email failed")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_message_is_rendered_in_the_recipients_language(triad: Triad) -> None:
    ukrainian = _invite(triad, language="uk")
    english = _invite(triad, language="en")
    assert ukrainian is not None and english is not None
    assert ukrainian.language == "uk"
    assert '<html lang="uk">' in ukrainian.body_html
    assert '<html lang="en">' in english.body_html


def test_subject_text_and_html_are_all_rendered_with_the_recipients_translations(
    triad: Triad, settings: Any, tmp_path: Path
) -> None:
    # The project has no Ukrainian catalogue yet, so prove the language reaches all three templates
    # with strings Django itself translates ("Yes" → "Так", "January" → "Січень").
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "probe_subject.txt").write_text('{% load i18n %}{% translate "Yes" %}')
    (tmp_path / "emails" / "probe_body.txt").write_text('{{ when|date:"F" }}')
    (tmp_path / "emails" / "probe_body.html").write_text(
        '{% load i18n %}{% get_current_language as lang %}<p lang="{{ lang }}">{{ when|date:"F" }}</p>'
    )
    templates = [{**django_settings.TEMPLATES[0]}]
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    when = datetime(2026, 1, 15, tzinfo=UTC)

    ukrainian = mail_enqueue(to="a@example.com", template="probe", context={"when": when}, language="uk")
    english = mail_enqueue(to="b@example.com", template="probe", context={"when": when}, language="en")

    assert ukrainian is not None and english is not None
    assert (ukrainian.subject, ukrainian.body_text) == ("Так", "Січень")
    assert ukrainian.body_html == '<p lang="uk">Січень</p>'
    assert (english.subject, english.body_text) == ("Yes", "January")
    assert english.body_html == '<p lang="en">January</p>'


def test_second_enqueue_with_the_same_dedupe_key_returns_none_and_writes_nothing(
    triad: Triad, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _invite(triad, dedupe_key="renewal-reminder:42:2026-03")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            second = _invite(triad, dedupe_key="renewal-reminder:42:2026-03")
            # the duplicate does not poison the caller's transaction
            assert OutboxMessage.objects.count() == 1
    assert first is not None
    assert second is None
    assert callbacks == []
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [first.pk]
    assert len(mail.outbox) == 1


def test_enqueue_does_not_fail_the_users_action_when_the_broker_is_down(
    triad: Triad, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    from console.outbox import tasks

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.outbox_send, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                message = _invite(triad)
        assert len(callbacks) == 1

    assert message is not None
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert mail.outbox == []
    assert outbox_flush.delay().get() == 1  # the periodic flush picks it up
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1


# --- A real SMTP server, an outage, back-off and retries ------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Recorder:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a fixed local port that a test can stop (an outage) and start again."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.recorder = _Recorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        # a stopped Controller has closed its event loop; a restart needs a new one
        self._controller = Controller(self.recorder, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return [
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.original_content, policy=email.policy.default),
            )
            for envelope in self.recorder.envelopes
        ]


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()


def test_message_arrives_at_a_real_smtp_server_with_text_and_html_parts(
    triad: Triad, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = _invite(triad)

    assert message is not None
    assert len(smtp_server.messages) == 1
    recipients, received = smtp_server.messages[0]
    assert recipients == [triad.member_a.user.email]
    assert received["To"] == triad.member_a.user.email
    assert received["Subject"] == "You are invited to join Alpha Resale in the Reseller Console"
    assert received["From"] == django_settings.DEFAULT_FROM_EMAIL
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "http://testserver/accounts/join/abc123/" in text.get_content()
    assert 'href="http://testserver/accounts/join/abc123/"' in html.get_content()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")


def test_an_smtp_outage_loses_nothing_and_the_flush_delivers_once_after_the_back_off(
    triad: Triad, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_server.stop()
    before = timezone.now()

    # The user's action (enqueue and commit) does not raise although SMTP is down.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            message = _invite(triad)
    assert len(callbacks) == 1
    assert message is not None

    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    base = timedelta(seconds=django_settings.OUTBOX_RETRY_BASE_SECONDS)
    assert message.next_attempt_at >= before + base
    assert message.next_attempt_at > timezone.now()
    assert smtp_server.messages == []

    # Not due yet: the flush leaves it alone.
    assert outbox_flush.delay().get() == 0
    message.refresh_from_db()
    assert message.attempts == 1

    smtp_server.start()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        assert outbox_flush.delay().get() == 1
        assert outbox_flush.delay().get() == 0  # a second flush finds nothing left to send

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert message.sent_at is not None
    assert len(smtp_server.messages) == 1
    recipients, received = smtp_server.messages[0]
    assert recipients == [triad.member_a.user.email]
    assert received["Subject"] == message.subject


def test_message_fails_after_the_maximum_attempts_and_retry_now_makes_it_pending_again(
    db: None, smtp_server: SmtpServer, settings: Any
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 3
    base = timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)
    smtp_server.stop()

    with time_machine.travel(START, tick=False) as traveller:
        message = OutboxMessageFactory()
        for attempt in (1, 2, 3):
            attempted_at = timezone.now()
            assert outbox_flush.delay().get() == 1
            message.refresh_from_db()
            assert message.attempts == attempt
            assert "ConnectionRefusedError" in message.last_error
            # exponential back-off: base, 2 × base, 4 × base
            assert message.next_attempt_at == attempted_at + base * 2 ** (attempt - 1)
            if attempt < 3:
                assert message.status == Status.PENDING
                traveller.move_to(message.next_attempt_at - timedelta(seconds=1))
                assert outbox_flush.delay().get() == 0
                traveller.move_to(message.next_attempt_at)
        assert message.status == Status.FAILED

        traveller.shift(timedelta(days=2))
        assert outbox_flush.delay().get() == 0  # a failed message is not retried by itself
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Status.FAILED, 3)

        assert outbox_retry_now(message_ids=[message.pk]) == 1
        message.refresh_from_db()
        assert message.status == Status.PENDING
        assert message.next_attempt_at == timezone.now()

        smtp_server.start()
        assert outbox_flush.delay().get() == 1

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(smtp_server.messages) == 1


# --- The claim: one message is sent once ----------------------------------------------------------


def test_a_second_deliver_of_the_same_message_sends_nothing(db: None) -> None:
    message = OutboxMessageFactory()
    assert outbox_deliver(message_id=message.pk) is True
    assert outbox_deliver(message_id=message.pk) is False
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)


class SlowLocmemBackend(locmem.EmailBackend):
    """Sending takes a while, so parallel workers are all inside outbox_deliver at the same time."""

    def send_messages(self, messages: Any) -> int:
        time.sleep(0.3)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_send_a_message_exactly_once(settings: Any) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.SlowLocmemBackend"
    message = OutboxMessageFactory()
    workers = 4
    barrier = threading.Barrier(workers)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(outbox_deliver(message_id=message.pk))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)


def test_stale_sending_claims_are_released_by_the_flush(db: None) -> None:
    with time_machine.travel(START, tick=False):
        crashed = OutboxMessageFactory(status=Status.SENDING, attempts=1, claimed_at=START - timedelta(minutes=11))
        busy = OutboxMessageFactory(status=Status.SENDING, attempts=1, claimed_at=START - timedelta(minutes=9))
        assert outbox_due_ids() == [crashed.pk]
        crashed.refresh_from_db()
        busy.refresh_from_db()
        assert (crashed.status, crashed.claimed_at) == (Status.PENDING, None)
        assert busy.status == Status.SENDING
        assert outbox_flush.delay().get() == 1

    busy.refresh_from_db()
    assert busy.status == Status.SENDING
    crashed.refresh_from_db()
    assert (crashed.status, crashed.attempts) == (Status.SENT, 2)
    assert [sent.to for sent in mail.outbox] == [[crashed.to_email]]


# --- Operators: the Django admin ------------------------------------------------------------------


@pytest.fixture
def operator_client(db: None) -> Client:
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_operator_sees_the_outbox_with_status_attempts_and_error(operator_client: Client) -> None:
    OutboxMessageFactory(
        subject="Renewal reminder", status=Status.FAILED, attempts=8, last_error="SMTPServerDisconnected"
    )
    response = operator_client.get(reverse("admin:outbox_outboxmessage_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Renewal reminder" in page
    assert "Failed" in page


def test_operator_opens_a_message_and_its_link_is_clickable(operator_client: Client) -> None:
    message = OutboxMessageFactory(
        body_text="Hello <Ann>,\nchoose your password: http://testserver/accounts/join/abc123/\n",
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    response = operator_client.get(reverse("admin:outbox_outboxmessage_change", args=[message.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<a href="http://testserver/accounts/join/abc123/"' in page
    assert "Hello &lt;Ann&gt;," in page  # the rest of the body is still escaped
    assert "Connection refused" in page


def test_retry_now_admin_action_sends_a_failed_message_again(
    operator_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    failed = OutboxMessageFactory(status=Status.FAILED, attempts=8, last_error="SMTP down")
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            reverse("admin:outbox_outboxmessage_changelist"),
            {"action": "retry_now", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 message queued to be sent again."]
    failed.refresh_from_db()
    assert failed.status == Status.SENT
    assert failed.attempts == 9
    assert [sent.to for sent in mail.outbox] == [[failed.to_email]]
