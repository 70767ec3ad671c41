"""The contract of Alibaba Cloud IoT `order/get` (API 1.0.6), made executable.

The classes are the Rust crate's validator, compiled into this package: every verdict comes
from the same code as the `cloudstorage-contract` command line, never from Python.

>>> from cloudstorage_contract import Validator
>>> report = Validator().validate(b'{"code": "200"}')
>>> report
<Report response: violates, 1 error, 0 warnings>
>>> report.diagnostics[0].rule, report.diagnostics[0].pointer
('wrong-type', '/code')

`Validator.profile_arrow` gathers the `TrafficProfile` of an Arrow array of payloads: what the
traffic carries and how it covers the contract, as `cloudstorage-contract profile` does.

>>> import pyarrow as pa
>>> profile = Validator().profile_arrow(pa.array([b'{"code": "200"}', None]), files="a.ndjson")
>>> profile
<TrafficProfile 1 payloads (0 requests, 1 responses, 0 unknown), 1 errors, 0 warnings>
>>> profile.to_dict()["rules"]["wrong-type"]["first"]
{'file': 'a.ndjson', 'line': 1}

`cloudstorage_contract.spark` checks (or profiles) the payloads of a Spark DataFrame, and
`python -m cloudstorage_contract.spark` checks NDJSON files on a Spark cluster.
"""

from ._native import Diagnostic, Exchange, Report, TrafficProfile, Validator, __version__

__all__ = ["Diagnostic", "Exchange", "Report", "TrafficProfile", "Validator", "__version__"]
