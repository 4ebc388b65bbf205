"""Process-level set-up of the standalone gateway."""

from __future__ import annotations

import resource

from taiga_events.app import raise_file_limit


def test_the_open_file_limit_is_raised_as_far_as_allowed() -> None:
    # One descriptor per client: the soft limit (often 1024) is what stops a gateway.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))
    try:
        assert raise_file_limit() == hard
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
