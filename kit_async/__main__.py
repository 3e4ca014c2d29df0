"""`python -m kit_async`: the `kit-async` command line."""

import sys

from ._entry import console

if __name__ == "__main__":
    sys.exit(console())
