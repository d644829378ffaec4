// lambdasim serve called by the real AWS SDK for JavaScript v3
// (@aws-sdk/client-lambda), as a user's code would call AWS Lambda with an
// endpoint override. tests/test_serve.c installs the package with `npm ci`
// into build/, starts serve and runs this script with:
//   ENDPOINT   http://127.0.0.1:PORT of a serve of the echo example
//              (reserved concurrency 4)
//   MNIST_ENDPOINT, MNIST_EVENT, MNIST_LABELS  a serve of mnist-bootstrap,
//              a file with its event (a JSON array of base64 images) and
//              the labels in-process inference gives them
// Prints one "ok: ..." line per check; the first failed check exits 1.
import { readFileSync } from "node:fs";
import { LambdaClient, InvokeCommand } from "@aws-sdk/client-lambda";

const credentials = { accessKeyId: "local", secretAccessKey: "local" }; // serve checks none
const client = (endpoint, maxAttempts) =>
  new LambdaClient({ endpoint, region: "us-east-1", credentials, maxAttempts });
const text = (u8) => Buffer.from(u8 ?? new Uint8Array()).toString("utf8");
const payload = (s) => new TextEncoder().encode(s);

function check(cond, what, detail) {
  if (!cond) {
    console.log(`FAILED: ${what}${detail !== undefined ? ": " + detail : ""}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

const echo = client(process.env.ENDPOINT, 1);

// RequestResponse, with the log's tail.
let r = await echo.send(new InvokeCommand({ FunctionName: "echo", Payload: payload('{"hello":"sdk"}'), LogType: "Tail" }));
check(r.StatusCode === 200 && text(r.Payload) === '{"hello":"sdk"}', "echo answers its payload", text(r.Payload));
check(r.FunctionError === undefined, "no FunctionError", r.FunctionError);
check(r.ExecutedVersion === "$LATEST", "ExecutedVersion $LATEST", r.ExecutedVersion);
const log = Buffer.from(r.LogResult ?? "", "base64").toString("utf8");
check(/^START RequestId: /m.test(log) && /^REPORT RequestId: .*Duration: /m.test(log), "LogResult holds START and REPORT", log);

// A function error.
r = await echo.send(new InvokeCommand({ FunctionName: "echo", Payload: payload('{"fail":"on purpose"}') }));
check(r.StatusCode === 200 && r.FunctionError === "Unhandled" && text(r.Payload).includes("on purpose"),
      "a function error is FunctionError Unhandled", `${r.FunctionError} ${text(r.Payload)}`);

// Event and DryRun.
r = await echo.send(new InvokeCommand({ FunctionName: "echo", InvocationType: "Event", Payload: payload("{}") }));
check(r.StatusCode === 202, "Event: 202", r.StatusCode);
r = await echo.send(new InvokeCommand({ FunctionName: "echo", InvocationType: "DryRun" }));
check(r.StatusCode === 204, "DryRun: 204", r.StatusCode);

// An unknown function: the SDK's own exception.
try {
  await echo.send(new InvokeCommand({ FunctionName: "nope", Payload: payload("{}") }));
  check(false, "unknown function refused");
} catch (e) {
  check(e.name === "ResourceNotFoundException" && e.$metadata.httpStatusCode === 404,
        "unknown function: ResourceNotFoundException", e.name);
}

// 20 concurrent invokes over reserved concurrency 4: without retries some
// are throttled (TooManyRequestsException, 429)...
const slow = (i) => new InvokeCommand({ FunctionName: "echo", Payload: payload(`{"sleep_s":0.3,"i":${i}}`) });
const once = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => echo.send(slow(i))));
const throttled = once.filter((p) => p.status === "rejected" && p.reason.name === "TooManyRequestsException"
                                     && p.reason.$metadata.httpStatusCode === 429);
const okOnce = once.filter((p) => p.status === "fulfilled" && text(p.value.Payload).includes('"sleep_s"'));
check(throttled.length > 0 && okOnce.length + throttled.length === 20,
      `20 concurrent without retries: ${okOnce.length} ok, ${throttled.length} TooManyRequestsException`);
check(throttled[0].reason.Reason === "ReservedFunctionConcurrentInvocationLimitExceeded",
      "its Reason", throttled[0].reason.Reason);
// ... and with the SDK's retries (standard mode, more attempts) all succeed.
const retrying = client(process.env.ENDPOINT, 20);
const all = await Promise.all(Array.from({ length: 20 }, (_, i) => retrying.send(slow(i))));
const attempts = all.reduce((n, x) => n + x.$metadata.attempts, 0);
check(all.every((x, i) => x.StatusCode === 200 && JSON.parse(text(x.Payload)).i === i),
      "20 concurrent with retries: every caller gets its own answer");
check(attempts > 20, `the SDK retried the throttled ones (${attempts} attempts for 20 invokes)`);

// The MNIST custom runtime: the labels of in-process inference.
if (process.env.MNIST_ENDPOINT) {
  const mnist = client(process.env.MNIST_ENDPOINT, 1);
  r = await mnist.send(new InvokeCommand({ FunctionName: "mnist", Payload: readFileSync(process.env.MNIST_EVENT) }));
  check(r.StatusCode === 200 && r.FunctionError === undefined && text(r.Payload) === process.env.MNIST_LABELS,
        `mnist labels ${text(r.Payload)}`, `expected ${process.env.MNIST_LABELS}`);
}
console.log("sdk: all checks passed");
