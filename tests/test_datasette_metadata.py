"""The published metadata covers the whole schema, and `pdt serve` starts Datasette safely."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from pipeline import cli
from tracker.config import load_config
from tracker.db import open_db
from tracker.serve import METADATA_FILE, datasette_args, load_metadata, prepare_database

HIDDEN = {"_migrations"}


def published_relations(db) -> dict[str, list[str]]:
    """Return every table and view Datasette shows, with its columns."""
    names = [n for n in db.table_names() if "_fts" not in n and n not in HIDDEN]
    found = {name: [c.name for c in db[name].columns] for name in names}
    found.update({name: [c.name for c in db.view(name).columns] for name in db.view_names()})
    return found


def test_metadata_has_title_licence_source_and_attribution():
    meta = load_metadata()
    assert meta["title"] == "Preventable Deaths Tracker"
    assert meta["license"] == "Open Government Licence v3.0"
    assert "open-government-licence/version/3" in meta["license_url"]
    assert meta["source_url"].startswith("https://www.judiciary.uk/")
    assert "Attribution" in meta["description_html"]


def test_every_table_view_and_column_is_described():
    tables = load_metadata()["databases"]["pdt"]["tables"]
    missing = []
    for name, columns in published_relations(open_db(":memory:")).items():
        table = tables.get(name, {})
        if not table.get("description"):
            missing.append(name)
        described = table.get("columns", {})
        missing += [f"{name}.{c}" for c in columns if not described.get(c)]
    assert not missing, f"datasette/metadata.yml does not describe: {missing}"


def test_metadata_names_only_real_tables_columns_and_facets():
    relations = published_relations(open_db(":memory:"))
    tables = load_metadata()["databases"]["pdt"]["tables"]
    for name, table in tables.items():
        if name in HIDDEN:
            continue
        assert name in relations, f"metadata describes a table that does not exist: {name}"
        extra = set(table.get("columns", {})) - set(relations[name])
        assert not extra, f"{name} describes columns it does not have: {extra}"
        for facet in table.get("facets", []):
            column = facet if isinstance(facet, str) else next(iter(facet.values()))
            assert column in relations[name], f"{name} facets on a missing column {column}"
        for key in ("sort", "sort_desc", "label_column"):
            if key in table:
                assert table[key] in relations[name], f"{name}.{key}"


def test_serve_arguments_are_immutable_loopback_and_limited(tmp_path):
    config = load_config(tmp_path)
    args = datasette_args(config)
    assert args[:3] == ["serve", "--immutable", str(config.db_path)]
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert "--metadata" in args and "--plugins-dir" in args and "--template-dir" in args
    pairs = [args[i + 1 : i + 3] for i, a in enumerate(args) if a == "--setting"]
    limits = {k: int(v) for k, v in pairs if k in ("sql_time_limit_ms", "max_returned_rows")}
    assert 0 < limits["sql_time_limit_ms"] <= 2000 and limits["max_returned_rows"] == 2000
    assert datasette_args(config, host="0.0.0.0")[args.index("--host") + 1] == "0.0.0.0"


def test_a_renamed_store_gets_its_metadata(tmp_path, monkeypatch):
    monkeypatch.setenv("PDT_DB", str(tmp_path / "other.db"))
    config = load_config()
    args = datasette_args(config)
    path = Path(args[args.index("--metadata") + 1])
    assert path != METADATA_FILE
    written = json.loads(path.read_text(encoding="utf-8"))
    assert "other" in written["databases"] and "pdt" not in written["databases"]


def test_prepare_database_folds_the_log_into_the_file(tmp_path):
    path = tmp_path / "pdt.db"
    db = open_db(path)
    db["themes"].insert({"id": "t1", "label": "A theme"})
    prepare_database(path)
    wal = tmp_path / "pdt.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    assert conn.execute("select label from themes").fetchone() == ("A theme",)


def test_serve_without_a_store_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "empty"), "serve"])
    assert result.exit_code != 0
    assert "no database" in result.output
