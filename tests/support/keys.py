"""A fixed payload key for tests: recorded histories committed to the repository are
encrypted with it, so the replay tests can decode them. Never a production key."""

import base64

TEST_PAYLOAD_KEYS = "test:" + base64.b64encode(bytes(range(32))).decode()

#: The installation secret of test contexts (``application.context.Context``'s default): ids
#: and command digests are keyed with it. Never a production key.
TEST_ID_KEY = b"nhansu-test-id-key"
#: The same, as ``NHANSU_ID_KEY`` gives it to a command-line or worker process.
TEST_ID_KEY_B64 = base64.b64encode(TEST_ID_KEY).decode()
