"""``python -m layers.briefing``: see :mod:`layers.briefing.cli`."""

from layers.briefing.cli import main

raise SystemExit(main())
