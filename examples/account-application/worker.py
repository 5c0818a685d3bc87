#!/usr/bin/env python3
"""Activity worker for the account-application example (Python 3 standard library + boto3).

Polls the `check-address` activity (or the ones named by `--activity`, repeatable:
`--activity check-address --activity check-identity` runs both checks), sends a heartbeat when it
takes a task, and answers with SendTaskSuccess (or SendTaskFailure when the task cannot be
checked).

The rules are deliberately simple:

* address: a PO box ("PO Box 12", "P.O. Box", "Post Office Box", "Postfach") is flagged, since a
  bank needs a residential address; an address without a digit is flagged as incomplete.
* identity: an e-mail without "@" or an applicant younger than 18 is flagged.

Each answer is `{"check": "address"|"identity", "flagged": true|false, "reasons": [...]}`.

`--flaky` makes the first attempt of every application fail with the error `CheckUnavailable`,
which the state machine retries (see the `Retry` of CheckAddress/CheckIdentity).

    python3 examples/account-application/worker.py --endpoint http://127.0.0.1:8083
"""

import argparse
import datetime
import json
import re
import signal
import sys
import threading
import time

import boto3
from botocore.config import Config

PO_BOX = re.compile(r"\b(p\.?\s*o\.?\s*box|post\s+office\s+box|postfach)\b", re.IGNORECASE)
ERROR_UNAVAILABLE = "CheckUnavailable"


def log(message):
    print(f"[worker.py] {message}", flush=True)


def client(endpoint, region):
    """A Step Functions client for Baton: dummy credentials, no `sync-` host prefix."""
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        # GetActivityTask holds the request up to 60 s: wait a little longer than that.
        config=Config(inject_host_prefix=False, read_timeout=75, retries={"max_attempts": 2}),
    )


def check_address(application):
    address = str(application.get("address", ""))
    reasons = []
    if PO_BOX.search(address):
        reasons.append(f"PO box address: {address!r} (a residential address is required)")
    elif not re.search(r"\d", address):
        reasons.append(f"incomplete address (no house number): {address!r}")
    return {"check": "address", "flagged": bool(reasons), "reasons": reasons}


def check_identity(application):
    reasons = []
    if "@" not in str(application.get("email", "")):
        reasons.append("e-mail address is not valid")
    try:
        born = datetime.date.fromisoformat(str(application.get("dateOfBirth")))
        today = datetime.date.today()
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < 18:
            reasons.append(f"applicant is {age}, under 18")
    except ValueError:
        reasons.append("dateOfBirth is not a YYYY-MM-DD date")
    return {"check": "identity", "flagged": bool(reasons), "reasons": reasons}


CHECKS = {"check-address": check_address, "check-identity": check_identity}


def work(sfn, activity_arn, check, worker_name, flaky):
    """Polls one activity for ever (the process ends on SIGINT/SIGTERM)."""
    seen = set()
    while True:
        try:
            task = sfn.get_activity_task(activityArn=activity_arn, workerName=worker_name)
        except Exception as err:  # the server is restarting or unreachable: try again shortly
            log(f"poll failed: {err}")
            time.sleep(1)
            continue
        token = task.get("taskToken")
        if not token:
            continue  # the poll ended without a task
        try:
            answer(sfn, token, task.get("input"), check, flaky, seen)
        except Exception as err:  # e.g. TaskTimedOut: the execution gave up on this task
            log(f"could not answer a task: {err}")


def answer(sfn, token, raw_input, check, flaky, seen):
    """Checks one application and answers its task."""
    try:
        application = json.loads(raw_input or "{}")
    except json.JSONDecodeError as err:
        sfn.send_task_failure(taskToken=token, error="InvalidInput", cause=str(err))
        return
    app_id = application.get("applicationId", "?")
    sfn.send_task_heartbeat(taskToken=token)  # "still working", within HeartbeatSeconds
    if flaky and app_id not in seen:
        seen.add(app_id)
        log(f"{check.__name__} {app_id}: pretending to be unavailable (--flaky)")
        sfn.send_task_failure(
            taskToken=token,
            error=ERROR_UNAVAILABLE,
            cause="the check service is unavailable (--flaky); retry",
        )
        return
    result = check(application)
    sfn.send_task_success(taskToken=token, output=json.dumps(result))
    log(f"{check.__name__} {app_id}: flagged={result['flagged']} {result['reasons']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:8083")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account", default="123456789012")
    parser.add_argument(
        "--activity",
        action="append",
        choices=sorted(CHECKS),
        help="activity to poll, repeatable (default: check-address)",
    )
    parser.add_argument("--worker-name", default="worker.py")
    parser.add_argument("--flaky", action="store_true", help="fail each application's first attempt")
    args = parser.parse_args()

    def stop(signum, _frame):
        log(f"signal {signum}: stopping")
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    threads = []
    for name in args.activity or ["check-address"]:
        arn = f"arn:aws:states:{args.region}:{args.account}:activity:{name}"
        # One client per thread: boto3 clients are thread-safe, but this keeps polls independent.
        sfn = client(args.endpoint, args.region)
        thread = threading.Thread(
            target=work,
            args=(sfn, arn, CHECKS[name], args.worker_name, args.flaky),
            daemon=True,
        )
        thread.start()
        threads.append(thread)
        log(f"polling {arn} at {args.endpoint}")
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)


if __name__ == "__main__":
    main()
