import sys

from cocoview.cli import main

sys.exit(main())
