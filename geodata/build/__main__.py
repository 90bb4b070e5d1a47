"""``python -m geodata.build``: the command line of :mod:`geodata.build`."""

from geodata.build import main

raise SystemExit(main())
