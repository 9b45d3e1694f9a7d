"""The demo broker never hands the worker a half-written message (kombu's own filesystem put did, and an
empty message killed the worker in `make run`)."""

import os
import threading
from queue import Empty

import pytest
from django.conf import settings
from kombu import Connection

from wxmall.core import fsbroker


@pytest.fixture
def channel(tmp_path):
    folder = str(tmp_path)
    options = {"data_folder_in": folder, "data_folder_out": folder, "store_processed": False}
    with Connection("filesystem://", transport=fsbroker.Transport, transport_options=options) as conn:
        yield conn.default_channel


def test_the_demo_broker_uses_the_atomic_transport():
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("a real broker is configured")
    assert settings.CELERY_BROKER_TRANSPORT == "wxmall.core.fsbroker:Transport"


def test_a_message_being_written_is_invisible_to_the_reader(channel, monkeypatch):
    seen_while_writing = []
    rename = os.replace

    def inspect_then_rename(src, dst):
        try:
            seen_while_writing.append(channel._get("celery"))
        except Empty:
            seen_while_writing.append(None)
        rename(src, dst)

    monkeypatch.setattr(fsbroker.os, "replace", inspect_then_rename)
    channel._put("celery", {"body": "一条消息"})
    assert seen_while_writing == [None]
    assert channel._get("celery") == {"body": "一条消息"}


def test_a_reader_racing_a_writer_gets_every_message_whole(channel):
    count, received, errors = 300, [], []

    def write():
        for n in range(count):
            channel._put("celery", {"n": n, "pad": "x" * 4096})

    def read():
        while len(received) < count:
            try:
                received.append(channel._get("celery")["n"])
            except Empty:
                continue
            except Exception as exc:  # a torn message: what this transport exists to prevent
                errors.append(exc)
                return

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(received) == list(range(count))
