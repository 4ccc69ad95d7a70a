"""Loan records: models, migrations, import, audit trail, read views.

Imports nothing else of ours; see docs/records.md.
"""
