"""Import Keras (and TensorFlow) once, quietly: TensorFlow's native start-up
logging (oneDNN notices, CUDA probing on machines without a GPU) is filtered
out of stderr; anything else written there is passed through."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

NATIVE_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]"
    r"|To enable the following instructions:)"
)


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Capture file descriptor 2 and replay it without TensorFlow's native log lines."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, fd)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines() if not NATIVE_NOISE.match(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
                sys.stderr.flush()


with quiet_native_stderr():
    import keras  # noqa: E402
    import tensorflow  # noqa: E402, F401  # the backend: its import is what logs

    # A multi-worker strategy must exist before TensorFlow's runtime starts,
    # which the device listing below does (see modelspec.distribute.prepare).
    if "modelspec.distribute" in sys.modules:
        sys.modules["modelspec.distribute"].before_devices()
    # Device discovery also logs (CUDA probing); do it now, inside the filter.
    tensorflow.config.list_logical_devices()

__all__ = ["keras", "quiet_native_stderr"]
