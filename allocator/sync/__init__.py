"""Turning the published plan into Zoom meetings, exactly once: the outbox worker, reconciliation with
Zoom's own view, and the leader lock that keeps several instances from doing it twice."""

from allocator.sync.leader import LeaderLock, LeaderLockHeld
from allocator.sync.reconcile import Finding, ReconcileReport, reconcile
from allocator.sync.worker import CRASH_ENV, Job, SyncReport, SyncWorker, ZoomGateway

__all__ = [
    "CRASH_ENV",
    "Finding",
    "Job",
    "LeaderLock",
    "LeaderLockHeld",
    "ReconcileReport",
    "SyncReport",
    "SyncWorker",
    "ZoomGateway",
    "reconcile",
]
