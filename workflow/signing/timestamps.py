"""The time a signer's signature carries (PAdES B-T): an RFC 3161 timestamp from the authority in
SIGNING_TSA_URL (in Vietnam commonly the Ban Cơ yếu's http://tsa.ca.gov.vn); without one the signature is B-B,
its time only as the signer's system reported it."""
from __future__ import annotations

from flask import current_app


def timestamper():
    url = current_app.config.get("SIGNING_TSA_URL")
    if not url:
        return None
    from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper  # synchronous: runs inside issuing

    return HTTPTimeStamper(url, timeout=current_app.config.get("SIGNING_TSA_TIMEOUT", 10))
