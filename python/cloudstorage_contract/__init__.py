"""The contract of Alibaba Cloud IoT `order/get` (API 1.0.6), made executable.

The classes are the Rust crate's validator, compiled into this package: every verdict comes
from the same code as the `cloudstorage-contract` command line, never from Python.

>>> from cloudstorage_contract import Validator
>>> report = Validator().validate(b'{"code": "200"}')
>>> report
<Report response: violates, 1 error, 0 warnings>
>>> report.diagnostics[0].rule, report.diagnostics[0].pointer
('wrong-type', '/code')

`cloudstorage_contract.spark` checks the payloads of a Spark DataFrame, and
`python -m cloudstorage_contract.spark` checks NDJSON files on a Spark cluster.
"""

from ._native import Diagnostic, Exchange, Report, Validator, __version__

__all__ = ["Diagnostic", "Exchange", "Report", "Validator", "__version__"]
