"""`python -m nostr_tui` runs the `nostr-tui` command."""

import sys

from .main import main

sys.exit(main())
