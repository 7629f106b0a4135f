import pathlib
import re
import subprocess
import sys

MODEL = pathlib.Path(__file__).resolve().parents[2] / "cocoview" / "model"
QT = re.compile(r"^\s*(from|import)\s+(PySide6|PyQt5|PyQt6|shiboken6|qtpy)\b", re.M)


def test_model_sources_do_not_import_qt():
    offenders = [p.name for p in MODEL.glob("*.py") if QT.search(p.read_text(encoding="utf-8"))]
    assert MODEL.is_dir() and len(list(MODEL.glob("*.py"))) > 5
    assert offenders == []


def test_importing_the_model_loads_no_qt():
    names = sorted(p.stem for p in MODEL.glob("*.py") if p.stem != "__init__")
    code = ("import sys\n" + "".join(f"import cocoview.model.{n}\n" for n in names) +
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6')]\n"
            "print(bad)\nsys.exit(1 if bad else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
