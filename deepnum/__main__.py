"""``python -m deepnum`` runs the ``deepnum`` command."""

import sys

from deepnum.cli import main

sys.exit(main())
