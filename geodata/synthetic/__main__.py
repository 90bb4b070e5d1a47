"""``python -m geodata.synthetic``: the command line of :mod:`geodata.synthetic`."""

from geodata.synthetic import main

raise SystemExit(main())
