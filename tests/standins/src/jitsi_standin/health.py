"""The periodic health checker both services use, modelled on jicoco's HealthChecker.

jicoco jicoco-health-checker/.../HealthChecker.kt @e8384e28: the result starts as a success, the first
check runs one interval after the start (jitsi-utils PeriodicRunnable waits one period unless told
otherwise), a check slower than max-check-duration counts as a failure, and when no check finished
within `timeout` the result is a hard failure.
"""

import asyncio
import logging
import time
from dataclasses import dataclass

log = logging.getLogger("jitsi_standin.health")


@dataclass
class Result:
    success: bool = True
    hard_failure: bool = True
    message: str = None

    def http_status(self):
        """jicoco rest/Health.java and jicofo ktor/Application.kt: 500 for a hard failure, else 503."""
        if self.success:
            return 200
        return 500 if self.hard_failure else 503

    def as_json(self):
        # JicofoServices.kt getStats(): the "health" object.
        return {"success": self.success, "hardFailure": self.hard_failure, "responseCode": None,
                "sticky": False, "message": self.message}


class HealthChecker:
    def __init__(self, settings, check, clock=time.monotonic):
        self.settings = settings
        self.check = check  # coroutine function -> Result
        self.clock = clock
        self.last = Result()
        self.last_time = clock()
        self.slow_checks = 0
        self.checks = 0  # completed checks (test-only view)

    @property
    def result(self):
        since = self.clock() - self.last_time
        if since > self.settings.timeout:
            return Result(False, True, f"No health checks performed recently, the last result was {since:.0f}s ago.")
        return self.last

    def record(self, result, took):
        self.last_time = self.clock()
        self.checks += 1
        if took > self.settings.max_check_duration:
            self.slow_checks += 1
            result = Result(False, True, f"Performing a health check took too long: {took:.1f}s")
        if not result.success:
            log.error("Health check failed in %.1fs: %s", took, result.message)
        elif not self.last.success:
            log.info("Performed a successful health check in %.1fs", took)
        self.last = result

    async def run_once(self):
        start = self.clock()
        try:
            result = await self.check()
        except Exception as exc:  # noqa: BLE001 - upstream turns any exception into a hard failure
            result = Result(False, True, f"Failed to run health check: {exc}")
        self.record(result, self.clock() - start)

    async def run(self):
        while True:
            await asyncio.sleep(self.settings.interval)
            await self.run_once()
