"""Checkpoints carry the RFC 6962 Merkle tree root of the ledger.

Revision ID: 0003_merkle
Revises: 0003_stored_bytes (made beside it from 0002; chained after it at merge)
Create Date: 2026-12-04

Written by hand and frozen: later changes go in new revisions, never here.

``checkpoints.tree_root`` (hex, NULL for checkpoints signed before this revision) is the root of
the Merkle tree whose leaves are the ledger's event hashes in ledger order (eventstore/merkle.py).
A checkpoint with a tree root signs it on the C2SP root line. Existing ledgers need no
rewriting: their leaves are the stored event hashes, so the next seal signs a checkpoint with
the tree root over the whole existing ledger, after recomputing it; older checkpoints keep
verifying as they were signed. Adding a nullable column rewrites no row, so the append-only
trigger is not involved.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_merkle"
down_revision: str | None = "0003_stored_bytes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("checkpoints", sa.Column("tree_root", sa.Text(), nullable=True))
    op.create_check_constraint("ck_checkpoints_tree_root", "checkpoints",
                               "tree_root IS NULL OR tree_root ~ '^[0-9a-f]{64}$'")


def downgrade() -> None:
    op.drop_constraint("ck_checkpoints_tree_root", "checkpoints", type_="check")
    op.drop_column("checkpoints", "tree_root")
