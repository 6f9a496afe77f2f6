"""The command line: parse arguments, wire sources, engine and reports together, map errors to exit codes.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage, input or policy errors.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from scanner import __version__
from scanner.errors import HascanError, UsageError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMAT_NAMES = ("text", "json", "sarif", "markdown")
SEVERITIES = ("critical", "high", "medium", "low")


def _policies_option(func: Any) -> Any:
    func = click.option("--mapping", "mapping_path", type=click.Path(dir_okay=False), default=None,
                        help="Compliance mapping file. Default: the built-in mappings/soc2.yaml.")(func)
    return click.option("--policies", "policy_paths", multiple=True, type=click.Path(),
                        help="Policy file or directory, or a GCP custom constraint file (repeatable). "
                             "Default: the built-in rule pack.")(func)


def _config_option(func: Any) -> Any:
    return click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                        help="Configuration file (params per rule and resource, rules on or off). "
                             "Default: .hascan.yaml in the working directory, if there is one.")(func)


def _rule_set(policy_paths: Sequence[str], mapping_path: str | None, config_path: str | None = None,
              strict: bool = False, use_config: bool = True) -> Any:
    from scanner.audit import load_rule_set
    from scanner.config import find_config
    from scanner.policy.pack import builtin_mapping, builtin_policies

    config = find_config(config_path, Path.cwd()) if use_config else None
    return load_rule_set(policy_paths or [builtin_policies()], mapping_path or builtin_mapping(),
                         config_path=config, strict_mapping=strict)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="hascan")
def cli() -> None:
    """Prove a Google Cloud environment matches its high-availability production design.

    hascan evaluates Cloud Asset Inventory assets against declarative CEL rules, maps every
    finding to SOC 2 Trust Services Criteria, and writes SARIF for GitHub code scanning.
    """


@cli.command()
@click.option("--snapshot", "snapshots", multiple=True, type=click.Path(),
              help="CAI export: a file (JSON, NDJSON, ListAssets pages; .gz ok) or a directory. Repeatable.")
@click.option("--project", "projects", multiple=True, metavar="ID",
              help="Audit a live project through Cloud Asset Inventory (repeatable).")
@click.option("--folder", "folders", multiple=True, metavar="NUMBER", help="Audit every project in a folder (live).")
@click.option("--organization", "organizations", multiple=True, metavar="NUMBER",
              help="Audit a whole organization (live).")
@click.option("--save-snapshot", type=click.Path(dir_okay=False),
              help="With a live audit: also write what was read, in gcloud asset export form, for offline re-runs.")
@click.option("--endpoint", envvar="HASCAN_CAI_ENDPOINT", metavar="URL",
              help="Cloud Asset API endpoint override (an emulator or test server; anonymous credentials). "
                   "Also HASCAN_CAI_ENDPOINT.")
@_policies_option
@_config_option
@click.option("-f", "--format", "formats", multiple=True, type=click.Choice(FORMAT_NAMES),
              help="Output format (repeatable; pair each with -o). Default: text.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="Output file for the -f at the same position. Without it, the format goes to stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITIES + ("none",)), default="low", show_default=True,
              help="Exit 1 if a failing or unevaluable check has this severity or higher.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or notes on stderr.")
@click.option("--color/--no-color", default=None, help="Colour the text report. Default: when stdout is a terminal.")
def audit(snapshots: tuple[str, ...], projects: tuple[str, ...], folders: tuple[str, ...],
          organizations: tuple[str, ...], save_snapshot: str | None, endpoint: str | None,
          policy_paths: tuple[str, ...], mapping_path: str | None, config_path: str | None,
          formats: tuple[str, ...], outputs: tuple[str, ...], fail_on: str, quiet: bool, color: bool | None) -> None:
    """Audit a Cloud Asset Inventory snapshot, or live projects, folders or organizations.

    \b
    Examples:
      hascan audit --snapshot examples/phase2/ --config examples/phase2/hascan.yaml
      hascan audit --snapshot assets.json -f sarif -o hascan.sarif --fail-on high
      hascan audit --snapshot export/ -f sarif -o hascan.sarif -f markdown -o summary.md -f text
      hascan audit --project acme-prod --save-snapshot acme-prod.jsonl
    """
    from scanner.audit import audit_live, audit_snapshot
    from scanner.report import FORMATS, RenderContext

    scopes = ([f"projects/{p}" for p in projects] + [f"folders/{f}" for f in folders]
              + [f"organizations/{o}" for o in organizations])
    if bool(snapshots) == bool(scopes):
        raise UsageError("give either --snapshot, or live scopes (--project, --folder, --organization), not both")
    if save_snapshot and not scopes:
        raise UsageError("--save-snapshot goes with a live audit (--project, --folder or --organization)")
    targets = _output_targets(formats, outputs)
    rule_set = _rule_set(policy_paths, mapping_path, config_path)
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    if scopes:
        scan = audit_live(rule_set, scopes, endpoint=endpoint, save_path=save_snapshot, progress=progress.collected)
    else:
        scan = audit_snapshot(rule_set, snapshots, progress=progress.update)
    progress.done()
    if save_snapshot and not quiet:
        click.echo(f"hascan: saved the snapshot to {save_snapshot}", err=True)
    use_color = color if color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    for name, path in targets:
        context = RenderContext(base_dir=Path.cwd(), color=use_color and path is None, fail_on=fail_on)
        payload = FORMATS[name](scan, context)
        if path is None:
            click.echo(payload.decode("utf-8"), nl=False)
        else:
            _write(path, payload)
            if not quiet:
                click.echo(f"hascan: wrote {name} report to {path}", err=True)
    if not quiet and all(path is not None for _, path in targets):
        from scanner.report.text import summary_line
        click.echo(summary_line(scan, fail_on), err=True)
    sys.exit(scan.exit_code(fail_on))


@cli.command()
@_policies_option
@_config_option
@click.option("--severity", type=click.Choice(SEVERITIES), help="Only rules of this severity.")
@click.option("--criterion", help="Only rules mapped to this criterion, e.g. CC6.6 (a prefix such as CC6 works).")
@click.option("--asset-type", help="Only rules that check this asset type, e.g. sqladmin.googleapis.com/Instance.")
@click.option("-f", "--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules(policy_paths: tuple[str, ...], mapping_path: str | None, config_path: str | None, severity: str | None,
          criterion: str | None, asset_type: str | None, fmt: str) -> None:
    """List rules with their severity, asset types and SOC 2 criteria.

    Rules the configuration turns off (or optional rules it does not turn on) are marked.
    """
    from scanner.catalog import filter_rules, render_rule_list

    rule_set = _rule_set(policy_paths, mapping_path, config_path)
    selected = filter_rules(rule_set.rules, severity=severity, criterion=criterion, asset_type=asset_type)
    _, skipped = rule_set.active()
    click.echo(render_rule_list(selected, fmt, off={rule.id: reason for rule, reason in skipped}), nl=False)


@cli.command()
@click.argument("rule_id")
@_policies_option
@_config_option
def explain(rule_id: str, policy_paths: tuple[str, ...], mapping_path: str | None, config_path: str | None) -> None:
    """Show what a rule checks, why, its params (with the configuration's values), and how to fix it."""
    from scanner.catalog import render_explanation

    rule_set = _rule_set(policy_paths, mapping_path, config_path)
    click.echo(render_explanation(rule_set.rules, rule_set.mapping, rule_id, rule_set.config), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_config_option
def validate(paths: tuple[str, ...], config_path: str | None) -> None:
    """Check policy and mapping files without scanning.

    PATHS are policy files or directories and at most one mapping file (a YAML file with a
    top-level 'criteria' key). Default: the built-in rule pack and mappings/soc2.yaml.
    Policies are checked against the schema and their CEL compiled; every rule must be
    mapped, and the mapping may name no unknown rule.
    """
    from scanner.catalog import split_validate_paths

    policy_paths, mapping_path = split_validate_paths(paths)
    rule_set = _rule_set(policy_paths, mapping_path, config_path, strict=True)
    checked = f"; configuration {rule_set.config.path} is valid" if rule_set.config.path else ""
    click.echo(f"OK: {len(rule_set.rules)} rules, {len(rule_set.mapping.criteria)} "
               f"{rule_set.mapping.framework} criteria; every rule is mapped and every condition compiles{checked}.")


@cli.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_policies_option
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only failures.")
def test_command(paths: tuple[str, ...], policy_paths: tuple[str, ...], mapping_path: str | None,
                 verbose: bool) -> None:
    """Run policy test cases (*.test.yaml) against the rules.

    Each case lists assets and the result expected from each rule; hascan reports every
    case that does not match, like a test runner, and exits 1 if any fails.
    """
    from scanner.policytest import render_test_report, run_policy_tests

    rule_set = _rule_set(policy_paths, mapping_path, use_config=False)
    report = run_policy_tests(rule_set, paths)
    click.echo(render_test_report(report, verbose), nl=False)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


def _output_targets(formats: Sequence[str], outputs: Sequence[str]) -> list[tuple[str, str | None]]:
    formats = list(formats) or ["text"]
    if len(outputs) > len(formats):
        raise UsageError(f"{len(outputs)} --output files for {len(formats)} --format(s): give one -f per -o")
    targets = [(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)]
    if sum(1 for _, path in targets if path is None) > 1:
        raise UsageError("only one format can go to stdout; give the others an -o file")
    return targets


def _write(path: str, payload: bytes) -> None:
    try:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)
    except OSError as exc:
        raise UsageError(f"cannot write report: {exc.strerror or exc}", where=path) from None


class _Progress:
    """A one-line progress display on stderr, for terminals only."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.shown = False

    def update(self, stats: Any) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        click.echo(f"\rReading snapshot: {stats.records:,} records, {stats.kept:,} in scope, "
                   f"{len(stats.files)} file(s), {elapsed:.1f}s", nl=False, err=True)
        self.shown = True

    def collected(self, stats: Any) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        retries = f", {stats.retries} retries" if stats.retries else ""
        click.echo(f"\rCollecting from Cloud Asset Inventory: {stats.assets:,} assets, {stats.pages} pages, "
                   f"{len(stats.scopes_done)} scope(s) done{retries}, {elapsed:.1f}s", nl=False, err=True)
        self.shown = True

    def done(self) -> None:
        if self.shown:
            click.echo("", err=True)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: run the CLI and turn every error into a message and an exit code, never a traceback."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="hascan", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except click.exceptions.Abort:
        click.echo("hascan: aborted", err=True)
        sys.exit(130)
    except HascanError as exc:
        click.echo(f"hascan: error: {exc.render()}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("\nhascan: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug: still fail closed, with one readable line
        if os.environ.get("HASCAN_DEBUG"):
            raise
        click.echo(f"hascan: internal error: {type(exc).__name__}: {exc} "
                   "(set HASCAN_DEBUG=1 to see the traceback, and please report it)", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK)
