"""``python -m geodata.validate``: check a cases, crossings or shelters file and print its report.

The short command offices use, kept when the code moved into its sub-package: it runs
:func:`geodata.records.validate.main`.
"""

import sys

from geodata.records.validate import main

if __name__ == "__main__":
    sys.exit(main())
