#!/usr/bin/env bash
# Build cocoview as a one-folder application with PyInstaller.
#
#   packaging/build.sh            install into packaging/build-venv (made if absent) and build
#   packaging/build.sh --current  install into the Python in use ($PYTHON, else python3) and build
#
# The result is packaging/dist/cocoview/: run packaging/dist/cocoview/cocoview.
# It also holds share/ with the desktop entry, the AppStream file and the icons
# under their freedesktop names; copy that folder's contents into ~/.local/share
# (or /usr/share) and put the cocoview folder on PATH to get a menu entry.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
APP_ID="io.github.cocoview.CocoView"

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

mode=venv
case "${1:-}" in
    "") ;;
    --current) mode=current ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

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
fi

echo "Installing cocoview with the packaging extras into $("$python" -c 'import sys; print(sys.prefix)')"
"$python" -m pip install --quiet "$ROOT[package]"

cd "$HERE"
rm -rf "$HERE/dist/cocoview"
"$python" -m PyInstaller --noconfirm --clean \
    --distpath "$HERE/dist" --workpath "$HERE/build" \
    "$HERE/cocoview.spec"

# Desktop integration files, laid out as under /usr/share.
share="$HERE/dist/cocoview/share"
install -Dm644 "$HERE/$APP_ID.desktop" "$share/applications/$APP_ID.desktop"
install -Dm644 "$HERE/$APP_ID.metainfo.xml" "$share/metainfo/$APP_ID.metainfo.xml"
install -Dm644 "$ROOT/resources/icons/cocoview.svg" "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in 16 32 48 64 128 256 512; do
    install -Dm644 "$ROOT/resources/icons/cocoview-$size.png" \
        "$share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done

app="$HERE/dist/cocoview/cocoview"
[ -x "$app" ] || app="$app.exe"
echo "Checking the build: $("$app" --version)"
echo "Built $HERE/dist/cocoview ($(du -sh "$HERE/dist/cocoview" | cut -f1))"
