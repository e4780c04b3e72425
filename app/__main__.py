"""``python -m app`` runs the ``syncdesk`` command line."""

import sys

from app.cli import main

sys.exit(main())
