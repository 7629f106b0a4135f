"""Dialogs of the category editor: add, merge, delete, change id, confirm.

Each dialog builds the command it would run (:meth:`command`) and shows that
command's text and how many annotations it touches while the user chooses,
so the count is known before anything changes. The dialogs never push: the
caller opens them with ``open()`` (no nested event loop) and pushes
``dialog.command()`` on ``accepted``. Tests set the fields and call
``accept()``.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QFrame, QLabel,
                               QLayout, QLineEdit, QPushButton, QRadioButton, QVBoxLayout, QWidget)

from cocoview.model.commands import (Edit, add_category, category_label, change_category_id, delete_category,
                                     merge_categories)
from cocoview.model.history import Command
from cocoview.model.ids import format_id, id_key
from cocoview.model.label_map import annotation_counts
from cocoview.model.text import plural

WARNING_COLOR = QColor(190, 110, 0)
ERROR_COLOR = QColor(200, 40, 40)


# ---- small helpers -------------------------------------------------------------------------
def parse_category_id(text: str, ds: Any) -> Any:
    """The id typed in ``text``: an int, or a string when the file uses string ids; None if unusable."""
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text and any(type(c.get("id")) is str for c in ds.categories):
        return text
    return None


def next_category_id(ds: Any) -> int:
    """The id a new category gets by default: one above the largest whole-number id."""
    ints = [c.get("id") for c in ds.categories if type(c.get("id")) is int]
    return max(ints) + 1 if ints else 1


def category_title(cat: dict) -> str:
    """'billboard' (id 11), for lists and messages."""
    return f"{category_label(cat)} (id {format_id(cat.get('id'))})"


def annotation_count(ds: Any, cat: dict) -> int:
    """Annotations that refer to ``cat`` (for panoptic files: those with a segment of it)."""
    if ds.is_panoptic:
        return annotation_counts(ds).get(id_key(cat.get("id")), 0)
    return ds.category_count(cat.get("id"))


def _choice_text(ds: Any, cat: dict, counts: dict | None = None) -> str:
    n = counts.get(id_key(cat.get("id")), 0) if counts is not None else annotation_count(ds, cat)
    return f"{cat.get('name', '')}  ·  id {format_id(cat.get('id'))}  ·  {plural(n, 'annotation')}"


class SummaryLabel(QLabel):
    """What the command will do, in a tinted box: its text, then a plain line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMargin(8)
        self.setMinimumHeight(self.fontMetrics().height() * 2 + 20)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.AlternateBase))
        self.setPalette(palette)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def show_command(self, command: Command | None, detail: str = "", problem: str = "",
                     warning: str = "") -> None:
        def esc(s: str) -> str:
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        parts = []
        if problem:
            parts.append(f"<span style='color:{ERROR_COLOR.name()}'>{esc(problem)}</span>")
        elif command is not None:
            parts.append(f"<b>{esc(command.text)}</b>")
        if warning:
            parts.append(f"<span style='color:{WARNING_COLOR.name()}'>{esc(warning)}</span>")
        if detail:
            parts.append(esc(detail))
        self.setText("<br>".join(parts))


class CommandDialog(QDialog):
    """A dialog that shows the command it will run and enables OK when there is one."""

    def __init__(self, ds: Any, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ds = ds
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary = SummaryLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        # Small dialogs take the height their text needs (word-wrapped labels
        # would otherwise keep room for lines they no longer use).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self.summary.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)

    def command(self) -> Edit | None:
        """The command for the current choices (None while they are incomplete)."""
        raise NotImplementedError

    def refresh(self) -> None:
        self.ok_button.setEnabled(self.command() is not None)

    def accept(self) -> None:
        if self.command() is None:
            return
        super().accept()


# ---- add ---------------------------------------------------------------------------------
class AddCategoryDialog(CommandDialog):
    """Name, supercategory and id (default: one above the largest) of a new category."""

    def __init__(self, ds: Any, parent: QWidget | None = None, supercategory: str = "") -> None:
        super().__init__(ds, "Add category", "Add", parent)
        self.intro.setText("The new category has no annotations yet; it is added at the end of the list.")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. signboard")
        self.super_combo = QComboBox()
        self.super_combo.setEditable(True)
        supers = []
        for cat in ds.categories:
            value = cat.get("supercategory")
            if isinstance(value, str) and value and value not in supers:
                supers.append(value)
        self.super_combo.addItems(supers)
        self.super_combo.setCurrentText(supercategory)
        self.super_combo.lineEdit().setPlaceholderText("none")
        self.id_edit = QLineEdit(str(next_category_id(ds)))
        self.form.addRow("&Name:", self.name_edit)
        self.form.addRow("&Supercategory:", self.super_combo)
        self.form.addRow("&Id:", self.id_edit)
        for signal in (self.name_edit.textChanged, self.super_combo.currentTextChanged, self.id_edit.textChanged):
            signal.connect(self.refresh)
        self.refresh()

    def _problem(self) -> str:
        name = self.name_edit.text().strip()
        cid = parse_category_id(self.id_edit.text(), self.ds)
        if cid is None:
            return "The id must be a whole number."
        other = self.ds.category(cid)
        if other is not None:
            return f"Id {format_id(cid)} is taken by {category_label(other)}."
        if not name:
            return "Type a name."
        return ""

    def command(self) -> Edit | None:
        if self._problem():
            return None
        supercategory = self.super_combo.currentText().strip()
        return add_category(self.ds, self.name_edit.text().strip(),
                            parse_category_id(self.id_edit.text(), self.ds), supercategory or None)

    def refresh(self) -> None:
        super().refresh()
        name = self.name_edit.text().strip()
        same = [c for c in self.ds.categories if c.get("name") == name]
        warning = f"{category_title(same[0])} already has this name." if name and same else ""
        problem = self._problem()
        if problem == "Type a name.":
            self.summary.show_command(None, "Type a name for the new category.")
        else:
            self.summary.show_command(self.command(), problem=problem, warning=warning)


# ---- merge ---------------------------------------------------------------------------------
class MergeCategoriesDialog(CommandDialog):
    """Merge categories into one of them (or one category into any other).

    With two or more ``selected`` categories the one kept is chosen among
    them; with one, the target is chosen among all the others.
    """

    def __init__(self, ds: Any, selected: list[dict], parent: QWidget | None = None) -> None:
        super().__init__(ds, "Merge categories", "Merge", parent)
        self.selected = list(selected)
        if len(self.selected) >= 2:
            candidates = self.selected
            self.intro.setText(
                f"Merge {len(self.selected)} categories into one. The category kept keeps its id, name and "
                "other fields; the others are removed and their annotations move to it.")
        else:
            candidates = [c for c in ds.categories if not any(c is s for s in self.selected)]
            self.intro.setText(
                f"Merge {category_title(self.selected[0])} into another category: it is removed and its "
                "annotations move to the category chosen.")
        self.candidates = candidates
        counts = annotation_counts(ds)
        self.target_combo = QComboBox()
        for cat in candidates:
            self.target_combo.addItem(_choice_text(ds, cat, counts))
        self.target_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.form.addRow("&Keep:" if len(self.selected) >= 2 else "Merge &into:", self.target_combo)
        if len(self.selected) >= 2:
            # The category with the most annotations is the likely keeper.
            best = max(range(len(candidates)), key=lambda i: (counts.get(id_key(candidates[i].get("id")), 0), -i))
            self.target_combo.setCurrentIndex(best)
        self.target_combo.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def target(self) -> dict | None:
        i = self.target_combo.currentIndex()
        return self.candidates[i] if 0 <= i < len(self.candidates) else None

    def set_target(self, cat: dict) -> None:
        for i, candidate in enumerate(self.candidates):
            if candidate is cat:
                self.target_combo.setCurrentIndex(i)
                return
        raise ValueError(f"{category_label(cat)} is not a choice")

    def sources(self) -> list[dict]:
        target = self.target()
        return [c for c in self.selected if c is not target]

    def command(self) -> Edit | None:
        target = self.target()
        if target is None or not self.sources():
            return None
        return merge_categories(self.ds, self.sources(), target)

    def refresh(self) -> None:
        super().refresh()
        command, target = self.command(), self.target()
        detail = ""
        if command is not None:
            gone = ", ".join(category_label(c) for c in self.sources())
            detail = (f"{plural(command.touches, 'annotation')} will move to {category_label(target)}; "
                      f"{gone} will be removed.")
        self.summary.show_command(command, detail, problem="" if command else "Nothing to merge.")


# ---- delete ---------------------------------------------------------------------------------
class DeleteCategoryDialog(CommandDialog):
    """Delete a category with its annotations, or moving them to another category."""

    def __init__(self, ds: Any, cat: dict, parent: QWidget | None = None) -> None:
        super().__init__(ds, "Delete category", "Delete", parent)
        self.category = cat
        self.count = annotation_count(ds, cat)
        self.others = [c for c in ds.categories if c is not cat]
        self.delete_radio = QRadioButton(f"Delete its {plural(self.count, 'annotation')}")
        self.reassign_radio = QRadioButton("Reassign them to:")
        self.target_combo = QComboBox()
        counts = annotation_counts(ds)
        for other in self.others:
            self.target_combo.addItem(_choice_text(ds, other, counts))
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.delete_radio)
        self.choice.addButton(self.reassign_radio)
        self.delete_radio.setChecked(True)
        if self.count:
            self.intro.setText(f"{category_title(cat)} has {plural(self.count, 'annotation')}.")
            self.form.addRow(self.delete_radio)
            self.form.addRow(self.reassign_radio, self.target_combo)
        else:
            self.intro.setText(f"{category_title(cat)} has no annotations.")
            self.layout().removeItem(self.form)
            self.delete_radio.hide()
            self.reassign_radio.hide()
            self.target_combo.hide()
        self.reassign_radio.setEnabled(bool(self.others))
        self.target_combo.setEnabled(False)
        self.reassign_radio.toggled.connect(self.target_combo.setEnabled)
        self.choice.buttonToggled.connect(lambda *_: self.refresh())
        self.target_combo.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def reassign_to(self, cat: dict | None) -> None:
        """Choose to move the annotations to ``cat`` (None: delete them)."""
        if cat is None:
            self.delete_radio.setChecked(True)
            return
        index = next(i for i, c in enumerate(self.others) if c is cat)
        self.target_combo.setCurrentIndex(index)
        self.reassign_radio.setChecked(True)

    def target(self) -> dict | None:
        if not self.reassign_radio.isChecked():
            return None
        i = self.target_combo.currentIndex()
        return self.others[i] if 0 <= i < len(self.others) else None

    def command(self) -> Edit | None:
        target = self.target()
        return delete_category(self.ds, self.category, target.get("id") if target is not None else None)

    def refresh(self) -> None:
        super().refresh()
        target = self.target()
        command = self.command()
        if not self.count:
            detail = "No annotation changes."
        elif target is None:
            detail = f"{plural(command.touches, 'annotation')} will be deleted."
        else:
            detail = f"{plural(command.touches, 'annotation')} will move to {category_label(target)}."
        self.summary.show_command(command, detail)


# ---- change id ---------------------------------------------------------------------------------
def merge_warning(ds: Any, cat: dict, other: dict) -> str:
    n = annotation_count(ds, cat)
    return (f"Id {format_id(other.get('id'))} belongs to {category_label(other)}: {category_label(cat)} "
            f"will be merged into it and its {plural(n, 'annotation')} will move.")


class ChangeIdDialog(CommandDialog):
    """A new id for a category; an id already taken merges into its owner."""

    def __init__(self, ds: Any, cat: dict, parent: QWidget | None = None) -> None:
        super().__init__(ds, "Change category id", "Change Id", parent)
        self.category = cat
        n = annotation_count(ds, cat)
        self.intro.setText(f"{category_title(cat)} has {plural(n, 'annotation')}; they follow the new id.")
        self.id_edit = QLineEdit(str(cat.get("id")))
        self.id_edit.selectAll()
        self.form.addRow("New &id:", self.id_edit)
        self.id_edit.textChanged.connect(self.refresh)
        self.refresh()

    def new_id(self) -> Any:
        return parse_category_id(self.id_edit.text(), self.ds)

    def merges_into(self) -> dict | None:
        new_id = self.new_id()
        other = self.ds.category(new_id) if new_id is not None else None
        return other if other is not None and other is not self.category else None

    def command(self) -> Edit | None:
        new_id = self.new_id()
        if new_id is None or id_key(new_id) == id_key(self.category.get("id")):
            return None
        return change_category_id(self.ds, self.category, new_id)

    def refresh(self) -> None:
        super().refresh()
        other = self.merges_into()
        self.ok_button.setText("Merge" if other is not None else "Change Id")
        command = self.command()
        new_id = self.new_id()
        if new_id is None:
            self.summary.show_command(None, problem="The id must be a whole number.")
        elif command is None:
            self.summary.show_command(None, "Type the new id.")
        elif other is not None:
            self.summary.show_command(command, warning=merge_warning(self.ds, self.category, other))
        else:
            self.summary.show_command(command, f"{plural(command.touches, 'annotation')} will follow.")


# ---- questions ------------------------------------------------------------------------------
class ConfirmDialog(CommandDialog):
    """Asks before running a ready-made command, showing its text and annotation count."""

    def __init__(self, ds: Any, title: str, command: Command, intro: str, detail: str = "",
                 ok_text: str = "OK", warning: str = "", parent: QWidget | None = None) -> None:
        super().__init__(ds, title, ok_text, parent)
        self._command = command
        self.intro.setText(intro)
        self.layout().removeItem(self.form)
        if not detail:
            detail = (f"{plural(command.touches, 'annotation')} will change." if command.touches
                      else "No annotation changes.")
        self.summary.show_command(command, detail, warning=warning)
        self.refresh()

    def command(self) -> Command:
        return self._command


def merge_question(ds: Any, cat: dict, other: dict, parent: QWidget | None = None) -> ConfirmDialog:
    """Asked when an id typed in the table belongs to another category."""
    command = change_category_id(ds, cat, other.get("id"))
    return ConfirmDialog(ds, "Merge categories?", command,
                         f"Id {format_id(other.get('id'))} already belongs to {category_label(other)}. "
                         f"Merge {category_label(cat)} into it?",
                         detail=f"{plural(command.touches, 'annotation')} will move to {category_label(other)}; "
                                f"{category_label(cat)} will be removed.",
                         ok_text="Merge", warning="", parent=parent)
