"""`python -m cloudstorage_contract.spark`, and the file `spark-submit` runs (see `job`)."""

import sys
import traceback

from cloudstorage_contract.spark.job import main

if __name__ == "__main__":
    try:
        code = main()
    except Exception:  # noqa: BLE001 - any failure is exit status 2, as for `check`
        traceback.print_exc()
        code = 2
    sys.exit(code)
