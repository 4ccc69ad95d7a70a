"""No phone number or date of birth reaches an application log."""
import logging

from bot.redact import install, redact


def test_phones_and_dates_are_masked():
    text = "borrower +254 712 345 678 born 1991-04-17 or 17/04/1991 or 17 April 1991 owes KES 13,860.00"
    out = redact(text)
    for secret in ("712 345 678", "1991-04-17", "17/04/1991", "17 April 1991"):
        assert secret not in out
    assert "KES 13,860.00" in out


def test_installed_factory_rewrites_every_record(caplog):
    install()
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("sent to %s", "+12025550143")
    assert "+12025550143" not in caplog.text and "[phone]" in caplog.text
