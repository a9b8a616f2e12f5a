import sys

from spot_otel.cli import main

sys.exit(main())
