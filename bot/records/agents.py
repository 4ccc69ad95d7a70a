"""Console agents: bcrypt-hashed passwords and server-side sessions.

A session token is 32 random bytes given to the browser once; the database
keeps only its SHA-256, so a leaked database backup opens no sessions. bcrypt
is slow on purpose; an unknown username is checked against a dummy hash so
response times do not tell which usernames exist.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import bcrypt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import audit
from .errors import RecordError
from .models import AGENT_ROLES, Agent, AgentSession
from .types import utcnow

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 72  # bcrypt ignores bytes after 72
SESSION_TTL = timedelta(hours=12)
_DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds=12))


def _check_password(password: str) -> bytes:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password.encode("utf-8")) <= MAX_PASSWORD:
        raise RecordError(f"password must be {MIN_PASSWORD}-{MAX_PASSWORD} bytes")
    return password.encode("utf-8")


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME_RE.match(name):
        raise RecordError("username must be 2-64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
    return name


def find_agent(session: Session, username: str) -> Agent | None:
    try:
        name = normalise_username(username)
    except RecordError:
        return None
    return session.execute(select(Agent).where(Agent.username == name)).scalar_one_or_none()


def create_agent(session: Session, username: str, password: str, role: str = "agent") -> Agent:
    """Add a console user (audited; the password is never logged)."""
    name = normalise_username(username)
    if role not in AGENT_ROLES:
        raise RecordError(f"role must be one of {', '.join(AGENT_ROLES)}, got {role!r}")
    hashed = bcrypt.hashpw(_check_password(password), bcrypt.gensalt(rounds=12)).decode("ascii")
    if find_agent(session, name) is not None:
        raise RecordError(f"agent {name!r} already exists")
    agent = Agent(username=name, password_hash=hashed, role=role, active=True)
    session.add(agent)
    session.flush()
    audit.append(session, actor="system", kind="record_change",
                 payload={"change": "agent_created", "username": name, "role": role})
    return agent


def set_password(session: Session, username: str, password: str) -> Agent:
    agent = find_agent(session, username)
    if agent is None:
        raise RecordError(f"no agent {username!r}")
    agent.password_hash = bcrypt.hashpw(_check_password(password), bcrypt.gensalt(rounds=12)).decode("ascii")
    session.execute(delete(AgentSession).where(AgentSession.agent_pk == agent.id))
    audit.append(session, actor="system", kind="record_change",
                 payload={"change": "agent_password_set", "username": agent.username})
    session.flush()
    return agent


def set_active(session: Session, username: str, active: bool) -> Agent:
    """Disable (or re-enable) an agent; disabling ends their sessions."""
    agent = find_agent(session, username)
    if agent is None:
        raise RecordError(f"no agent {username!r}")
    if agent.active != active:
        agent.active = active
        if not active:
            session.execute(delete(AgentSession).where(AgentSession.agent_pk == agent.id))
        audit.append(session, actor="system", kind="record_change",
                     payload={"change": "agent_active", "username": agent.username, "active": active})
        session.flush()
    return agent


def authenticate(session: Session, username: str, password: str) -> Agent | None:
    """The active agent with this username and password, else None."""
    agent = find_agent(session, username)
    given = (password or "").encode("utf-8")[:MAX_PASSWORD]
    stored = agent.password_hash.encode("ascii") if agent is not None else _DUMMY_HASH
    matches = bcrypt.checkpw(given, stored)
    if agent is None or not agent.active or not matches:
        return None
    return agent


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(session: Session, agent: Agent, ttl: timedelta = SESSION_TTL,
                   now: datetime | None = None) -> str:
    """A new login for `agent`; returns the token for the cookie (stored hashed)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(AgentSession(token_hash=_token_hash(token), agent_pk=agent.id, created_at=now,
                             expires_at=now + ttl))
    # Expired rows are dead weight; drop them while we are here.
    session.execute(delete(AgentSession).where(AgentSession.expires_at < now))
    session.flush()
    return token


def session_agent(session: Session, token: str | None, now: datetime | None = None) -> Agent | None:
    """The active agent a session token belongs to, or None (unknown, expired, disabled)."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(AgentSession).where(AgentSession.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if row is None or row.expires_at <= (now or utcnow()) or not row.agent.active:
        return None
    return row.agent


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(AgentSession).where(AgentSession.token_hash == _token_hash(token)))
        session.flush()


def list_agents(session: Session) -> list[dict]:
    rows = session.execute(select(Agent).order_by(Agent.username)).scalars()
    return [{"username": a.username, "role": a.role, "active": a.active} for a in rows]


def ensure_demo_agents(url: str, names: dict[str, str] | None = None) -> dict[str, str]:
    """Create the demo console users that are missing; {username: generated password} of those created.

    `make run` prints the passwords once; existing users keep theirs.
    """
    from .db import make_engine, make_session_factory, transaction

    names = names or {"supervisor": "supervisor", "agent": "agent"}
    engine = make_engine(url)
    created: dict[str, str] = {}
    try:
        with transaction(make_session_factory(engine)) as session:
            for username, role in names.items():
                if find_agent(session, username) is None:
                    password = secrets.token_urlsafe(12)
                    create_agent(session, username, password, role=role)
                    created[username] = password
    finally:
        engine.dispose()
    return created
