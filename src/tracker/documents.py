"""The postmortems a configuration selects, parsed one at a time.

One place applies [documents] (include, exclude, status words) and keys item ids to
the config folder, so recording, sync and dry runs all see the same items.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from tracker.config import Config
from tracker.model import Postmortem


def configured_documents(config: Config, paths: Iterable[Path | str]) -> Iterator[Postmortem]:
    """`iter_documents` over `paths` with the configuration's document settings."""
    from tracker.parse import iter_documents

    return iter_documents(
        list(paths),
        include=config.documents.include,
        exclude=config.documents.exclude,
        status_words=dict(config.documents.status_words),
        root=config.base_dir,
        limits=config.documents.limits(),
    )
