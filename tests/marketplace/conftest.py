import re
import shutil
import tempfile
from pathlib import Path

import pytest

from marketplace import sms

CODE_IN_TEXT = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def code_sent_to(phone: str) -> str:
    """The code in the newest SMS sent to `phone` (the outbox is this process's)."""
    texts = [message.text for message in sms.outbox() if message.phone == phone]
    assert texts, f"no SMS was sent to {phone}"
    match = CODE_IN_TEXT.search(texts[-1])
    assert match, texts[-1]
    return match.group(1)


@pytest.fixture
def sms_code_of():
    return code_sent_to


@pytest.fixture
def postgres_data_dir():
    """A data directory for an embedded PostgreSQL, in a folder of its own. Not pytest's
    tmp_path: its folders are closed to other users, and as root the server runs as
    `nobody`, who must reach the data directory."""
    parent = Path(tempfile.mkdtemp(prefix="mp-pg-test-"))
    parent.chmod(0o755)
    yield parent / "postgres"
    shutil.rmtree(parent, ignore_errors=True)
