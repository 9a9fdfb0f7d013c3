"""``python -m ecocity.cli`` runs the ``ecocity`` command."""

from ecocity.cli import main

raise SystemExit(main())
