"""Time setting up a province from a spreadsheet: C commune unions, G grassroots unions under each, one staff
user per commune union and one officer per grassroots union (defaults 40 × 15: 640 units and 640 users, a large
province), through the admin's import (workflow/admin/spreadsheet.py): the preview (everything checked, then
rolled back) and the import itself, then the admin's tree page and users page over the result.

    .venv/bin/python bench/admin_import.py [C] [G] [--database-url URL]

On a fresh SQLite file by default (or the database named, created afresh and dropped at the end, as bench/list.py
does); the demo data gives the province (LĐLĐ tỉnh Đồng Nai) and its admin.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from bench.list import bench_app  # noqa: E402


def workbook(communes: int, per_commune: int) -> bytes:
    book = Workbook()
    orgs = book.active
    orgs.title = "Tổ chức"
    orgs.append(["Mã đơn vị", "Tên đơn vị", "Cấp", "Mã tổ chức cấp trên", "Địa danh"])
    users = book.create_sheet("Người dùng")
    users.append(["Tên đăng nhập", "Họ và tên", "E-mail", "Vai trò", "Mã tổ chức"])
    for c in range(communes):
        commune = f"cd-xa-{c:03d}"
        orgs.append([commune, f"Công đoàn xã Số {c}", "upper_grassroots", "ldld-dong-nai", f"Xã Số {c}"])
        users.append([f"cb.xa{c:03d}", f"Nguyễn Văn Xã {c}", f"xa{c}@example.org", "staff", commune])
        for u in range(per_commune):
            union = f"cdcs-{c:03d}-{u:03d}"
            orgs.append([union, f"Công đoàn cơ sở Công ty Số {c}-{u}", "grassroots", commune, f"Xã Số {c}"])
            users.append([f"cb.{c:03d}.{u:03d}", f"Trần Thị Đoàn {c}-{u}", f"cs{c}-{u}@example.org", "officer",
                          union])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("communes", nargs="?", type=int, default=40)
    parser.add_argument("per_commune", nargs="?", type=int, default=15)
    parser.add_argument("--database-url")
    parser.add_argument("--profile", action="store_true", help="profile the preview instead of timing")
    args = parser.parse_args()
    app, remove, _ = bench_app(args.database_url, reuse=False)
    try:
        import sqlalchemy as sa
        from flask_login import login_user
        from flask_migrate import upgrade

        from workflow.admin.spreadsheet import run_import
        from workflow.auth.models import User
        from workflow.extensions import db
        from workflow.seed import seed_demo
        from workflow.transaction import unit_of_work

        with app.app_context():
            upgrade()
            seed_demo()
            db.session.commit()

        data = workbook(args.communes, args.per_commune)
        rows = 2 * args.communes * (args.per_commune + 1)
        print(f"{rows} rows ({len(data) // 1024} KB)")
        with app.test_request_context():
            admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
            login_user(admin)
            if args.profile:
                import cProfile
                import pstats
                cProfile.runctx("run_import(admin, data, write=False)", globals(), locals(), "/tmp/import.prof")
                pstats.Stats("/tmp/import.prof").sort_stats("cumulative").print_stats(25)
                return
            for write in (False, True):
                started = time.perf_counter()
                with unit_of_work():
                    result = run_import(admin, data, write=write)
                elapsed = time.perf_counter() - started
                assert result.ok, result.failed[:3]
                print(f"{'import' if write else 'preview'}: {elapsed:.1f} s ({elapsed / rows * 1000:.1f} ms a row)")
        client = app.test_client()
        assert client.post("/login", data={"username": "admin", "password": "demo"}).status_code == 302
        for path in ("/admin/organisations", "/admin/users", "/admin/organisations?q=so 12"):
            client.get(path)
            started = time.perf_counter()
            response = client.get(path)
            assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
            print(f"GET {path}: {(time.perf_counter() - started) * 1000:.0f} ms")
    finally:
        remove()


if __name__ == "__main__":
    main()
