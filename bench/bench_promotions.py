"""What reading site/promotions.yaml costs every command: `resolve` of one node of the
example site with N records (default 200) signed with a throwaway ed25519 key, cold
(every signature checked by gpg) and warm (the sealed cache of good signatures), beside
the same records unsigned and no record at all. Prints the fastest of 5 runs of each
(the first run of 'cold' only once: it fills the cache)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from errata_tpl.promotions import record as rec
from errata_tpl.promotions.signing import Signer

REPO = Path(__file__).resolve().parent.parent
KEY = "%no-protection\nKey-Type: EDDSA\nKey-Curve: ed25519\nName-Email: bench@example.org\nExpire-Date: 0\n%commit\n"


def write(root: Path, n: int, signer: Signer | None) -> None:
    raws, head = [], rec.ZERO
    for i in range(n):
        t = rec.show_time(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=15 * i))
        raw = rec.new("promotion", ("20261001", "20261121")[i % 2], "el9-x86_64", "canary", t, "ops", None)
        raw["prev"] = head
        raw = signer.sign(raw) if signer else raw
        head = rec.record_hash(raw, head)
        raws.append(raw)
    (root / rec.PROMOTIONS).write_text(rec.text(raws))


def run(root: Path) -> float:
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "errata_tpl.cli", "--root", str(root), "resolve", "wn-051.example.org"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200)
    n = ap.parse_args().records
    with tempfile.TemporaryDirectory() as tmp:
        root, home = Path(tmp) / "root", Path(tmp) / "gnupg"
        for d in ("os", "site", "errata"):
            shutil.copytree(REPO / d, root / d)
        home.mkdir(mode=0o700)
        os.environ["GNUPGHOME"] = str(home)
        subprocess.run(["gpg", "--batch", "--quiet", "--gen-key"], input=KEY.encode(), check=True, capture_output=True)
        try:
            write(root, n, Signer("bench@example.org"))
            figures = {"signed, cold (gpg checks each)": run(root)}
            figures["signed, warm (sealed cache)"] = min(run(root) for _ in range(5))
            write(root, n, None)
            figures["unsigned"] = min(run(root) for _ in range(5))
            (root / rec.PROMOTIONS).unlink()
            figures["no record"] = min(run(root) for _ in range(5))
        finally:
            subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)
    base = figures["no record"]
    print(f"resolve of one node, {n} records (seconds; x the run with no record)")
    for what, s in figures.items():
        print(f"{what:<34} {s:6.2f}  {s / base:5.2f}x")


if __name__ == "__main__":
    main()
