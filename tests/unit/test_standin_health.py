"""The periodic health checker of both stand-ins behaves like jicoco's HealthChecker."""

import asyncio

from jitsi_standin.config import HealthSettings
from jitsi_standin.health import HealthChecker, Result


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _checker(clock, check=None):
    async def fail():
        return Result(False, False, "soft")

    return HealthChecker(HealthSettings(interval=10, timeout=30, max_check_duration=20), check or fail, clock)


def test_result_is_a_success_until_the_first_check():
    clock = Clock()
    checker = _checker(clock)
    assert checker.result.success and checker.result.http_status() == 200


def test_a_failed_check_is_the_result_and_soft_failures_are_503():
    clock = Clock()
    checker = _checker(clock)
    asyncio.run(checker.run_once())
    assert (checker.result.success, checker.result.message, checker.result.http_status()) == (False, "soft", 503)
    assert Result(False, True, "hard").http_status() == 500


def test_no_check_within_the_timeout_is_a_hard_failure():
    clock = Clock()
    checker = _checker(clock)
    clock.now += 31
    result = checker.result
    assert not result.success and result.hard_failure and "No health checks performed recently" in result.message


def test_a_slow_check_fails_and_is_counted():
    clock = Clock()

    async def slow():
        clock.now += 25
        return Result()

    checker = _checker(clock, slow)
    asyncio.run(checker.run_once())
    assert not checker.result.success and "took too long" in checker.result.message
    assert checker.slow_checks == 1


def test_an_exception_in_the_check_is_a_hard_failure():
    async def broken():
        raise RuntimeError("boom")

    checker = _checker(Clock(), broken)
    asyncio.run(checker.run_once())
    assert checker.result == Result(False, True, "Failed to run health check: boom")


def test_the_first_check_runs_one_interval_after_the_start():
    calls = []

    async def check():
        calls.append(1)
        return Result()

    checker = HealthChecker(HealthSettings(interval=0.05, timeout=30, max_check_duration=20), check)

    async def main():
        task = asyncio.ensure_future(checker.run())
        await asyncio.sleep(0.02)
        first = len(calls)
        await asyncio.sleep(0.1)
        task.cancel()
        return first, len(calls)

    first, later = asyncio.run(main())
    assert first == 0 and later >= 1
