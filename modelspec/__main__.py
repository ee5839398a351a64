"""python -m modelspec → cli.main."""

from modelspec.cli.main import main

raise SystemExit(main())
