"""``python -m geodata.templates``: write the import templates (XLSX and CSV).

The short command offices use, kept when the code moved into its sub-package: it runs
:func:`geodata.records.templates.main`.
"""

import sys

from geodata.records.templates import main

if __name__ == "__main__":
    sys.exit(main())
