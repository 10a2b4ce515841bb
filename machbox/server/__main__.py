import sys

from machbox.server.main import main

sys.exit(main())
