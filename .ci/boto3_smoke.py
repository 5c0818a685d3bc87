#!/usr/bin/env python3
"""boto3 smoke test against a running `baton serve`: the calls a Python user makes first.

usage: boto3_smoke.py ENDPOINT
"""
import json
import sys
import time

import boto3
from botocore.config import Config

endpoint = sys.argv[1]
sfn = boto3.client(
    "stepfunctions",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    # boto3 would send StartSyncExecution to sync-127.0.0.1, which does not resolve.
    config=Config(inject_host_prefix=False),
)
role = "arn:aws:iam::123456789012:role/smoke"
definition = {
    "StartAt": "Hello",
    "States": {
        "Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.name)"}, "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "End": True},
    },
}
name = f"smoke-{int(time.time() * 1000)}"
arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
assert sfn.describe_state_machine(stateMachineArn=arn)["name"] == name

execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"name": "Baton"}))["executionArn"]
deadline = time.time() + 30
while True:
    described = sfn.describe_execution(executionArn=execution)
    if described["status"] != "RUNNING":
        break
    assert time.time() < deadline, "execution did not finish"
    time.sleep(0.05)
assert described["status"] == "SUCCEEDED", described
assert json.loads(described["output"]) == {"greeting": "Hello, Baton!"}, described["output"]

events = sfn.get_execution_history(executionArn=execution)["events"]
assert [e["type"] for e in events] == [
    "ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered",
    "WaitStateExited", "ExecutionSucceeded",
], events
listed = sfn.list_executions(stateMachineArn=arn)["executions"]
assert [e["executionArn"] for e in listed] == [execution]

express = sfn.create_state_machine(
    name=name + "-express", definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    roleArn=role, type="EXPRESS",
)["stateMachineArn"]
sync = sfn.start_sync_execution(stateMachineArn=express, input='{"a": 1}')
assert sync["status"] == "SUCCEEDED" and json.loads(sync["output"]) == {"a": 1}, sync

try:
    sfn.describe_execution(executionArn=execution + "-nope")
    raise AssertionError("expected ExecutionDoesNotExist")
except sfn.exceptions.ExecutionDoesNotExist:
    pass

sfn.delete_state_machine(stateMachineArn=arn)
sfn.delete_state_machine(stateMachineArn=express)
print("boto3 smoke test passed")
