"""``python -m ecocity`` runs the ``ecocity`` command."""

from ecocity.cli import main

raise SystemExit(main())
