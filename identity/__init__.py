"""Identity: who the users are and how they prove it.

Users, their role grants and every change to their secrets are recorded as events (streams
``user-{login}``); the secrets themselves live outside the append-only log, in tables an operator
can rotate (``identity_passwords``, ``identity_tokens``, ``identity_sessions``,
``identity_login_failures``), migrated by a history of their own (``identity.migrate``). The use
cases are in ``application/users.py`` and ``application/authentication.py``."""
