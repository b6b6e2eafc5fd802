import sys

from segserver.cli import main

sys.exit(main())
