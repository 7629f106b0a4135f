"""The window on a real X screen (Xvfb): the xcb platform plugin and its libraries work."""

import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")

SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtGui import QGuiApplication
    from cocoview.gui.app import create_application
    app = create_application()
    assert QGuiApplication.platformName() == "xcb", QGuiApplication.platformName()
    from cocoview.gui.main_window import MainWindow
    from cocoview.gui.settings import Settings
    w = MainWindow(Settings(QSettings(sys.argv[2], QSettings.Format.IniFormat)))
    w.resize(1280, 800)
    w.show()
    w.open_demo()
    def shoot():
        shot = QGuiApplication.primaryScreen().grabWindow(0)
        shot.save(sys.argv[1])
        n = len(w.canvas.annotation_scene.annotation_items())
        print("items", n)
        app.quit()
    QTimer.singleShot(4000, shoot)
    sys.exit(app.exec())
""")


def test_window_on_xvfb(tmp_path):
    display = f":{90 + os.getpid() % 9}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        shot = tmp_path / "screen.png"
        result = subprocess.run([sys.executable, "-c", SCRIPT, str(shot), str(tmp_path / "s.ini")],
                                env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "items" in result.stdout and int(result.stdout.split("items")[1]) > 5
        from PySide6.QtGui import QImage
        image = QImage(str(shot))
        assert image.width() == 1280 and image.height() == 800
        colours = {image.pixel(x, y) for x in range(0, 1280, 37) for y in range(0, 800, 29)}
        assert len(colours) > 50  # a real window with a picture, not a blank screen
    finally:
        server.terminate()
        server.wait(5)
