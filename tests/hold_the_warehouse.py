"""Hold a published warehouse's lock as a running build does, until stdin closes or this is killed.

    python tests/hold_the_warehouse.py WAREHOUSE_FILE

Prints "held" once it holds it. For the tests of builds and rollbacks that meet a build running."""

import sys
from pathlib import Path

from warehouse.publishing import one_writer

with one_writer(Path(sys.argv[1]), "build run 1234", wait=False):
    print("held", flush=True)
    sys.stdin.read()
