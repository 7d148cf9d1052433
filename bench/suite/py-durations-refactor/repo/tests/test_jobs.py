from jobs.retry import delays
from jobs.scheduler import Job


def test_job_due():
    job = Job("backup", "2h", last_run=100)
    assert job.next_run() == 7300
    assert not job.due(7299)
    assert job.due(7300)


def test_plain_seconds():
    assert Job("ping", " 90 ").interval_s == 90


def test_delays():
    assert delays("30s", "2m", 4) == [30, 60, 120, 120]
