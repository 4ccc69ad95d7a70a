"""Everything here trains or loads a Rasa model (the shipped one or a small one of its own): the rasa lane."""
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/rasa/" in str(item.fspath):
            item.add_marker(pytest.mark.rasa)
