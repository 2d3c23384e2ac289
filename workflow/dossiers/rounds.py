"""What changed between two submissions of a dossier (after a return, or a referral back): the fields, from the
history's data snapshots, and the files, from each attachment's round."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .kinds.base import display_value
from .models import Attachment, Dossier


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    rows_removed: list[str] = field(default_factory=list)  # for a list of rows: the rows as read
    rows_added: list[str] = field(default_factory=list)


@dataclass
class RoundDiff:
    round: int  # the later submission
    submitted_at: datetime | None  # None: the union's edits not yet submitted
    fields: list[FieldChange]
    files_added: list[Attachment]

    @property
    def empty(self) -> bool:
        return not self.fields and not self.files_added


def _row_text(model, row: dict) -> str:
    return "; ".join(v for v in (display_value(model, name, row.get(name)) for name in model.model_fields) if v)


def field_changes(kind, before: dict, after: dict) -> list[FieldChange]:
    changes = []
    for name in kind.field_names():
        old, new = before.get(name), after.get(name)
        if (old in (None, "", [])) and (new in (None, "", [])) or old == new:
            continue
        change = FieldChange(name, kind.label(name), display_value(kind.Data, name, old),
                             display_value(kind.Data, name, new))
        rows = kind.row_model(name)
        if rows:
            old_rows = [_row_text(rows, r) for r in old or []]
            new_rows = [_row_text(rows, r) for r in new or []]
            change.rows_removed = [r for r in old_rows if r not in new_rows]
            change.rows_added = [r for r in new_rows if r not in old_rows]
        changes.append(change)
    return changes


def round_diffs(kind, dossier: Dossier, up_to_round: int, attachments: list[Attachment],
                live_data: dict | None = None) -> list[RoundDiff]:
    """Each submission after the first compared with the one before, newest first; with `live_data`, the edits
    since the last submission too (what the union is about to send again)."""
    snapshots = {}
    for row in dossier.events:
        if row.event == "submit" and row.data_snapshot is not None and row.round <= up_to_round:
            snapshots[row.round] = (row.data_snapshot, row.at)
    diffs = []
    for number in sorted(snapshots)[1:]:
        if number - 1 in snapshots:
            before, after = snapshots[number - 1][0], snapshots[number][0]
            diffs.append(RoundDiff(number, snapshots[number][1], field_changes(kind, before, after),
                                   [a for a in attachments if a.round == number]))
    if live_data is not None and snapshots:
        last = max(snapshots)
        pending = RoundDiff(last + 1, None, field_changes(kind, snapshots[last][0], live_data),
                            [a for a in attachments if a.round == last + 1])
        if not pending.empty:
            diffs.append(pending)
    return list(reversed(diffs))
