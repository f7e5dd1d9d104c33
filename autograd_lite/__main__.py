"""``python -m autograd_lite``: the same command line as the ``autograd-lite`` script."""

import sys

from autograd_lite.cli import main

if __name__ == "__main__":
    sys.exit(main())
