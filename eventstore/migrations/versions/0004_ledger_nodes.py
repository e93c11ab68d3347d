"""The roots of the ledger's perfect Merkle subtrees, so that a proof reads O(log n) rows.

Revision ID: 0004_ledger_nodes
Revises: 0003_merkle
Create Date: 2026-12-04

Written by hand and frozen: later changes go in new revisions, never here.

``ledger_nodes`` holds, for each perfect subtree of ``level`` 4 and above (16 leaves and more)
that lies inside a signed checkpoint's tree, its root: SHA-256 node hashes as in
eventstore/merkle.py. The sealer writes them when it computes a checkpoint's tree root; a ledger
sealed before this revision gets them at the next checkpoint after the worker starts (the
sealer then walks every leaf once). They are a cache: a proof made from them is checked against
the signed root before it is handed out. Append-only like the ledger, all the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_ledger_nodes"
down_revision: str | None = "0003_merkle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_ledger_nodes"),
        sa.CheckConstraint("level BETWEEN 4 AND 62", name="ck_ledger_nodes_level"),
        sa.CheckConstraint("idx >= 0", name="ck_ledger_nodes_idx"),
        sa.CheckConstraint("octet_length(hash) = 32", name="ck_ledger_nodes_hash"),
    )
    op.execute("""
        CREATE TRIGGER ledger_nodes_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_nodes
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
    """)


def downgrade() -> None:
    op.drop_table("ledger_nodes")
