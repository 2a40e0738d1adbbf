"""A valid EBTS subject for the booking tests (the project's sample subject, `sync.sample`), with any field changed."""

from __future__ import annotations

import dataclasses


def subject(**changes: object):
    from sync.sample import sample_subject

    return dataclasses.replace(sample_subject(), **changes)
