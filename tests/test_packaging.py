"""cocoview installs from its wheel and freezes into a working application.

Both tests are slow (tens of seconds): one builds a wheel and installs it
with its dependencies into a new virtual environment, the other builds the
one-folder application with packaging/build.sh. Each is a single test so
that pytest-xdist never builds the same thing twice.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
import warnings

import pytest
from PIL import Image, ImageChops

import cocoview

REPO = pathlib.Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
APP_ID = "io.github.cocoview.CocoView"
DEMO_IMAGE_ID = 101  # street/market_street.jpg: shipped, recorded size matches the file

pytestmark = pytest.mark.slow

# Files and folders of the source tree that a wheel is not built from.
_NOT_SOURCE = {".git", ".venv", ".ci", "build", "dist", "packaging", "tests",
               ".hypothesis", ".pytest_cache"}


# ---- helpers ----------------------------------------------------------------
def _env(**extra: str) -> dict:
    """The environment for a child process: offscreen Qt, no Python overrides."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def _run(cmd: list, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run ``cmd``; fail the test with its output unless it exits 0."""
    kw.setdefault("env", _env())
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=timeout, **kw)
    assert done.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {done.returncode}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}")
    return done


def _demo() -> dict:
    from cocoview.resources import demo_annotations_path

    return json.loads(demo_annotations_path().read_text(encoding="utf-8"))


def _demo_image(image_id) -> dict:
    return next(img for img in _demo()["images"] if img["id"] == image_id)


def _check_render(png: pathlib.Path, demo_dir: pathlib.Path, image: dict) -> None:
    """The PNG has the image's recorded size and shows the image file itself."""
    with Image.open(png) as out:
        assert out.size == (image["width"], image["height"])
        drawn = out.convert("RGB")
    with Image.open(demo_dir / image["file_name"]) as src:
        original = src.convert("RGB")
    assert original.size == drawn.size
    # Annotations cover part of the picture; elsewhere the pixels are the
    # file's (not the grey placeholder drawn for a missing image).
    diff = ImageChops.difference(drawn, original).convert("L")
    histogram = diff.histogram()
    close = sum(histogram[:12]) / (drawn.width * drawn.height)
    assert close > 0.3, f"only {close:.0%} of {png.name} matches {image['file_name']}"


def _folder_size(folder: pathlib.Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


# ---- the wheel --------------------------------------------------------------
def _copy_source(dest: pathlib.Path) -> pathlib.Path:
    """The source tree without caches, builds and tests: setuptools writes its
    build/ folder next to pyproject.toml, which must not happen in the repo."""
    def ignore(folder, names):
        top = pathlib.Path(folder) == REPO
        return [n for n in names if n == "__pycache__" or n.endswith(".egg-info")
                or (top and n in _NOT_SOURCE)]

    shutil.copytree(REPO, dest, ignore=ignore)
    return dest


def _venv_bin(venv: pathlib.Path) -> pathlib.Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def test_wheel_installs_and_runs(tmp_path):
    started = time.monotonic()
    try:
        _check_wheel(tmp_path)
    finally:
        # The environment holds Qt and OpenCV (about 400 MB); do not keep it.
        shutil.rmtree(tmp_path / "venv", ignore_errors=True)
    print(f"wheel test: {time.monotonic() - started:.1f} s")


def _check_wheel(tmp_path: pathlib.Path) -> None:
    source = _copy_source(tmp_path / "source")
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source])
    (wheel,) = wheels.glob("cocoview-*.whl")
    assert wheel.name.startswith(f"cocoview-{cocoview.__version__}-")

    # A new environment without pip; this environment's pip installs into it
    # (and resolves the dependencies the wheel declares).
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = _venv_bin(venv) / ("python.exe" if os.name == "nt" else "python")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel], timeout=600)
    app = _venv_bin(venv) / ("cocoview.exe" if os.name == "nt" else "cocoview")
    work = tmp_path / "run"  # run outside the repo, so nothing is imported from it
    work.mkdir()

    done = _run([app, "--version"], cwd=work)
    assert done.stdout.strip() == f"cocoview {cocoview.__version__}"

    done = _run([python, "-c", "from cocoview.resources import demo_annotations_path as p; print(p())"],
                cwd=work)
    demo = pathlib.Path(done.stdout.strip())
    site = pathlib.Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             cwd=work).stdout.strip())
    assert demo.is_file()
    assert demo.is_relative_to(site.resolve()), f"{demo} is not in {site}"
    assert not demo.is_relative_to(REPO)

    expected = json.loads(demo.read_text(encoding="utf-8"))
    done = _run([app, "stats", "--json", demo], cwd=work)
    stats = json.loads(done.stdout)
    assert stats["images"] == len(expected["images"])
    assert stats["annotations"] == len(expected["annotations"])
    assert stats["categories"] == len(expected["categories"])

    image = next(img for img in expected["images"] if img["id"] == DEMO_IMAGE_ID)
    assert (demo.parent / image["file_name"]).is_file()
    png = work / "out.png"
    done = _run([app, "render", demo, "--image-id", DEMO_IMAGE_ID, "-o", png], cwd=work)
    assert done.stdout.strip() == f"wrote {png}"
    _check_render(png, demo.parent, image)


# ---- the frozen application -------------------------------------------------
def _elf_files(folder: pathlib.Path) -> list:
    out = []
    for path in folder.rglob("*.so*"):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    out.append(path)
    return out


def _missing_libraries(path: pathlib.Path, env: dict) -> set:
    done = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env, timeout=60)
    return {line.split("=>")[0].strip() for line in done.stdout.splitlines() if "not found" in line}


def _check_libraries(internal: pathlib.Path) -> set:
    """Every bundled library resolves what it links against, as far as the
    copy it was taken from does; returns what the xcb plugin lacks here."""
    import PySide6

    pyside = pathlib.Path(PySide6.__file__).resolve().parent
    # The bootloader puts the bundle's own folder on the library path.
    bundled_env = _env(LD_LIBRARY_PATH=str(internal))
    plain_env = {k: v for k, v in _env().items() if k != "LD_LIBRARY_PATH"}
    problems = []
    for path in _elf_files(internal):
        missing = _missing_libraries(path, bundled_env)
        if not missing:
            continue
        relative = path.relative_to(internal)
        allowed = set()
        if relative.parts[0] == "PySide6" and (pyside / relative.relative_to("PySide6")).exists():
            # What the installed copy lacks too is missing from this machine.
            allowed = _missing_libraries(pyside / relative.relative_to("PySide6"), plain_env)
        if missing - allowed:
            problems.append(f"{relative}: {sorted(missing - allowed)}")
    assert not problems, "bundled libraries that do not resolve:\n" + "\n".join(problems)
    return _missing_libraries(internal / "PySide6/Qt/plugins/platforms/libqxcb.so", bundled_env)


def _start_xvfb():
    """An Xvfb server on a free display, or None when Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        return None, None
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp",
                               "-screen", "0", "1024x768x24"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        display = f.readline().strip()
    if not display:
        server.kill()
        server.wait()
        return None, None
    return server, f":{display}"


def _check_gui_opens_demo(app: pathlib.Path, tmp_path: pathlib.Path, bundled_demo: pathlib.Path):
    """The window starts and loads the bundled demo: the demo's path lands in
    the recent files of the settings (kept under XDG_CONFIG_HOME)."""
    config = tmp_path / "config"
    log = tmp_path / "gui.log"
    with open(log, "w") as out:
        gui = subprocess.Popen([str(app), "--demo"], cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                               env=_env(XDG_CONFIG_HOME=str(config)))
        try:
            deadline = time.monotonic() + 60
            found = False
            while time.monotonic() < deadline and gui.poll() is None and not found:
                time.sleep(0.25)
                found = any(str(bundled_demo) in p.read_text(errors="replace")
                            for p in config.rglob("*.conf"))
            exited = gui.poll()
        finally:
            gui.terminate()
            try:
                gui.wait(10)
            except subprocess.TimeoutExpired:
                gui.kill()
                gui.wait()
    text = log.read_text(errors="replace")
    assert exited is None, f"the window exited with {exited}:\n{text[-4000:]}"
    assert found, f"the window did not load {bundled_demo} within 60 s:\n{text[-4000:]}"
    assert "Traceback" not in text, text[-4000:]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the build is checked on Linux")
def test_frozen_app_builds_and_runs(tmp_path):
    try:  # PyInstaller is in the test extra
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is missing: install the test extra (pip install -e '.[test]')")

    dist, work = tmp_path / "dist", tmp_path / "work"
    started = time.monotonic()
    try:
        done = _run(["bash", PACKAGING / "build.sh", "--current", "--dist", dist, "--work", work],
                    env=_env(PYTHON=sys.executable), timeout=900)
        build_seconds = time.monotonic() - started
        folder = dist / "cocoview"
        internal = folder / "_internal"
        app = folder / "cocoview"
        assert f"Checking the build: cocoview {cocoview.__version__}" in done.stdout

        # Resources where cocoview.resources looks for them, desktop files in share/.
        resources = internal / "cocoview" / "resources"
        bundled_demo = resources / "demo" / "annotations.json"
        assert bundled_demo.is_file()
        assert (resources / "icons" / "cocoview.svg").is_file()
        for size in (16, 32, 48, 64, 128, 256, 512):
            assert (resources / "icons" / f"cocoview-{size}.png").is_file()
            assert (folder / f"share/icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()
        assert (folder / f"share/applications/{APP_ID}.desktop").is_file()
        assert (folder / f"share/metainfo/{APP_ID}.metainfo.xml").is_file()
        assert (folder / f"share/icons/hicolor/scalable/apps/{APP_ID}.svg").is_file()

        # Every cocoview module is frozen (the command line imports most of
        # them lazily), the resources package included, its scripts not.
        from PyInstaller.archive.readers import CArchiveReader

        frozen = set(CArchiveReader(str(app)).open_embedded_archive("PYZ.pyz").toc)
        source = {".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
                  for p in (REPO / "cocoview").rglob("*.py") if p.name != "__main__.py"}
        assert source - frozen == set()
        assert "cocoview.resources" in frozen
        assert not {m for m in frozen if m.startswith("cocoview.resources.")}

        # Only the Qt parts cocoview uses; platform plugins for a desktop and offscreen.
        qt = internal / "PySide6" / "Qt"
        platforms = {p.name for p in (qt / "plugins" / "platforms").iterdir()}
        assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"} <= platforms
        assert not platforms & {"libqeglfs.so", "libqlinuxfb.so", "libqvnc.so"}
        assert (qt / "plugins" / "iconengines" / "libqsvgicon.so").is_file()
        assert (qt / "plugins" / "imageformats" / "libqsvg.so").is_file()
        assert not (qt / "translations").exists()
        assert not (qt / "plugins" / "platformthemes" / "libqgtk3.so").exists()
        unwanted = [p.name for p in internal.rglob("*")
                    if p.name.startswith(("libQt6Network", "libQt6Qml", "libQt6Quick", "libgtk-3", "libcairo"))]
        assert unwanted == []
        size_mb = _folder_size(folder) / 2**20
        assert size_mb < 420, f"the folder grew to {size_mb:.0f} MB"

        # The commands, with the demo shipped inside the folder.
        run_dir = tmp_path / "run"
        run_dir.mkdir()
        assert _run([app, "--version"], cwd=run_dir).stdout.strip() == f"cocoview {cocoview.__version__}"
        stats = json.loads(_run([app, "stats", "--json", bundled_demo], cwd=run_dir).stdout)
        assert stats["images"] == len(_demo()["images"])
        assert stats["annotations"] == len(_demo()["annotations"])

        image = _demo_image(DEMO_IMAGE_ID)
        frozen_png, installed_png = run_dir / "frozen.png", run_dir / "installed.png"
        _run([app, "render", bundled_demo, "--image-id", DEMO_IMAGE_ID, "-o", frozen_png], cwd=run_dir)
        _check_render(frozen_png, bundled_demo.parent, image)
        # The same drawing as cocoview running from this environment.
        from cocoview.resources import demo_annotations_path

        _run([sys.executable, "-m", "cocoview", "render", demo_annotations_path(),
              "--image-id", DEMO_IMAGE_ID, "-o", installed_png], cwd=run_dir)
        with Image.open(frozen_png) as a, Image.open(installed_png) as b:
            assert ImageChops.difference(a.convert("RGBA"), b.convert("RGBA")).getbbox() is None

        _check_gui_opens_demo(app, tmp_path, bundled_demo)

        # Libraries: nothing the bundle carries fails to resolve. What the
        # xcb plugin lacks is missing from this machine, so the build could
        # not bundle it and a desktop running the folder must provide it.
        xcb_missing = _check_libraries(internal)
        if xcb_missing:
            warnings.warn(f"the xcb platform plugin lacks {', '.join(sorted(xcb_missing))} on this machine "
                          "(Debian: the libxcb-* packages that .ci/run installs)", stacklevel=1)
        else:
            server, display = _start_xvfb()
            if server is not None:
                try:
                    xcb_png = run_dir / "xcb.png"
                    _run([app, "render", bundled_demo, "--image-id", DEMO_IMAGE_ID, "-o", xcb_png],
                         cwd=run_dir, env=_env(QT_QPA_PLATFORM="xcb", DISPLAY=display))
                    with Image.open(xcb_png) as out:
                        assert out.size == (image["width"], image["height"])
                finally:
                    server.terminate()
                    server.wait(10)
        print(f"frozen app: built in {build_seconds:.1f} s, {size_mb:.0f} MB, "
              f"checked in {time.monotonic() - started - build_seconds:.1f} s")
    finally:
        # Each build is over 300 MB; do not leave it in pytest's kept folders.
        shutil.rmtree(dist, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
