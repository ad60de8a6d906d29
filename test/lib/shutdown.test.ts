import assert from "node:assert/strict";
import { test } from "node:test";
import { closeInSteps, runSteps, step, type StepLog } from "../../src/lib/shutdown.js";

/** A StepLog that keeps what it was told. */
function recordingLog(): StepLog & { readonly lines: Array<{ msg: string; err: unknown }> } {
  const lines: Array<{ msg: string; err: unknown }> = [];
  return { lines, error: (obj, msg) => lines.push({ msg, err: obj.err }) };
}

void test("step: resolves true on success, logs '<what> failed' with the error and resolves false", async () => {
  const log = recordingLog();
  assert.equal(await step(log, "closing A", () => undefined), true);
  const boom = new Error("boom");
  assert.equal(
    await step(log, "closing B", () => {
      throw boom;
    }),
    false,
  );
  assert.equal(await step(log, "closing C", () => Promise.reject(boom)), false);
  assert.deepEqual(log.lines, [
    { msg: "closing B failed", err: boom },
    { msg: "closing C failed", err: boom },
  ]);
});

void test("runSteps: every step runs, in order, after a failing (sync or async) one; each failure logged once", async () => {
  const log = recordingLog();
  const ran: string[] = [];
  await runSteps(log, [
    ["one", () => void ran.push("one")],
    [
      "two",
      async () => {
        ran.push("two");
        await Promise.resolve();
        throw new Error("two broke");
      },
    ],
    [
      "three",
      () => {
        ran.push("three");
        throw new Error("three broke");
      },
    ],
    ["four", () => void ran.push("four")],
  ]);
  assert.deepEqual(ran, ["one", "two", "three", "four"]);
  assert.deepEqual(
    log.lines.map((l) => l.msg),
    ["two failed", "three failed"],
  );
});

void test("runSteps: a step starts only after the previous one settled", async () => {
  const order: string[] = [];
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const done = runSteps(recordingLog(), [
    [
      "slow",
      async () => {
        order.push("slow started");
        await slow;
        order.push("slow done");
      },
    ],
    ["next", () => void order.push("next")],
  ]);
  await Promise.resolve();
  assert.deepEqual(order, ["slow started"]);
  release();
  await done;
  assert.deepEqual(order, ["slow started", "slow done", "next"]);
});

void test("closeInSteps: idempotent; the steps are built at the first close and run once", async () => {
  let built = 0;
  let runs = 0;
  const close = closeInSteps(recordingLog(), () => {
    built++;
    return [["closing", () => void runs++]];
  });
  assert.equal(built, 0, "nothing built before close()");
  const first = close();
  assert.equal(close(), first, "the same promise");
  await first;
  await close();
  assert.deepEqual({ built, runs }, { built: 1, runs: 1 });
});
