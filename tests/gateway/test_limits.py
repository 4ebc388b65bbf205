from taiga_events.limits import TokenBucket


def test_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=2, burst=3, now=0.0)
    assert [bucket.allow(0.0) for _ in range(4)] == [True, True, True, False]
    # Half a second brings one token back at two per second.
    assert bucket.allow(0.5)
    assert not bucket.allow(0.5)
    # A long pause refills up to the burst, not beyond.
    assert [bucket.allow(100.0) for _ in range(4)] == [True, True, True, False]
