"""The `pdt` command line: the order of stages, and nothing else.

Every command opens the store, calls one library function, and prints its summary. Parsing,
SQL and network code live in crawler/, nlp/ and tracker/.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from tracker.config import Config, load_config, parse_as_of

log = logging.getLogger("pdt")

AS_OF_HELP = "Treat this ISO date (YYYY-MM-DD) as today. Default: today."


def setup_logging(verbose: int, quiet: bool) -> None:
    """Configure logging once, through rich."""
    from rich.logging import RichHandler

    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(show_path=False, rich_tracebacks=True)],
        force=True,
    )
    for noisy in ("scrapy", "twisted", "pdfminer", "filelock", "urllib3", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose < 2 else logging.INFO)


def not_built(what: str) -> None:
    """Fail clearly for a stage that a later piece of work will provide."""
    raise click.ClickException(f"`pdt {what}` is not built yet.")


def echo_summary(title: str, figures: dict) -> None:
    """Print a stage summary as aligned `name: value` lines."""
    click.echo(title)
    width = max((len(str(k)) for k in figures), default=0)
    for key, value in figures.items():
        click.echo(f"  {str(key).ljust(width)}  {value}")


class Context:
    """What every command gets: the config, and flags that shape output."""

    def __init__(self, config: Config, quiet: bool) -> None:
        self.config = config
        self.quiet = quiet

    def db(self):
        from tracker.db import open_db

        self.config.ensure_dirs()
        return open_db(self.config.db_path)


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PDT_DATA_DIR",
    default="data",
    show_default=True,
    help="Folder holding pdt.db, files/, caches and models (env PDT_DATA_DIR).",
)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and the final summary.")
@click.version_option(package_name="preventable-deaths-tracker")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path, verbose: int, quiet: bool) -> None:
    """Preventable Deaths Tracker: crawl, read, track and publish coroners' PFD reports.

    Example: pdt --data-dir data demo
    """
    setup_logging(verbose, quiet)
    ctx.obj = Context(load_config(data_dir), quiet)


@cli.command()
@click.option(
    "--base-url",
    default="https://www.judiciary.uk",
    show_default=True,
    help="Site to crawl, e.g. a local replay at http://127.0.0.1:8000.",
)
@click.option("--since", help="Only reports added on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Only reports added on or before this date (YYYY-MM-DD).")
@click.option("--limit", type=int, help="Stop after this many report pages.")
@click.option(
    "--resume",
    is_flag=True,
    help="Resume a stopped or killed crawl (job state under <data-dir>/jobs).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Walk both listings, re-read every report, re-check every document; "
    "reports no longer listed get removed_at.",
)
@click.option("--concurrency", type=int, default=None, help="Requests in flight per domain.")
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Scrapy processes sharing the listing pages and the concurrency (one core each); "
    "for a local replay or mirror, where the crawl is CPU-bound.",
)
@click.option("--no-files", is_flag=True, help="Do not download documents.")
@click.option("--as-of", help=AS_OF_HELP)
@pass_ctx
def crawl(
    ctx: Context,
    base_url,
    since,
    until,
    limit,
    resume,
    full,
    concurrency,
    workers,
    no_files,
    as_of,
):
    """Crawl the judiciary site's reports and documents into the store.

    By default the crawl is incremental: it walks the listings until it meets known reports,
    then re-checks (conditionally) reports whose responses are outstanding or recently due.

    Example: pdt crawl --base-url http://127.0.0.1:8000 --full
    """
    from crawler.runner import CrawlOptions, run_crawl

    options = CrawlOptions(
        base_url=base_url,
        since=since,
        until=until,
        limit=limit,
        resume=resume,
        full=full,
        concurrency=concurrency,
        workers=workers,
        download_files=not no_files,
        as_of=parse_as_of(as_of).isoformat(),
    )
    if ctx.quiet:
        options.settings["LOG_LEVEL"] = "WARNING"
    elif logging.getLogger().getEffectiveLevel() <= logging.DEBUG:
        options.settings["LOG_LEVEL"] = "DEBUG"
    summary = run_crawl(ctx.config, options)
    echo_summary("crawl", summary)
    if summary.get("status") == "failed":
        raise click.ClickException("crawl failed; see the errors table")


@cli.command()
@click.option("--workers", type=int, default=None, help="Processes for PDF extraction.")
@click.option("--force", is_flag=True, help="Re-extract documents already extracted.")
@pass_ctx
def extract(ctx: Context, workers, force):
    """Extract text from stored documents and split reports into sections.

    Example: pdt extract --workers 2
    """
    try:
        from nlp.extract import run_extract
    except ImportError:
        not_built("extract")
    echo_summary(
        "extract",
        run_extract(ctx.db(), ctx.config, workers=workers, force=force, progress=not ctx.quiet),
    )


@cli.command()
@pass_ctx
def classify(ctx: Context):
    """Split recipients, type organisations, match responses, and assign themes.

    Example: pdt classify
    """
    try:
        from nlp.classify import run_classify
    except ImportError:
        not_built("classify")
    echo_summary("classify", run_classify(ctx.db(), ctx.config, progress=not ctx.quiet))


@cli.group()
def train():
    """Train the models the classify stage uses; each is saved in the data dir's models/.

    Example: pdt train themes --seed 20240528
    """


@train.command(name="themes")
@click.option(
    "--labelled-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of PFD-toolkit labelled CSVs (default: ../shared/data if present).",
)
@click.option(
    "--no-labelled", is_flag=True, help="Train from the shipped seeds and the store only."
)
@click.option("--seed", type=int, default=None, help="Random seed (default: the project's).")
@pass_ctx
def train_themes_cmd(ctx: Context, labelled_dir, no_labelled, seed):
    """Train the concern-theme classifier from seeds, the store and labelled files.

    Example: pdt train themes --labelled-dir ../shared/data
    """
    from nlp.theme_train import SEED, train_themes

    model = train_themes(
        ctx.db(),
        ctx.config,
        labelled_dir=labelled_dir,
        seed=SEED if seed is None else seed,
        use_labelled=not no_labelled,
    )
    card = model.card
    echo_summary(
        "train themes",
        {
            "model_version": model.version,
            "rows": card.get("rows"),
            "gold_reports": card.get("gold_reports"),
            "corpus_items": card.get("corpus_items"),
            "themes_with_model": sum(1 for c in model.classifiers.values() if c is not None),
            "themes_tuned_on_gold": len(model.stackers),
            "saved_to": str(ctx.config.models_dir),
        },
    )


@cli.command()
@click.option("--as-of", help=AS_OF_HELP)
@pass_ctx
def analyse(ctx: Context, as_of):
    """Compute response statuses, roll-ups, ref gaps, removed reports and FOI matches.

    Example: pdt analyse --as-of 2025-07-01
    """
    try:
        from tracker.analyse import run_analyse
    except ImportError:
        not_built("analyse")
    echo_summary("analyse", run_analyse(ctx.db(), parse_as_of(as_of)))


@cli.command()
@click.option(
    "--base-url", default="https://www.judiciary.uk", show_default=True, help="Site to crawl."
)
@click.option("--full", is_flag=True, help="Full crawl instead of incremental.")
@click.option("--limit", type=int, help="Stop after this many report pages.")
@click.option("--as-of", help=AS_OF_HELP)
@click.pass_context
def run(click_ctx: click.Context, base_url, full, limit, as_of):
    """Run crawl, extract, classify and analyse in order.

    Example: pdt run --base-url http://127.0.0.1:8000 --full
    """
    click_ctx.invoke(
        crawl,
        base_url=base_url,
        full=full,
        limit=limit,
        as_of=as_of,
        since=None,
        until=None,
        resume=False,
        concurrency=None,
        no_files=False,
    )
    for stage, kwargs in ((extract, {}), (classify, {}), (analyse, {"as_of": as_of})):
        try:
            click_ctx.invoke(stage, **kwargs)
        except click.ClickException as exc:
            if "not built yet" not in exc.message:
                raise
            log.warning("%s", exc.message)


@cli.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "reports", "status"]),
    default="auto",
    show_default=True,
    help="Which PDT export layout FILE has.",
)
@pass_ctx
def import_(ctx: Context, file: Path, fmt: str):
    """Load a Preventable-Deaths-Tracker-style CSV export through the crawler's writers.

    Example: pdt import reports.csv
    """
    from tracker.importer import run_import

    try:
        summary = run_import(ctx.db(), file, fmt=fmt, progress=not ctx.quiet)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    echo_summary("import", summary)


@cli.group()
def foi():
    """Reconcile an organisation's FOI list of the reports it received with the website.

    Example: pdt foi import received.xlsx --organisation "Mersey Care NHS Foundation Trust"
    """


@foi.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organisation", required=True, help="Who sent the list, as named in reports.")
@click.option("--from", "date_from", help="Compare reports dated on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Compare reports dated on or before (YYYY-MM-DD).")
@pass_ctx
def foi_import(ctx: Context, file: Path, organisation: str, date_from, date_to):
    """Load a CSV or XLSX list of reports an organisation holds, and match it to the site.

    Stores three lists: matched, missing from the site, and not located by the organisation
    (published to it but absent from its list, within the list's date span unless --from/--to).

    Example: pdt foi import foi-reply.csv --organisation "Sussex Partnership NHS Foundation Trust"
    """
    from tracker.foi import import_foi

    try:
        summary = import_foi(ctx.db(), file, organisation, date_from=date_from, date_to=date_to)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    echo_summary("foi import", summary)


@foi.command(name="list")
@pass_ctx
def foi_list(ctx: Context):
    """Show the FOI lists stored, with how many rows matched, are missing, or were not located.

    Example: pdt foi list
    """
    from tracker.foi import list_fois

    for row in list_fois(ctx.db()):
        echo_summary(f"{row.pop('organisation')} ({row.pop('file_name')})", row)


@cli.group()
def orgs():
    """Look after the organisation register (NHS trusts, health boards, ICBs, national bodies).

    Example: pdt orgs refresh
    """


@orgs.command(name="refresh")
@pass_ctx
def orgs_refresh(ctx: Context):
    """Update the NHS part of the register from the NHS ODS API, then load it into the store.

    Needs the internet. The refreshed rows are kept in <data dir>/register/ and win over the
    register shipped in nlp/data, which is what classify uses offline.

    Example: pdt orgs refresh
    """
    from nlp.ods import OdsUnavailable, refresh_register
    from nlp.organisations import run as load_register_into_store

    try:
        summary = refresh_register(ctx.config.data_dir, ctx.config.user_agent)
    except OdsUnavailable as exc:
        raise click.ClickException(
            f"the NHS ODS API cannot be reached ({exc}); the register shipped in nlp/data "
            "still serves offline"
        ) from exc
    echo_summary("orgs refresh", summary.as_dict())
    echo_summary("register", load_register_into_store(ctx.db(), ctx.config, progress=False))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=8001, show_default=True, help="Port to bind.")
@pass_ctx
def serve(ctx: Context, host: str, port: int):
    """Publish the store read-only with Datasette.

    Example: pdt serve --port 8001
    """
    from tracker.serve import serve_datasette

    try:
        serve_datasette(ctx.config, host=host, port=port)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command()
@click.option("--trust-subtype", help="e.g. mental_health, ambulance.")
@click.option("--organisation", help="One organisation, by name.")
@click.option("--theme", help="One concern theme.")
@click.option("--area", help="One coroner area.")
@click.option("--from", "date_from", help="First date of report (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Last date of report (YYYY-MM-DD).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the pack.",
)
@click.option(
    "--format",
    "formats",
    default="csv,xlsx,html,md",
    show_default=True,
    help="Comma-separated formats.",
)
@click.option("--as-of", help=AS_OF_HELP)
@pass_ctx
def export(
    ctx: Context, trust_subtype, organisation, theme, area, date_from, date_to, out, formats, as_of
):
    """Write a briefing pack (CSV, XLSX, HTML, Markdown) for a trust type, trust, theme or area.

    Example: pdt export --trust-subtype mental_health --out packs/mh --format csv,xlsx,html,md
    """
    try:
        from tracker.export import ExportError, run_export
    except ImportError:
        not_built("export")
    try:
        result = run_export(
            ctx.db(),
            out=out,
            trust_subtype=trust_subtype,
            organisation=organisation,
            theme=theme,
            area=area,
            date_from=date_from,
            date_to=date_to,
            formats=formats.split(","),
            as_of=parse_as_of(as_of),
            progress=not ctx.quiet,
        )
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    echo_summary("export", result)


@cli.command()
@click.option("--no-serve", is_flag=True, help="Build the demo database, then stop.")
@click.option("--port", type=int, default=8001, show_default=True, help="Datasette port.")
@click.option("--faults", default="", help="Comma-separated replay faults to switch on.")
@click.option(
    "--as-of",
    default="2026-11-24",
    show_default=True,
    help="The demo's fixed clock, so its statuses never drift.",
)
@pass_ctx
def demo(ctx: Context, no_serve: bool, port: int, faults: str, as_of: str):
    """Serve the bundled sample site on loopback, run every stage on it, then open Datasette.

    Example: pdt --data-dir /tmp/pdt-demo demo --no-serve
    """
    from tracker.demo import run_demo

    summary = run_demo(ctx.config, as_of=parse_as_of(as_of), faults=faults, quiet=ctx.quiet)
    echo_summary("demo", summary)
    if not no_serve:
        from tracker.serve import serve_datasette

        serve_datasette(ctx.config, host="127.0.0.1", port=port)


def main() -> None:
    """Entry point of the `pdt` console script."""
    cli(prog_name="pdt")


if __name__ == "__main__":
    sys.exit(main())
