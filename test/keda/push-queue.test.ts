import assert from "node:assert/strict";
import { test } from "node:test";
import { PushQueue } from "../../src/keda/push-queue.js";

const unexpected = (err: unknown): never => assert.fail(`unexpected push error: ${String(err)}`);

/** A scheduler that runs nothing until the test says so: one call = one event-loop turn. */
function manualTurns() {
  const queued: (() => void)[] = [];
  return {
    schedule: (run: () => void) => void queued.push(run),
    get waiting() {
      return queued.length;
    },
    runTurn() {
      const run = queued.shift();
      assert.ok(run, "no turn scheduled");
      run();
    },
  };
}

void test("push queue: a fan-out under the chunk is written at once, in order", () => {
  const turns = manualTurns();
  const q = new PushQueue(unexpected, 4, turns.schedule);
  const out: number[] = [];
  for (let i = 0; i < 3; i++) q.push(() => out.push(i));
  assert.deepEqual(out, [0, 1, 2]);
  assert.equal(turns.waiting, 0);
  assert.equal(q.size, 0);
});

void test("push queue: a large fan-out yields every chunk writes and keeps the order", () => {
  const turns = manualTurns();
  const q = new PushQueue(unexpected, 4, turns.schedule);
  const out: number[] = [];
  for (let i = 0; i < 10; i++) q.push(() => out.push(i));
  assert.deepEqual(out, [0, 1, 2, 3], "first chunk synchronously");
  assert.equal(q.size, 6);
  turns.runTurn();
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7]);
  // A push arriving while writes are pending goes behind them.
  q.push(() => out.push(10));
  turns.runTurn();
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(q.size, 0);
  assert.equal(turns.waiting, 0, "an empty queue schedules nothing more");
});

void test("push queue: after draining, pushes are written synchronously again up to the chunk", () => {
  const turns = manualTurns();
  const q = new PushQueue(unexpected, 2, turns.schedule);
  const out: string[] = [];
  q.push(() => out.push("a"));
  q.push(() => out.push("b")); // chunk reached: yields
  q.push(() => out.push("c"));
  assert.deepEqual(out, ["a", "b"]);
  turns.runTurn();
  assert.deepEqual(out, ["a", "b", "c"]);
  q.push(() => out.push("d")); // one write since the last yield: still within the chunk
  assert.deepEqual(out, ["a", "b", "c", "d"]);
});

void test("push queue: a throwing write is reported and the others are still written", () => {
  const turns = manualTurns();
  const errors: unknown[] = [];
  const q = new PushQueue((err) => errors.push(err), 2, turns.schedule);
  const out: number[] = [];
  q.push(() => out.push(1));
  q.push(() => {
    throw new Error("stream gone");
  });
  q.push(() => out.push(3));
  turns.runTurn();
  assert.deepEqual(out, [1, 3]);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /stream gone/);
});

void test("push queue: the chunk must be a positive integer", () => {
  assert.throws(() => new PushQueue(unexpected, 0), /push chunk must be an integer >= 1, got 0/);
  assert.throws(() => new PushQueue(unexpected, 1.5), RangeError);
});
