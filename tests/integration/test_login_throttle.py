"""Login throttling slows password guessing without locking the owner out (real database, injected clock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from mediaws.config import Settings
from mediaws.errors import ConfigError, InvalidCredentials, SessionExpired, TooManyAttempts, ValidationError
from mediaws.models import AuthSession, LoginAttempt, User
from mediaws.models.base import utcnow
from mediaws.security.client_address import client_address, parse_networks, throttle_key
from mediaws.security.passwords import hash_password
from mediaws.services import accounts, tokens

PASSWORD = "marble-canyon-river-88"
NEW_PASSWORD = "quiet-meadow-falcon-19"
PASSWORD_HASH = hash_password(PASSWORD)
OWNER_ADDRESS = "198.51.100.10"
ATTACKER_ADDRESS = "203.0.113.66"


class Clock:
    """A clock the test moves by hand, so waits pass without sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock starting now."""
    return Clock()


def add_account(session: Session, email: str = "owner@example.com") -> User:
    user = User(email=email, password_hash=PASSWORD_HASH)
    session.add(user)
    session.commit()
    return user


def log_in(
    session: Session,
    settings: Settings,
    clock: Clock | None,
    *,
    client: str,
    email: str = "owner@example.com",
    password: str = PASSWORD,
) -> accounts.LoginResult:
    """Log in, on the test's clock if it has one (else the real one)."""
    timing = {"clock": clock} if clock is not None else {}
    return accounts.log_in(
        session=session, settings=settings, email=email, password=password, client=client, **timing
    )


def guess(
    session: Session,
    settings: Settings,
    clock: Clock | None,
    *,
    client: str,
    email: str = "owner@example.com",
) -> str:
    """One wrong password; returns "wrong" or "throttled"."""
    try:
        log_in(session, settings, clock, client=client, email=email, password="wrong-guess-123")
    except InvalidCredentials:
        return "wrong"
    except TooManyAttempts:
        return "throttled"
    raise AssertionError("a wrong password logged in")


def test_owner_gets_in_from_their_address_while_an_attacker_is_throttled(
    session: Session, settings: Settings
) -> None:
    user = add_account(session)
    log_in(session, settings, None, client=OWNER_ADDRESS)
    outcomes = [guess(session, settings, None, client=ATTACKER_ADDRESS) for _ in range(12)]
    assert outcomes[:5] == ["wrong"] * 5
    assert set(outcomes[5:]) == {"throttled"}
    result = log_in(session, settings, None, client=OWNER_ADDRESS)
    assert result.user.id == user.id
    assert accounts.user_for_token(session=session, token=result.token).id == user.id


def test_five_wrong_passwords_elsewhere_do_not_stop_the_owner_on_a_new_address(
    session: Session, settings: Settings
) -> None:
    user = add_account(session)
    for _ in range(6):
        guess(session, settings, None, client=ATTACKER_ADDRESS)
    assert log_in(session, settings, None, client=OWNER_ADDRESS).user.id == user.id


def test_owner_on_a_new_address_waits_at_most_the_small_account_delay(
    session: Session, make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings(login_account_failures_before_delay=10, login_account_max_delay_seconds=30)
    user = add_account(session)
    for number in range(40):
        clock.advance(31)
        assert guess(session, settings, clock, client=f"203.0.113.{number}") == "wrong"
    with pytest.raises(TooManyAttempts) as caught:
        log_in(session, settings, clock, client="192.0.2.200")
    assert 0 < caught.value.retry_after <= 30
    assert "second" in str(caught.value)
    clock.advance(caught.value.retry_after)
    assert log_in(session, settings, clock, client="192.0.2.200").user.id == user.id


def test_waits_grow_for_an_address_that_keeps_guessing_one_account(
    session: Session, make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings(
        login_first_delay_seconds=30, login_max_delay_seconds=900, login_window_minutes=60
    )
    add_account(session)
    for _ in range(5):
        assert guess(session, settings, clock, client=ATTACKER_ADDRESS) == "wrong"
    waits = []
    for _ in range(4):
        with pytest.raises(TooManyAttempts) as caught:
            log_in(session, settings, clock, client=ATTACKER_ADDRESS)
        waits.append(caught.value.retry_after)
        clock.advance(caught.value.retry_after)
        assert guess(session, settings, clock, client=ATTACKER_ADDRESS) == "wrong"
    assert waits == [30, 60, 120, 240]


def test_twenty_failures_from_one_address_do_not_lock_other_accounts_from_another(
    session: Session, settings: Settings
) -> None:
    clock = None
    victim = add_account(session, "victim@example.com")
    for number in range(20):
        assert (
            guess(session, settings, clock, client=ATTACKER_ADDRESS, email=f"guess{number}@example.com")
            == "wrong"
        )
    assert guess(session, settings, clock, client=ATTACKER_ADDRESS, email="victim@example.com") == "throttled"
    result = log_in(session, settings, clock, client=OWNER_ADDRESS, email="victim@example.com")
    assert result.user.id == victim.id


def test_owner_sharing_the_attackers_address_still_gets_in_to_their_own_account(
    session: Session, settings: Settings
) -> None:
    """An office NAT: a colleague guesses other accounts, the owner logged in from here before."""
    clock = None
    owner = add_account(session)
    log_in(session, settings, clock, client=ATTACKER_ADDRESS)
    for number in range(25):
        guess(session, settings, clock, client=ATTACKER_ADDRESS, email=f"guess{number}@example.com")
    assert log_in(session, settings, clock, client=ATTACKER_ADDRESS).user.id == owner.id


def test_throttled_attempts_are_not_checked_or_recorded(
    session: Session, settings: Settings, clock: Clock
) -> None:
    add_account(session)
    for _ in range(5):
        guess(session, settings, clock, client=ATTACKER_ADDRESS)
    with pytest.raises(TooManyAttempts):
        log_in(session, settings, clock, client=ATTACKER_ADDRESS)
    assert len(session.exec(select(LoginAttempt)).all()) == 5
    assert session.exec(select(AuthSession)).all() == []


def test_ipv6_clients_are_counted_per_64_network(session: Session, settings: Settings, clock: Clock) -> None:
    add_account(session)
    for host in range(5):
        assert guess(session, settings, clock, client=f"2001:db8:1:2::{host + 1}") == "wrong"
    assert guess(session, settings, clock, client="2001:db8:1:2:ffff::9") == "throttled"
    assert guess(session, settings, clock, client="2001:db8:1:3::1") == "wrong"


def test_change_password_checks_are_throttled(session: Session, settings: Settings, clock: Clock) -> None:
    user = add_account(session)
    outcomes = []
    for _ in range(7):
        try:
            accounts.change_password(
                session=session,
                settings=settings,
                user_id=user.id,
                current_password="wrong-guess-123",
                new_password=NEW_PASSWORD,
                client=ATTACKER_ADDRESS,
                clock=clock,
            )
        except ValidationError:
            outcomes.append("wrong")
        except TooManyAttempts:
            outcomes.append("throttled")
    assert outcomes == ["wrong"] * 5 + ["throttled"] * 2
    with pytest.raises(TooManyAttempts):
        accounts.change_password(
            session=session,
            settings=settings,
            user_id=user.id,
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            client=ATTACKER_ADDRESS,
            clock=clock,
        )
    session.refresh(user)
    assert accounts.LOCAL.authenticate(session=session, email=user.email, password=PASSWORD).id == user.id


def test_password_change_keeps_access_tokens_and_ends_other_sessions(
    session: Session, settings: Settings, clock: Clock
) -> None:
    user = add_account(session)
    phone = log_in(session, settings, clock, client=OWNER_ADDRESS)
    made = tokens.create_token(session=session, user_id=user.id, name="ci")
    laptop = log_in(session, settings, clock, client=OWNER_ADDRESS)
    ended = accounts.change_password(
        session=session,
        settings=settings,
        user_id=user.id,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        client=OWNER_ADDRESS,
        current_token=laptop.token,
        clock=clock,
    )
    assert ended == 1
    session.expire_all()
    with pytest.raises(SessionExpired):
        accounts.user_for_token(session=session, token=phone.token)
    assert accounts.user_for_token(session=session, token=laptop.token).id == user.id
    assert tokens.user_for_pat(session=session, token=made.plaintext).id == user.id


def test_old_failures_and_successes_are_purged_on_login(
    session: Session, settings: Settings, clock: Clock
) -> None:
    add_account(session)
    session.add(LoginAttempt(email="a@example.com", client="x", created_at=clock.now - timedelta(days=2)))
    session.add(LoginAttempt(email="b@example.com", client="x", created_at=clock.now - timedelta(hours=2)))
    session.add(
        LoginAttempt(
            email="c@example.com", client="x", succeeded=True, created_at=clock.now - timedelta(days=31)
        )
    )
    session.add(
        LoginAttempt(
            email="d@example.com", client="x", succeeded=True, created_at=clock.now - timedelta(days=29)
        )
    )
    session.commit()
    log_in(session, settings, clock, client=OWNER_ADDRESS)
    emails = sorted(a.email for a in session.exec(select(LoginAttempt)).all())
    assert emails == ["b@example.com", "d@example.com", "owner@example.com"]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        ("10.0.0.5", "203.0.113.9", [], "10.0.0.5"),
        ("10.0.0.5", "203.0.113.9", ["10.0.0.0/8"], "203.0.113.9"),
        ("10.0.0.5", "6.6.6.6, 203.0.113.9", ["10.0.0.0/8"], "203.0.113.9"),
        ("10.0.0.5", "203.0.113.9, 10.0.0.7", ["10.0.0.0/8"], "203.0.113.9"),
        ("198.51.100.1", "203.0.113.9", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.5", "", ["10.0.0.0/8"], "10.0.0.5"),
        ("10.0.0.5", "not-an-ip", ["10.0.0.0/8"], "10.0.0.5"),
        ("::1", "[2001:db8::7]:4711", ["::1"], "2001:db8::7"),
        ("::ffff:10.0.0.5", "203.0.113.9:5555", ["10.0.0.5"], "203.0.113.9"),
    ],
)
def test_forwarded_for_decides_the_client_only_behind_a_trusted_proxy(
    peer: str, forwarded_for: str, trusted: list[str], expected: str
) -> None:
    assert client_address(peer, forwarded_for, parse_networks(trusted)) == expected


def test_forwarded_for_from_an_untrusted_peer_cannot_dodge_the_throttle(
    session: Session, settings: Settings, clock: Clock
) -> None:
    add_account(session)
    for number in range(8):
        spoofed = client_address(
            ATTACKER_ADDRESS, f"192.0.2.{number}", parse_networks(settings.trusted_proxies)
        )
        outcome = guess(session, settings, clock, client=spoofed)
    assert outcome == "throttled"


def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_apart(
    session: Session, make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings(trusted_proxies="127.0.0.1, 10.0.0.0/8")
    owner = add_account(session)
    proxies = parse_networks(settings.trusted_proxies)
    for _ in range(8):
        guess(session, settings, clock, client=client_address("127.0.0.1", ATTACKER_ADDRESS, proxies))
    owner_address = client_address("127.0.0.1", f"{OWNER_ADDRESS}, 10.1.2.3", proxies)
    assert owner_address == OWNER_ADDRESS
    assert log_in(session, settings, clock, client=owner_address).user.id == owner.id
    assert throttle_key(owner_address) == OWNER_ADDRESS


def test_trusted_proxies_setting_refuses_garbage(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ConfigError, match="not-a-network"):
        make_settings(trusted_proxies="10.0.0.0/8,not-a-network")
