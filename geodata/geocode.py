"""``python -m geodata.geocode``: find the Kemendagri unit of a place name.

The short command offices use, kept when the code moved into its sub-package: it runs
:func:`geodata.reference.geocode.main`.
"""

import sys

from geodata.reference.geocode import main

if __name__ == "__main__":
    sys.exit(main())
