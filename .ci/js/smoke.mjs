// Smoke test of `baton serve` through the AWS SDK for JavaScript v3 (@aws-sdk/client-sfn):
// the calls a Node.js user makes first. Usage: node smoke.mjs ENDPOINT
import {
  SFNClient, CreateStateMachineCommand, StartExecutionCommand, DescribeExecutionCommand,
  GetExecutionHistoryCommand, StartSyncExecutionCommand, DescribeStateMachineCommand,
  DeleteStateMachineCommand, ExecutionDoesNotExist,
} from "@aws-sdk/client-sfn";
import assert from "node:assert/strict";

const endpoint = process.argv[2];
const client = new SFNClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  // The SDK would send StartSyncExecution to sync-127.0.0.1, which does not resolve.
  disableHostPrefix: true,
});
const roleArn = "arn:aws:iam::123456789012:role/js-smoke";
const name = `js-smoke-${Date.now()}`;
const definition = JSON.stringify({
  StartAt: "Hello",
  States: {
    Hello: { Type: "Pass", Parameters: { "greeting.$": "States.Format('Hello, {}!', $.name)" }, Next: "Wait" },
    Wait: { Type: "Wait", Seconds: 1, End: true },
  },
});
const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name, definition, roleArn }));
const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
assert.equal(described.name, name);
assert.ok(described.creationDate instanceof Date);

const { executionArn } = await client.send(new StartExecutionCommand({
  stateMachineArn, input: JSON.stringify({ name: "Baton" }),
}));
let execution;
for (const deadline = Date.now() + 30_000; ; ) {
  execution = await client.send(new DescribeExecutionCommand({ executionArn }));
  if (execution.status !== "RUNNING") break;
  assert.ok(Date.now() < deadline, "execution did not finish");
  await new Promise((r) => setTimeout(r, 50));
}
assert.equal(execution.status, "SUCCEEDED");
assert.deepEqual(JSON.parse(execution.output), { greeting: "Hello, Baton!" });
const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
assert.deepEqual(events.map((e) => e.type), [
  "ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered",
  "WaitStateExited", "ExecutionSucceeded",
]);
assert.ok(events[0].timestamp instanceof Date);

const express = await client.send(new CreateStateMachineCommand({
  name: `${name}-express`, roleArn, type: "EXPRESS",
  definition: JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", End: true } } }),
}));
const sync = await client.send(new StartSyncExecutionCommand({
  stateMachineArn: express.stateMachineArn, input: '{"a": 1}',
}));
assert.equal(sync.status, "SUCCEEDED");
assert.deepEqual(JSON.parse(sync.output), { a: 1 });

await assert.rejects(
  client.send(new DescribeExecutionCommand({ executionArn: `${executionArn}-nope` })),
  (error) => error instanceof ExecutionDoesNotExist,
);
await client.send(new DeleteStateMachineCommand({ stateMachineArn }));
await client.send(new DeleteStateMachineCommand({ stateMachineArn: express.stateMachineArn }));
console.log("AWS SDK for JavaScript v3 smoke test passed");
