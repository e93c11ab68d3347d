"""A fixed payload key for tests: recorded histories committed to the repository are
encrypted with it, so the replay tests can decode them. Never a production key."""

import base64

TEST_PAYLOAD_KEYS = "test:" + base64.b64encode(bytes(range(32))).decode()
