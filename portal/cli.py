"""``flask portal …`` commands: plugins, check, demo, create-admin, token, backup export|import."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db

portal_cli = AppGroup("portal", help="Cổng thi đua, khen thưởng: quản trị dòng lệnh.")


@portal_cli.command("plugins")
def plugins_command():
    """List installed plugins with version and hooks."""
    from portal.plugins import get_registry

    for info in get_registry().installed():
        flag = " (luôn bật)" if info.required else ""
        click.echo(f"{info.name:<24} {info.version or '-':<8} {info.title}{flag}")
        if info.hooks:
            click.echo(f"{'':<24} hooks: {', '.join(info.hooks)}")


@portal_cli.command("check")
def check_command():
    """Fail when a province names a plugin that is not installed (run at deploy and in CI)."""
    from portal.catalogue import award_types_for
    from portal.models import Province
    from portal.plugins import MissingPluginError, get_registry

    registry = get_registry()
    problems = []
    for province in db.session.scalars(select(Province).order_by(Province.code)):
        missing = [n for n in province.enabled_plugin_names if not registry.is_installed(n)]
        if missing:
            problems.append(f"{province.code}: plugin chưa cài đặt: {', '.join(missing)}")
            continue
        try:
            award_types_for(province)
        except MissingPluginError as exc:  # pragma: no cover - covered above
            problems.append(f"{province.code}: {exc}")
        except Exception as exc:  # noqa: BLE001 - report any plugin failure by province
            problems.append(f"{province.code}: {type(exc).__name__}: {exc}")
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("OK: mọi plugin được bật đều đã cài đặt.")


@portal_cli.command("create-admin")
@click.argument("username")
@click.option("--full-name", default="Quản trị hệ thống")
@click.password_option()
def create_admin_command(username, full_name, password):
    """Create an administrator account (first step after installing)."""
    from portal.audit import audit_actor
    from portal.models import Role, RoleAssignment, User
    from portal.passwords import hash_password, policy_problem
    from portal.text import search_text, sort_key

    if problem := policy_problem(password, username):
        raise click.BadParameter(problem)
    with audit_actor("cli"):
        user = User(
            username=username.lower(), full_name=full_name, sort_key=sort_key(full_name),
            search_text=search_text(username, full_name), password_hash=hash_password(password),
        )
        user.roles.append(RoleAssignment(role=Role.ADMIN))
        db.session.add(user)
        db.session.commit()
    click.echo(f"Đã tạo quản trị viên {user.username}.")


@portal_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli")
def token_command(username, name):
    """Create a personal API token for USERNAME and print it once."""
    from portal.audit import audit_actor
    from portal.models import User
    from portal.security import new_api_token

    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        raise click.ClickException(f"Không có tài khoản {username}")
    with audit_actor("cli"):
        _token, plain = new_api_token(user, name)
        db.session.commit()
    click.echo(plain)


@portal_cli.command("demo")
@click.option("--reset", is_flag=True, help="Xóa cơ sở dữ liệu SQLite cũ trước khi tạo.")
def demo_command(reset):
    """Build the database through the migrations and load the demo provinces, units, blocks, users."""
    from flask import current_app
    from flask_migrate import upgrade

    from portal import demo

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if reset and uri.startswith("sqlite:///"):
        from pathlib import Path

        db.engine.dispose()
        Path(uri.removeprefix("sqlite:///")).unlink(missing_ok=True)
    upgrade()
    logins = demo.load()
    if logins is None:
        click.echo("Dữ liệu mẫu đã có; không nạp lại (dùng --reset để làm lại từ đầu).")
        logins = demo.LOGINS
    click.echo("Tài khoản mẫu (tên đăng nhập / mật khẩu / vai trò):")
    for username, password, label in logins:
        click.echo(f"  {username:<14} {password:<16} {label}")


@portal_cli.group("backup")
def backup_cli():
    """Back up one province to a zip archive, or restore one (portal/services/backup.py)."""


@backup_cli.command("export")
@click.option("--province", "province_ref", required=True, help="Mã tỉnh (laichau) hoặc số hiệu.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Ghi đè tệp đã có.")
def backup_export_command(province_ref, output, force):
    """Write every row of one province (all years), its stored files and a manifest to OUTPUT."""
    from portal.services.backup import BackupError, export_province

    try:
        manifest = export_province(province_ref, output, overwrite=force)
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    rows = sum(manifest["row_counts"].values())
    click.echo(f"Đã sao lưu tỉnh {manifest['province']['code']}: {rows} dòng, "
               f"{len(manifest['files'])} thành phần, vào {output}.")
    for ref in manifest["external_references"]:
        click.echo(f"  Tham chiếu ra ngoài tỉnh: {ref['table']}.{ref['column']} → {ref['target']} {ref['key']}")
    for missing in manifest["missing_files"]:
        click.echo(f"  Thiếu tệp lưu trữ: {missing['table']} #{missing['id']}", err=True)


@backup_cli.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def backup_import_command(archive):
    """Check ARCHIVE completely, then restore its province in one transaction (ids preserved)."""
    from portal.services.backup import BackupError, import_archive

    try:
        report = import_archive(archive, actor="cli:backup import")
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Đã phục hồi tỉnh {report.province['code']}: {sum(report.row_counts.values())} dòng, "
               f"{report.files} tệp lưu trữ.")
    for table, count in report.already_present.items():
        click.echo(f"  Đã có sẵn, giống hệt, giữ nguyên: {count} dòng {table}")
    for line in report.cleared:
        click.echo(f"  Bỏ tham chiếu tới dòng không có trên cổng này: {line}")
    for missing in report.missing_files:
        click.echo(f"  Tệp đã thiếu từ khi sao lưu: {missing['table']} #{missing['id']}", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(portal_cli)
