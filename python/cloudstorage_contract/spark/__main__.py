"""`python -m cloudstorage_contract.spark`, and the file `spark-submit` runs (see `job`)."""

import sys

from cloudstorage_contract.spark.job import main

if __name__ == "__main__":
    sys.exit(main())
