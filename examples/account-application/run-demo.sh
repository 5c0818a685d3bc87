#!/usr/bin/env bash
# The account-application walkthrough (README.md), non-interactive and self-checking:
# starts `baton serve --in-memory` on a free port, the Python address worker (--flaky, so the
# Retry runs), the Rust identity worker and the Rust stand-in reviewer (--auto-review reject),
# runs a clean application and a PO-box one, prints their statuses and histories, and exits 0
# only if APP-1001 is APPROVED automatically and APP-1002 is rejected after human review.
# Every process it starts is stopped on exit.
#
#   cargo build --release -p baton-cli && examples/account-application/run-demo.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

baton=${BATON:-$root/target/release/baton}
if [ ! -x "$baton" ]; then
  echo "run-demo: $baton is missing; build it with: cargo build --release -p baton-cli" >&2
  exit 2
fi

# Python with boto3: the repository's .venv, the system's, or a venv made here.
if [ -x "$root/.venv/bin/python" ] && "$root/.venv/bin/python" -c 'import boto3' 2>/dev/null; then
  python=$root/.venv/bin/python
elif python3 -c 'import boto3' 2>/dev/null; then
  python=python3
else
  if [ ! -x "$here/.venv/bin/python" ]; then
    echo "run-demo: installing boto3 into $here/.venv"
    python3 -m venv "$here/.venv"
  fi
  "$here/.venv/bin/pip" install --quiet --disable-pip-version-check boto3
  python=$here/.venv/bin/python
fi

echo "== building the Rust worker (cargo build -p baton-cli --example account_worker)"
cargo build --quiet -p baton-cli --example account_worker
target_dir=$(cargo metadata --format-version 1 --no-deps |
  "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
rust_worker=$target_dir/debug/examples/account_worker

work=$(mktemp -d)
pids=()
cleanup() {
  # Workers first (newest first): baton's graceful shutdown waits for their open polls.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== baton serve"
# Retry intervals and timeouts run 10 times faster (--wait-time-scale 0.1).
"$baton" serve --in-memory --listen 127.0.0.1:0 --print-address --wait-time-scale 0.1 \
  >"$work/address" 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$work/address" ] && break
  sleep 0.1
done
if [ ! -s "$work/address" ]; then
  echo "run-demo: baton serve did not start:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
endpoint="http://$(head -n 1 "$work/address")"
echo "baton serve at $endpoint"

# The steps below go through boto3 (the AWS CLI commands of the README do the same calls).
"$python" - "$endpoint" "$here/definition.asl.json" <<'PY'
import sys, boto3
from botocore.config import Config
endpoint, definition = sys.argv[1], sys.argv[2]
sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test",
                   config=Config(inject_host_prefix=False))
for name in ("check-identity", "check-address", "human-review"):
    print("activity", sfn.create_activity(name=name)["activityArn"])
machine = sfn.create_state_machine(
    name="account-application", roleArn="arn:aws:iam::123456789012:role/baton",
    definition=open(definition).read())
print("state machine", machine["stateMachineArn"])
PY

echo "== workers (their output: at the end)"
"$python" -u "$here/worker.py" --endpoint "$endpoint" --flaky >>"$work/workers.log" 2>&1 &
pids+=($!)
"$rust_worker" --endpoint "$endpoint" --activity check-identity >>"$work/workers.log" 2>&1 &
pids+=($!)
"$rust_worker" --endpoint "$endpoint" --activity human-review --auto-review reject \
  --worker-name reviewer-bot >>"$work/workers.log" 2>&1 &
pids+=($!)

echo "== executions"
status=0
"$python" - "$endpoint" "$here/applications" <<'PY' || status=$?
import json, sys, time, boto3
from botocore.config import Config
endpoint, applications = sys.argv[1], sys.argv[2]
sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test",
                   config=Config(inject_host_prefix=False))
machine = "arn:aws:states:us-east-1:123456789012:stateMachine:account-application"
runs = {"APP-1001": "ada.json", "APP-1002": "grace-po-box.json"}
arns = {}
for name, file in runs.items():
    with open(f"{applications}/{file}") as f:
        arns[name] = sfn.start_execution(stateMachineArn=machine, name=name, input=f.read())["executionArn"]
    print("started", arns[name])

def finish(arn, limit=60):
    deadline = time.time() + limit
    while True:
        out = sfn.describe_execution(executionArn=arn)
        if out["status"] != "RUNNING" or time.time() > deadline:
            return out

def history(arn):
    events, token = [], None
    while True:
        page = sfn.get_execution_history(executionArn=arn, **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events

failures = []
results = {}
for name, arn in arns.items():
    out = finish(arn)
    events = history(arn)
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    retried = [e["activityFailedEventDetails"].get("error") for e in events if e["type"] == "ActivityFailed"]
    results[name] = (out, entered, retried)
    print(f"\n{name}: {out['status']}")
    if "output" in out:
        print("  output:", out["output"])
    if "error" in out:
        print("  error: ", out["error"])
        print("  cause: ", out.get("cause"))
    print("  states:", " -> ".join(entered))
    print("  failed activity attempts (retried):", retried or "none")
    for e in events:
        started = e.get("activityStartedEventDetails")
        if started:
            print("  activity taken by:", started.get("workerName"))

out, entered, retried = results["APP-1001"]
if out["status"] != "SUCCEEDED":
    failures.append(f"APP-1001 is {out['status']}, expected SUCCEEDED")
elif json.loads(out["output"]).get("status") != "APPROVED" or "HumanReview" in entered:
    failures.append("APP-1001 was not approved automatically")
if "CheckUnavailable" not in retried:
    failures.append("APP-1001: the address check's CheckUnavailable was not retried")

out, entered, _ = results["APP-1002"]
if out["status"] != "FAILED" or out.get("error") != "ApplicationRejected":
    failures.append(f"APP-1002 is {out['status']} {out.get('error')}, expected FAILED ApplicationRejected")
if "HumanReview" not in entered:
    failures.append("APP-1002 did not go through HumanReview")

print()
for failure in failures:
    print("FAIL:", failure)
print("demo", "FAILED" if failures else "OK: APP-1001 approved automatically, APP-1002 rejected after review")
sys.exit(1 if failures else 0)
PY

echo
echo "== worker output"
cat "$work/workers.log"
if [ "$status" -ne 0 ]; then
  echo "== baton serve log"
  cat "$work/serve.log"
fi
exit "$status"
