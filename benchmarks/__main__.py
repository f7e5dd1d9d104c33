"""``python -m benchmarks``: run every workload and print the table."""

from benchmarks.run import main

raise SystemExit(main())
