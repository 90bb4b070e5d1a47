"""``python -m geodata.auth``: create the first administrator and manage users.

The short command offices use, kept when the code moved into its sub-package: it runs
:func:`geodata.access.auth.main`.
"""

import sys

from geodata.access.auth import main

if __name__ == "__main__":
    sys.exit(main())
