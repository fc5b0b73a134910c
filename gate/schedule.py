"""When each check runs: the ones that run alone, the pool, and the ones that run last.

The runner hands over two callbacks: `run_one(check_id)` runs and judges one check (giving a live one
the service), `after_live(check_id)` follows every live check (the runner confirms the service is
still alive). Which check goes where is read from the checks' own traits; no check is named here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from gate import proc
from gate.checks import CHECKS
from gate.checks.base import traits

POOL_WORKERS = 3  # the checks that run neither alone nor last (static and live) overlap in a pool


def submission_order(check_ids: Sequence[str]) -> list[str]:
    """The checks in the order they go to the pool: longest first (TYPICAL_DURATION_S), ties in CHECKS order.

    A long check submitted last waits for a worker and then runs alone at the end, making the run longer.
    """
    position = {check_id: index for index, check_id in enumerate(CHECKS)}
    return sorted(check_ids, key=lambda c: (-traits(CHECKS[c]).typical_duration_s, position[c]))


def run_scheduled(check_ids: Sequence[str], run_one: Callable[[str], None], after_live: Callable[[str], None]) -> None:
    """The checks that run alone (RUNS_ALONE) one by one in CHECKS order, then the others in the pool,
    with the RUNS_LAST checks once the pool's live checks are done."""
    pooled, last = [], []
    for check_id in check_ids:
        declared = traits(CHECKS[check_id])
        if declared.runs_last:
            last.append(check_id)
        elif not declared.runs_alone:
            pooled.append(check_id)
        else:
            run_one(check_id)
            if declared.live:
                after_live(check_id)
    _run_pool(submission_order(pooled), last, run_one, after_live)


def _run_pool(
    pooled: list[str], last: list[str], run_one: Callable[[str], None], after_live: Callable[[str], None]
) -> None:
    """The pool, longest first; once its live checks are done, the RUNS_LAST checks one by one in this
    thread while the pool's static checks go on."""
    with ThreadPoolExecutor(max_workers=POOL_WORKERS) as pool:
        futures = {check_id: pool.submit(run_one, check_id) for check_id in pooled}
        try:
            for check_id in pooled:
                if traits(CHECKS[check_id]).live:
                    futures[check_id].result()  # run_one never raises for a check's own failure; this re-raises bugs
                    after_live(check_id)
            for check_id in last:
                run_one(check_id)
                if traits(CHECKS[check_id]).live:
                    after_live(check_id)
            for future in futures.values():
                future.result()
        except BaseException:
            # Ctrl-C arrives in this thread; the workers are blocked on their tools. Killing the tools
            # lets the pool's shutdown finish at once instead of waiting for every check to end.
            proc.stop_all()
            raise
