"""The embedded demo's Celery broker: kombu's filesystem transport with an atomic put.

kombu's own `_put` creates the message file and only then writes it, and its `_get` takes any `*.msg`
file it lists without a lock, so a worker could read a message that was still empty and die on the JSON
(seen in `make run`). Here a message is written under a name the reader skips and renamed into place,
which is atomic on POSIX: a reader sees a whole message or none."""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The name kombu gives a message, so the reader's ordering (oldest first) and matching hold.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        path = os.path.join(self.data_folder_out, name)
        partial = path + ".part"  # `_get` matches names ending in ".<queue>.msg" only
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, path)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {path!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
