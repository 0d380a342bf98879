"""merge the aggregation topics: file loads, pull sources, schedules and deletions, quality

Revision ID: 0013
Revises: 0009, 0010, 0011, 0012
Create Date: 2026-11-25 12:20:00
"""
from __future__ import annotations

revision = '0013'
down_revision = ('0009', '0010', '0011', '0012')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
