"""Where a form may send the user next: a path on this site, nothing else."""
from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """A path on this site to go on to; anything else (another host, a scheme, control characters) goes home."""
    if (target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
            and target.isprintable() and "\\" not in target):
        return target
    return url_for("lists.home")
