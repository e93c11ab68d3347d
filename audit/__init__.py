"""Audit: exports of the event log that an auditor can verify without the database, the
verifier itself, and printable exports of a nomination's trail.

``audit.spec`` and ``audit.verifier`` (and ``audit.offline``, which reads an export
directory) need only the standard library and ``cryptography``: they re-implement the hashing
rules on their own rather than importing the event store's, so that one mistake cannot hide in
code shared by the writer and the checker. A test holds them to that.
"""
