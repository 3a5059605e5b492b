"""`medfin pseudonymise`: an extract with real CPR numbers in contract form with keyed pseudonyms.

A region runs this on its own machine before anything reaches medfin: every `person_id` column of
every contract table is replaced by `P` + 20 letters derived from HMAC-SHA256(key, CPR number).
The same CPR number and key always give the same pseudonym (so persons, residence and activity
still join, and next month's extract joins this month's); without the key nobody can go back. The
key comes from the environment (`MEDFIN_PSEUDONYM_KEY`) or a key file kept outside the repository
and the output; it is never written to the output, the manifest or any message.

The pseudonym uses the letters a-p only (hex digits mapped to letters), so it can never look like
a CPR number to the staging rule, and it matches the contract's person_id pattern.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from medfin import __version__
from medfin.contract import load_contract
from medfin.extract import MANIFEST_NAME, read_manifest, sha256_file
from medfin.project import project_dir

KEY_ENV = "MEDFIN_PSEUDONYM_KEY"
MIN_KEY_BYTES = 32
PSEUDONYM_LETTERS = 20
_CPR = re.compile(r"^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{6}$")
_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "ghijklmnopabcdef")


class PseudonymiseError(RuntimeError):
    """The extract cannot be pseudonymised (the message never holds a CPR number or the key)."""


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    persons: int


def load_key(key_file: Path | None) -> bytes:
    """The key from `key_file` or $MEDFIN_PSEUDONYM_KEY; refused when short or in the project."""
    if key_file is not None:
        path = key_file.resolve()
        if path.is_relative_to(project_dir().resolve()):
            raise PseudonymiseError(
                f"the key file {key_file} lies inside the project; keep it outside the repository"
            )
        try:
            key = path.read_bytes().strip()
        except OSError as exc:
            raise PseudonymiseError(
                f"cannot read the key file {key_file}: {exc.strerror}"
            ) from None
    else:
        key = os.environ.get(KEY_ENV, "").strip().encode()
        if not key:
            raise PseudonymiseError(f"no key: set ${KEY_ENV} or give --key-file PATH")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymiseError(f"the key must be at least {MIN_KEY_BYTES} bytes long")
    return key


def pseudonym(cpr: str, key: bytes) -> str:
    """The pseudonym of one CPR number (digits only, with or without the dash)."""
    digits = cpr.replace("-", "").strip()
    if not _CPR.match(digits):
        raise ValueError("not a CPR number")
    digest = hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()
    return "P" + digest[:PSEUDONYM_LETTERS].translate(_HEX_TO_LETTERS)


def pseudonymise_extract(extract: Path, out: Path, key: bytes) -> Summary:
    """Write `out`: the extract with every person_id pseudonymised and a manifest to match."""
    extract = extract.resolve()
    out = Path(os.path.abspath(out))
    if out == extract or out.is_relative_to(extract):
        raise PseudonymiseError("--out must be a new folder outside the extract")
    if out.exists() and any(out.iterdir()):
        raise PseudonymiseError(f"{out} exists and is not empty; give a new folder")
    manifest = read_manifest(extract)
    contract = load_contract()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    persons: set[str] = set()
    rows = 0
    try:
        entries = dict(manifest["tables"])
        for name, entry in entries.items():
            source = extract / entry["file"]
            target = work / entry["file"]
            table = contract.tables.get(name)
            if table is None or "person_id" not in table.column_names:
                shutil.copyfile(source, target)
                continue
            data = _read(source)
            column = data.column("person_id").to_pylist()
            replaced = []
            for row, value in enumerate(column, start=1):
                if value is None:
                    replaced.append(None)
                    continue
                try:
                    replaced.append(pseudonym(str(value), key))
                except ValueError:
                    raise PseudonymiseError(
                        f"{entry['file']}, row {row}, column person_id: not a CPR number"
                        " (10 digits, ddmmyy and four, with or without a dash); nothing was written"
                    ) from None
            persons.update(p for p in replaced if p is not None)
            index = data.schema.get_field_index("person_id")
            data = data.set_column(index, "person_id", pa.array(replaced, pa.string()))
            _write(data, target, source)
            rows += data.num_rows
            entries[name] = {**entry, "rows": data.num_rows, "sha256": sha256_file(target)}
        written = {
            **manifest,
            "tables": entries,
            "pseudonymised_by": f"medfin {__version__} pseudonymise (HMAC-SHA256, keyed)",
        }
        (work / MANIFEST_NAME).write_text(json.dumps(written, indent=2), encoding="utf-8")
        if out.exists():
            out.rmdir()
        work.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Summary(tables=len(entries), rows=rows, persons=len(persons))


def _read(path: Path) -> pa.Table:
    if path.suffix.lower() == ".parquet":
        return pq.read_table(path)
    contract = load_contract()
    # Every CSV column as text: only person_id changes, the rest is written back as delivered.
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\r\n").split(contract.csv_delimiter)
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=contract.csv_delimiter),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=True
        ),
    )


def _write(data: pa.Table, target: Path, source: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.suffix.lower() == ".parquet":
        pq.write_table(data, target)
        return
    contract = load_contract()
    pacsv.write_csv(
        data,
        target,
        write_options=pacsv.WriteOptions(delimiter=contract.csv_delimiter, quoting_style="needed"),
    )
