"""Command-line entry point: `tracker COMMAND ...`.

Each command lives in its own module and registers itself on the shared `app`;
importing the modules here is what makes them appear.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from tracker.cli.app import app
from tracker.errors import TrackerError

# Command modules (each registers its commands on `app` when imported).
from tracker.cli import version as _version  # noqa: F401  isort: skip
from tracker.cli import scan as _scan  # noqa: F401  isort: skip
from tracker.cli import report as _report  # noqa: F401  isort: skip
from tracker.cli import sandbox as _sandbox  # noqa: F401  isort: skip
from tracker.cli import db as _db, init as _init, sync as _sync  # noqa: F401  isort: skip
from tracker.cli import remind as _remind  # noqa: F401  isort: skip
from tracker.cli import doctor as _doctor  # noqa: F401  isort: skip
from tracker.cli import demo as _demo  # noqa: F401  isort: skip
from tracker.cli import schedule as _schedule  # noqa: F401  isort: skip
from tracker.cli import config_cmd as _config  # noqa: F401  isort: skip


def usage_error_line(error: typer.TyperException) -> str:
    """A usage error as one line, e.g. `--format: 'yaml' is not one of … (see `tracker
    report --help`)`, instead of typer's boxed panel."""
    message = error.format_message()
    param = getattr(error, "param", None)
    if isinstance(error, typer.BadParameter) and error.message and param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        name = opts[0] if opts else param.human_readable_name
        message = f"{name}: {error.message.removeprefix('Value error, ').rstrip('.')}"
    message = message.strip().splitlines()[0].rstrip(".") if message.strip() else "usage error"
    ctx = getattr(error, "ctx", None)
    if ctx is not None and getattr(error, "exit_code", 1) == 2:
        message += f" (see `{ctx.command_path} --help`)"
    return message


# How a value's type reads in --help: typer shows Python's (`<list[str]>`, `<bool>`).
_TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "date": "DATE"}


def _readable_type(label: str) -> str:
    """`<list[Path]>` → `PATH`, `<str>` → `TEXT`, `<bool>` → `` (a flag takes no value)."""
    label = label.strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    if label == "bool":
        return ""
    if "|" in label:  # choices: shown as they are typed
        return label
    return _TYPE_WORDS.get(label, label.upper())


def readable_help(command: Any, ctx: Any = None) -> Any:
    """Give every parameter of `command` (and its subcommands) a metavar in words."""
    from typer._click.core import Context
    from typer.core import TyperOption

    context = ctx or Context(command, info_name=command.name)
    help_option = command.get_help_option(context)
    params = [*getattr(command, "params", []), *([help_option] if help_option else [])]
    for param in params:
        if getattr(param, "metavar", None) is not None:
            continue
        try:
            words = _readable_type(str(param.display_type(context)))
        except (AttributeError, TypeError):
            continue
        if isinstance(param, TyperOption):
            param.metavar = words
        else:  # an argument keeps its name; only its type column changes
            param.display_type_rich = lambda ctx, words=words: words
    for sub in getattr(command, "commands", {}).values():
        readable_help(sub, Context(sub, info_name=sub.name, parent=context))
    return command


def _print_error(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[red]error:[/red] {escape(message)}")  # "[sync]" in a message is text


def main() -> None:
    """Run the CLI; a TrackerError or a usage error becomes one line on stderr and its
    exit code (usage errors: 2). Anything else is a bug and keeps its traceback."""
    try:
        command = readable_help(typer.main.get_command(app))
        code = command.main(prog_name="tracker", standalone_mode=False)
    except TrackerError as error:
        _print_error(str(error))
        sys.exit(error.exit_code)
    except typer.TyperException as error:  # click's usage errors (typer vendors click)
        if type(error).__name__ != "NoArgsIsHelpError":  # its help is already printed
            _print_error(usage_error_line(error))
        sys.exit(error.exit_code)
    except typer.Abort:
        _print_error("aborted")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
