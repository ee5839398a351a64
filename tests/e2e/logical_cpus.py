"""Run modelspec's CLI with the CPU split into N logical devices (for `mirrored` tests).

    python tests/e2e/logical_cpus.py N run SPEC ...

TensorFlow fixes its devices when its runtime starts, so the split has to
come first, in a process of its own.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    import tensorflow as tf

    count = int(sys.argv[1])
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)

    from modelspec.cli.main import main

    sys.exit(main(sys.argv[2:]))
