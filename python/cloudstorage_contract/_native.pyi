"""Type stubs of the compiled module; the classes are re-exported by `cloudstorage_contract`."""

import os
from typing import Any, Iterator, Literal, Optional, Union

import pyarrow

__version__: str

class Diagnostic:
    """One finding: the rule it breaks, where, and what is wrong."""

    @property
    def rule(self) -> str:
        """The rule's id, such as `"wrong-type"`."""
    @property
    def severity(self) -> Literal["error", "warning"]:
        """After the profile and any levels."""
    @property
    def pointer(self) -> str:
        """The RFC 6901 JSON Pointer of the offending value (`""` for the whole document)."""
    @property
    def line(self) -> int:
        """The 1-based line in the payload."""
    @property
    def column(self) -> int:
        """The 1-based column in the payload, in characters."""
    @property
    def message(self) -> str:
        """What is wrong: the value and what was expected."""
    @property
    def hint(self) -> Optional[str]:
        """A likely cause or a way out, when one is known."""

class Report:
    """The verdict on one payload; a payload that breaks the contract is a report, not an error."""

    @property
    def conforms(self) -> bool:
        """No errors (warnings allowed)."""
    @property
    def errors(self) -> int: ...
    @property
    def warnings(self) -> int: ...
    @property
    def dropped(self) -> int:
        """Findings left out over the maximum kept (100)."""
    @property
    def kind(self) -> Optional[Literal["request", "response"]]:
        """`None` when the payload is not an object that tells."""
    @property
    def diagnostics(self) -> list[Diagnostic]: ...
    def to_dict(self, file: str = "<stdin>", line: Optional[int] = None) -> dict[str, Any]:
        """One payload object of `check --format json`, for a payload of `file` starting on
        `line` (an NDJSON line; `None` for a whole file)."""

class Exchange:
    """A request's and its response's reports."""

    @property
    def request(self) -> Report: ...
    @property
    def response(self) -> Report:
        """The response on its own, plus any `exchange-mismatch` with the request."""
    @property
    def conforms(self) -> bool: ...

class Validator:
    """A compiled contract: build it once, validate any number of payloads from any thread."""

    def __init__(
        self,
        time_zone: Optional[str] = None,
        strict: bool = False,
        levels: Optional[dict[str, Literal["allow", "warn", "deny"]]] = None,
    ) -> None:
        """Raises `ValueError` with the command line's message for a bad argument."""
    def validate(
        self,
        payload: Union[bytes, str],
        kind: Literal["auto", "request", "response"] = "auto",
    ) -> Report: ...
    def validate_exchange(
        self, request: Union[bytes, str], response: Union[bytes, str]
    ) -> Exchange: ...
    def check_arrow(
        self, values: Union[pyarrow.Array, pyarrow.ChunkedArray], jobs: Optional[int] = None
    ) -> pyarrow.RecordBatch:
        """One row per value: `conforms`, `errors`, `warnings`, `diagnostics`; a null value
        gets a null row. A `ChunkedArray` (a table's column) is combined into one array
        first."""
    def profile_arrow(
        self,
        values: Union[pyarrow.Array, pyarrow.ChunkedArray],
        files: Union[str, pyarrow.Array, pyarrow.ChunkedArray, None] = None,
        lines: Union[pyarrow.Array, pyarrow.ChunkedArray, None] = None,
        kind: Literal["auto", "request", "response"] = "auto",
        jobs: Optional[int] = None,
        cap: Optional[int] = None,
    ) -> TrafficProfile:
        """The profile of every non-null value, read as `check_arrow` reads them. Each value's
        origin is its file (`files`: one name, default `"<stdin>"`, or one string per value)
        and its line (`lines`: one integer per value, null for a whole file; `None` numbers
        the values from 1). `cap` bounds each open table (default 1024 keys)."""
    def scan_ndjson(
        self,
        content: Union[pyarrow.Array, str, os.PathLike[str]],
        file: str,
        rows: Literal["all", "findings", "violations"] = "findings",
        profile: bool = False,
        cap: Optional[int] = None,
        batch: int = 65536,
        jobs: int = 1,
    ) -> NdjsonScan:
        """Splits, numbers and validates one NDJSON file's payloads as `check` reads them:
        `content` holds the file's bytes as its one value, or is the file's path (read 1 MiB
        at a time); a `.gz` `file` is decompressed, every member; a line over 16 MiB is
        `check`'s `too-large` finding, never read whole;
        the rows `rows` keeps come out in batches of at most `batch`; `jobs` threads validate
        (the same rows, counts and profile whatever it is)."""

class NdjsonScan(Iterator[pyarrow.RecordBatch]):
    """The rows of one file (`file`, `line`, then `check_arrow`'s columns), batch by batch."""

    def __iter__(self) -> NdjsonScan: ...
    def __next__(self) -> pyarrow.RecordBatch: ...
    @property
    def counts(self) -> tuple[int, int, int, int, int]:
        """`(payloads, conforming, violating, errors, warnings)` of every payload read."""
    @property
    def profile(self) -> Optional[TrafficProfile]:
        """The profile of every payload read, with `profile=True`."""

class TrafficProfile:
    """What a body of traffic carries and how it covers the contract; profiles of parts merge
    into the profile of the whole, in any order. Compared with `==`; not hashable."""

    def __init__(self, cap: Optional[int] = None) -> None:
        """An empty profile whose open tables keep at most `cap` keys (default 1024)."""
    @property
    def cap(self) -> int: ...
    @property
    def payloads(self) -> int:
        """The payloads profiled, of every kind and verdict."""
    def merge(self, other: TrafficProfile) -> None:
        """Adds `other` into this profile, in place; `other` is left as it was."""
    def to_json(self, pretty: bool = False) -> str:
        """The versioned JSON form (`"version": 1`, `"contract": "1.0.6"`), as the command
        line writes it."""
    def to_dict(self) -> dict[str, Any]:
        """The JSON form as Python values: `json.loads(self.to_json())`."""
    @classmethod
    def from_json(cls, json: Union[str, bytes]) -> TrafficProfile:
        """Reads the JSON form back; `ValueError` for anything else, another format version
        or another contract version included."""
    def to_text(self, width: int = 100) -> str:
        """The profile as terminal tables fitting `width` columns, as `profile` prints them."""
    def to_markdown(self) -> str:
        """The profile as GitHub-flavoured markdown, as `profile --format markdown` prints it."""
    def to_html(self) -> str:
        """The profile as one self-contained HTML page, as `profile --format html` prints it."""
    def _repr_html_(self) -> str:
        """Jupyter's rich display: the HTML page."""

def summary_json(
    payloads: int,
    conforming: int,
    violating: int,
    errors: int,
    warnings: int,
    skipped: int = 0,
) -> str:
    """The summary object of `check --format json`, as JSON text."""
