#!/usr/bin/env bash
# Build cocoview as a one-folder application with PyInstaller.
#
#   packaging/build.sh            install into packaging/build-venv (made if absent) and build
#   packaging/build.sh --current  build with the Python in use ($PYTHON, else python3) as it is:
#                                 cocoview's dependencies and PyInstaller must be installed
#                                 in it already (for instance: pip install -e ".[package]")
#
# Either way the cocoview of this source tree is frozen.
#
# Options: --dist DIR  where the cocoview folder goes (default packaging/dist)
#          --work DIR  PyInstaller's working folder (default packaging/build)
#
# The result is DIST/cocoview/: run DIST/cocoview/cocoview.
# It also holds share/ with the desktop entry, the AppStream file and the icons
# under their freedesktop names; copy that folder's contents into ~/.local/share
# (or /usr/share) and put the cocoview folder on PATH to get a menu entry.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
APP_ID="io.github.cocoview.CocoView"

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "build.sh: $*" >&2; exit 2; }

mode=venv
dist="$HERE/dist"
work="$HERE/build"
while [ $# -gt 0 ]; do
    case "$1" in
        --current) mode=current ;;
        --dist) [ $# -ge 2 ] || die "--dist needs a folder"; dist="$2"; shift ;;
        --work) [ $# -ge 2 ] || die "--work needs a folder"; work="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
    shift
done
mkdir -p "$dist" "$work"
dist="$(cd "$dist" && pwd)"
work="$(cd "$work" && pwd)"

python="${PYTHON:-python3}"
if [ "$mode" = venv ]; then
    venv="$HERE/build-venv"
    if [ ! -d "$venv" ]; then
        echo "Creating $venv"
        "$python" -m venv "$venv"
    fi
    if [ -x "$venv/bin/python" ]; then
        python="$venv/bin/python"
    else
        python="$venv/Scripts/python.exe"   # a venv made by a Windows Python
    fi
    "$python" -m pip install --quiet --upgrade pip
    echo "Installing cocoview with the packaging extras into $venv"
    # setuptools builds in the source tree; take away the build/ it leaves.
    had_build=no; [ -e "$ROOT/build" ] && had_build=yes
    "$python" -m pip install --quiet "$ROOT[package]"
    [ "$had_build" = yes ] || rm -rf "$ROOT/build"
fi
python="$("$python" -c 'import sys; print(sys.executable)')"   # absolute, for after the cd

# The tree's cocoview is frozen with the dependencies installed for $python.
# (In --current mode nothing is installed: that would replace an editable
# install of this tree.)
"$python" -c "import PyInstaller" 2>/dev/null \
    || die "PyInstaller is missing for $python (pip install -e '$ROOT[package]')"
echo "Freezing cocoview $(cd "$ROOT" && "$python" -c 'import cocoview; print(cocoview.__version__)') from $ROOT"
cd "$work"

rm -rf "$dist/cocoview"
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$dist" --workpath "$work" \
    "$HERE/cocoview.spec"

# Desktop integration files, laid out as under /usr/share.
share="$dist/cocoview/share"
install -Dm644 "$HERE/$APP_ID.desktop" "$share/applications/$APP_ID.desktop"
install -Dm644 "$HERE/$APP_ID.metainfo.xml" "$share/metainfo/$APP_ID.metainfo.xml"
install -Dm644 "$ROOT/resources/icons/cocoview.svg" "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in 16 32 48 64 128 256 512; do
    install -Dm644 "$ROOT/resources/icons/cocoview-$size.png" \
        "$share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done

app="$dist/cocoview/cocoview"
[ -x "$app" ] || app="$app.exe"
echo "Checking the build: $("$app" --version)"
# The demo shipped inside the folder, read with numpy, msgspec and pycocotools.
"$app" stats "$dist/cocoview/_internal/cocoview/resources/demo/annotations.json" >/dev/null \
    || die "the built application cannot read its demo dataset"
echo "Built $dist/cocoview ($(du -sh "$dist/cocoview" | cut -f1))"
