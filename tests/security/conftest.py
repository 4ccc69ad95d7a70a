"""Fixtures of the security tests (the real stack is tests/conftest.py's `stack`)."""
from __future__ import annotations

import pytest


@pytest.fixture()
def rest_channel():
    """A factory of in-process guarded REST channels (tests/security/channels.py)."""
    from tests.security.channels import InProcessRest

    made = []

    def make(*args, **kwargs):
        made.append(InProcessRest(*args, **kwargs))
        return made[-1]

    yield make
    for channel in made:
        channel.close()
