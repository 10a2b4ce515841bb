import sys

from machbox.cli import main

sys.exit(main())
