"""Save a workbook as a password-protected .xls through LibreOffice (UNO).

Run with the system Python that has LibreOffice's ``uno`` module (Debian: python3-uno),
not the project venv; ``make_fixtures.py`` calls it for ``encrypted.xls``:

    /usr/bin/python3 tests/data/workbooks/lo_encrypt.py SOURCE.xlsx OUT.xls PASSWORD

``soffice --convert-to`` cannot set a password, so the document is loaded and stored with
a ``Password`` in the store arguments, which gives an .xls with a FILEPASS record.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(src: str, dst: str, password: str) -> None:
    port = 20000 + os.getpid() % 10000
    with tempfile.TemporaryDirectory() as profile:
        office = subprocess.Popen(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
             "--norestore", f"--accept=socket,host=127.0.0.1,port={port};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext(
                "com.sun.star.bridge.UnoUrlResolver", local)
            ctx = None
            for _ in range(150):  # LibreOffice takes a few seconds to listen
                try:
                    ctx = resolver.resolve(
                        f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
                    break
                except Exception:  # noqa: BLE001 - not listening yet
                    time.sleep(0.2)
            if ctx is None:
                raise SystemExit("LibreOffice did not start")
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)),
                                               "_blank", 0, (prop("Hidden", True),))
            doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)),
                           (prop("FilterName", "MS Excel 97"), prop("Password", password)))
            doc.close(True)
            try:
                desktop.terminate()
            except Exception:  # noqa: BLE001 - the bridge closes as LibreOffice exits
                pass
        finally:
            try:
                office.wait(timeout=30)
            except subprocess.TimeoutExpired:
                office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:4])
