"""One entry point for every import format: recognise the layout, parse, check duplicates.

``parse_import(content)`` works out the layout (a JSON object is a FHIR
Bundle; a CSV header names its register), runs that importer and then rejects
records whose ``(source, record id)`` already appeared earlier in the same file,
so "the same record twice" is reported instead of silently keeping one.
"""

from __future__ import annotations

from dataclasses import replace

from careplans.errors import UnreadableFileError
from careplans.fhir import LAYOUT as FHIR_LAYOUT
from careplans.fhir import parse_bundle
from careplans.model import ImportRecord, ParsedBatch, RowError
from careplans.registers import CSV_LAYOUTS, decode, layout_for_header, parse_csv, read_header

LAYOUTS: tuple[str, ...] = (FHIR_LAYOUT, *(layout.name for layout in CSV_LAYOUTS))
"""Every layout name ``parse_import`` accepts."""


def detect_layout(content: str | bytes) -> str:
    """The layout of a file's content.

    Raises:
        UnreadableFileError: neither JSON nor a known register's CSV header.
    """
    text = decode(content) if isinstance(content, bytes) else content
    if not text.strip():
        raise UnreadableFileError("empty file", 1)
    if text.lstrip().startswith("{"):
        return FHIR_LAYOUT
    layout = layout_for_header(read_header(text))
    if layout is None:
        raise UnreadableFileError(
            "not a FHIR Bundle (JSON) and the header matches no known register layout", 1
        )
    return layout.name


def parse_import(
    content: str | bytes, *, layout: str | None = None, source: str | None = None
) -> ParsedBatch:
    """Parse one import file.

    Args:
        content: the file's bytes or text.
        layout: one of ``LAYOUTS``; recognised from the content when ``None``.
        source: the source name; each layout has a default.

    Returns:
        The records to store and the rows rejected, with their lines.

    Raises:
        UnreadableFileError: the file as a whole cannot be read.
        ValueError: ``layout`` is not one of ``LAYOUTS``.
    """
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; one of {', '.join(LAYOUTS)}")
    chosen = layout or detect_layout(content)
    if chosen == FHIR_LAYOUT:
        batch = parse_bundle(content, source=source)
    else:
        csv_layout = next(c for c in CSV_LAYOUTS if c.name == chosen)
        batch = parse_csv(content, layout=csv_layout, source=source)
    return _without_repeats(batch)


def _without_repeats(batch: ParsedBatch) -> ParsedBatch:
    first_line: dict[str, int] = {}
    kept: list[ImportRecord] = []
    errors = list(batch.errors)
    for record in batch.records:
        key = record.plan.source_record_id
        if key in first_line:
            errors.append(
                RowError(record.line, f"record id repeated (first on line {first_line[key]})")
            )
            continue
        first_line[key] = record.line
        kept.append(record)
    if len(kept) == len(batch.records):
        return batch
    return replace(batch, records=tuple(kept), errors=tuple(errors))
