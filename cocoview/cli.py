"""Command line: open the window, or ``stats``, ``validate``, ``export``, ``render``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Sequence

from cocoview import __version__
from cocoview.model.errors import CocoError

SUBCOMMANDS = ("stats", "validate", "export", "render")


class _Parser(argparse.ArgumentParser):
    """Bad usage ends with one line on stderr and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _id(text: str) -> Any:
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() else text


def _pair(text: str, what: str) -> tuple[str, str]:
    if "=" not in text:
        raise CocoError(f"{what} expects OLD=NEW, got {text!r}")
    left, right = text.split("=", 1)
    return left.strip(), right.strip()


def _gui_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="cocoview", description=(
        "Inspect and edit COCO annotation files. Without a subcommand, opens the window "
        f"(on the demo dataset when no FILE is given). Subcommands: {', '.join(SUBCOMMANDS)} "
        "(see 'cocoview SUBCOMMAND --help')."))
    p.add_argument("file", nargs="?", help="COCO JSON file to open")
    p.add_argument("--images", metavar="DIR", help="folder holding the images")
    p.add_argument("--demo", action="store_true", help="open the bundled demo dataset")
    p.add_argument("--version", action="version", version=f"cocoview {__version__}")
    return p


def _sub_parser(name: str) -> argparse.ArgumentParser:
    prog = f"cocoview {name}"
    if name == "stats":
        p = _Parser(prog=prog, description="Count images, annotations and categories, per category "
                                           "and per segmentation kind.")
        p.add_argument("file")
        p.add_argument("--json", action="store_true", help="print JSON")
    elif name == "validate":
        p = _Parser(prog=prog, description="Check references, ids and geometry. Exit 0 when there are "
                                           "no errors (warnings allowed), 1 with errors, 2 when the "
                                           "file cannot be read.")
        p.add_argument("file")
        p.add_argument("--json", action="store_true", help="print JSON")
    elif name == "export":
        p = _Parser(prog=prog, description="Write a cleaned subset. Annotations whose image or "
                                           "category is not written are dropped, so references "
                                           "stay sound.")
        p.add_argument("file")
        p.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
        p.add_argument("--categories", type=_csv, metavar="A,B", help="keep these categories (names or ids)")
        p.add_argument("--min-score", type=float, metavar="S",
                       help="drop annotations scored below S (annotations without a score are kept)")
        p.add_argument("--image-ids", type=_csv, metavar="1,2", help="keep these images")
        p.add_argument("--drop-empty", action="store_true", help="drop images left without annotations")
        p.add_argument("--map-category", action="append", default=[], metavar="OLD=NEW",
                       help="change a category id (into an existing id: merge); repeatable")
        p.add_argument("--rename-category", action="append", default=[], metavar="ID=NAME",
                       help="rename a category; repeatable")
        p.add_argument("--drop-category", action="append", default=[], metavar="ID",
                       help="delete a category and its annotations; repeatable")
        p.add_argument("--reindex", action="store_true",
                       help="renumber images and annotations from --start-id")
        p.add_argument("--start-id", type=int, default=1, metavar="N", help="first id when reindexing (default 1)")
        p.add_argument("--reindex-categories", action="store_true",
                       help="renumber categories contiguously from 1")
        p.add_argument("--id-map", metavar="MAP.json", help="write the old→new id maps here")
    else:
        p = _Parser(prog=prog, description="Draw one image with its annotations, as the window does, "
                                           "into a PNG at the image's size.")
        p.add_argument("file")
        p.add_argument("--image-id", required=True, type=_id, metavar="ID")
        p.add_argument("--images", metavar="DIR", help="folder holding the images")
        p.add_argument("--min-score", type=float, default=0.0, metavar="S")
        p.add_argument("-o", "--output", required=True, metavar="OUT.png")
    return p


def _load(path: str):
    from cocoview.model.dataset import Dataset
    return Dataset.load(path)


def _print_json(obj: Any) -> None:
    import msgspec
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(obj), indent=2).decode() + "\n")


def cmd_stats(args) -> int:
    ds = _load(args.file)
    from cocoview.model.stats import stats
    result = stats(ds)
    if args.json:
        _print_json(result)
        return 0
    print(args.file)
    for key in ("images", "annotations", "categories"):
        print(f"  {key:<12} {result[key]:>10,}")
    if "segments" in result:
        print(f"  {'segments':<12} {result['segments']:>10,}  (panoptic)")
    rows = result.get("per_category", [])
    if rows:
        width = max(len(str(r.get("name"))) for r in rows)
        print("per category:")
        for r in rows:
            print(f"  {str(r.get('id')):>8}  {str(r.get('name')):<{width}}  {r.get('count', 0):>10,}")
    kinds = result.get("per_segmentation_kind", {})
    if kinds:
        print("per segmentation kind:")
        for kind, n in kinds.items():
            print(f"  {kind:<12} {n:>10,}")
    return 0


def cmd_validate(args) -> int:
    ds = _load(args.file)
    from cocoview.model.validation import validate
    findings = validate(ds)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if args.json:
        _print_json({"file": args.file, "errors": errors, "warnings": warnings,
                     "findings": [f.to_dict() for f in findings]})
    else:
        for f in findings:
            print(f"{f.severity}: [{f.code}] {f.message}")
        print(f"{args.file}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return 1 if errors else 0


def _apply_edits(ds, args) -> None:
    from cocoview.model import commands
    from cocoview.model.export import resolve_categories
    for text in args.map_category:
        old, new = _pair(text, "--map-category")
        cat = resolve_categories(ds, [_id(old)])[0]
        ds.history.push(commands.change_category_id(ds, cat, _id(new)))
    for text in args.rename_category:
        old, name = _pair(text, "--rename-category")
        cat = resolve_categories(ds, [_id(old)])[0]
        ds.history.push(commands.rename_category(ds, cat, name))
    for text in args.drop_category:
        cat = resolve_categories(ds, [_id(text)])[0]
        ds.history.push(commands.delete_category(ds, cat))


def cmd_export(args) -> int:
    from cocoview.model.export import ExportOptions, export_dataset
    ds = _load(args.file)
    _apply_edits(ds, args)
    options = ExportOptions(
        image_ids=[_id(i) for i in args.image_ids] if args.image_ids is not None else None,
        categories=args.categories,
        min_score=args.min_score, drop_empty=args.drop_empty, reindex=args.reindex,
        start_id=args.start_id, reindex_categories=args.reindex_categories)
    plan = export_dataset(ds, args.output, options, args.id_map)
    counts = plan.counts()
    note = f"; dropped {plan.dropped_dangling} with dangling references" if plan.dropped_dangling else ""
    print(f"wrote {args.output}: {counts['images']:,} images, {counts['annotations']:,} annotations, "
          f"{counts['categories']:,} categories{note}")
    if args.id_map:
        print(f"wrote {args.id_map}: old→new id maps")
    return 0


def cmd_render(args) -> int:
    ds = _load(args.file)
    from cocoview.gui.render import render_to_file
    render_to_file(ds, args.image_id, args.output, images_dir=args.images, min_score=args.min_score)
    print(f"wrote {args.output}")
    return 0


def run_gui(args) -> int:
    try:
        from cocoview.gui.app import run
    except ImportError as e:
        if "cocoview.gui.app" not in str(e):
            raise
        print("cocoview: the window is not available in this build; use a subcommand "
              f"({', '.join(SUBCOMMANDS)})")
        return 0
    return run(args.file, images_dir=args.images, demo=args.demo)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            name = argv[0]
            args = _sub_parser(name).parse_args(argv[1:])
            return {"stats": cmd_stats, "validate": cmd_validate,
                    "export": cmd_export, "render": cmd_render}[name](args)
        args = _gui_parser().parse_args(argv)
        if args.file and not os.path.exists(args.file) and args.file.isidentifier():
            print(f"cocoview: no such file or subcommand: {args.file} "
                  f"(subcommands: {', '.join(SUBCOMMANDS)})", file=sys.stderr)
            return 2
        return run_gui(args)
    except CocoError as e:
        print(f"cocoview: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("cocoview: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
if __name__ == "__main__":
    sys.exit(main())
