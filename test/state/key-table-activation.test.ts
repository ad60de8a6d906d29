import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { ruleId } from "../../src/state/key-state.js";
import { KeyTable } from "../../src/state/key-table.js";
import { obs } from "../support/observation.js";

const KEY: WatchKey = { cluster: "c", topic: "persistent://t/ns/x", subscription: "s" };
const T0 = 1_000_000;
const SO = { namespace: "ns", name: "consumer" };
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };

/** A table holding KEY since before T0. */
function tableWith(stalenessMs: number): KeyTable {
  const table = new KeyTable({ stalenessMs });
  table.touch(SO, KEY, ANY, undefined, T0 - 100);
  return table;
}

type Step = { obs: [at: number, backlog: number] } | { arrival: number };

const rows: { name: string; rule?: ActivationRule; steps: Step[]; want: boolean | undefined }[] = [
  { name: "nothing known: unknown", steps: [], want: undefined },
  { name: "arrival before any observation: active", steps: [{ arrival: T0 }], want: true },
  { name: "observation at 0: inactive", steps: [{ obs: [T0, 0] }], want: false },
  { name: "observation over 0: active", steps: [{ obs: [T0, 3] }], want: true },
  {
    name: "arrival after the observation's request: active",
    steps: [{ obs: [T0, 0] }, { arrival: T0 + 1 }],
    want: true,
  },
  {
    name: "arrival at the instant the request was sent is counted: inactive",
    steps: [{ arrival: T0 }, { obs: [T0, 0] }],
    want: false,
  },
  {
    name: "answer to a request sent before the arrival keeps it active",
    steps: [{ arrival: T0 }, { obs: [T0 - 1, 0] }],
    want: true,
  },
  {
    name: "newer observation at the threshold makes it inactive",
    steps: [{ arrival: T0 }, { obs: [T0 + 5, 0] }],
    want: false,
  },
  {
    name: "older observation is ignored",
    steps: [{ obs: [T0 + 10, 4] }, { obs: [T0, 0] }],
    want: true,
  },
  {
    name: "at the threshold: inactive",
    rule: { metric: "msgBacklog", threshold: 5 },
    steps: [{ obs: [T0, 5] }],
    want: false,
  },
  {
    name: "over the threshold: active",
    rule: { metric: "msgBacklog", threshold: 5 },
    steps: [{ obs: [T0, 6] }],
    want: true,
  },
];

void describe("KeyTable activation", () => {
  for (const row of rows) {
    void it(row.name, () => {
      const table = tableWith(90_000);
      for (const step of row.steps) {
        if ("obs" in step) table.observation(KEY, obs(step.obs[0], step.obs[1]));
        else table.arrival(KEY, step.arrival);
      }
      assert.equal(table.activation(KEY, row.rule ?? ANY), row.want);
    });
  }

  void it("reads the rule's metric", () => {
    const table = tableWith(90_000);
    table.observation(KEY, obs(T0, 4, 0));
    assert.equal(table.activation(KEY, { metric: "msgBacklog", threshold: 0 }), true);
    assert.equal(table.activation(KEY, { metric: "msgBacklogNoDelayed", threshold: 0 }), false);
  });

  void it("is fresh up to and including the staleness bound", () => {
    const table = tableWith(1000);
    assert.equal(table.hasFreshData(KEY, T0), false);
    table.observation(KEY, obs(T0, 0));
    assert.equal(table.hasFreshData(KEY, T0 + 1000), true);
    assert.equal(table.hasFreshData(KEY, T0 + 1001), false);
    assert.equal(table.report(KEY, T0 + 1001)?.observationAgeMs, 1001);
    assert.equal(table.report(KEY, T0 + 1001)?.fresh, false);
  });

  void it("keeps the last error with its class name and time", () => {
    const table = tableWith(1000);
    table.error(KEY, new RangeError("boom"), T0);
    assert.deepEqual(table.report(KEY, T0)?.lastError, { name: "RangeError", message: "boom", at: T0 });
  });

  void it("rule ids differ by metric and threshold", () => {
    assert.equal(ruleId({ metric: "msgBacklog", threshold: 0 }), "msgBacklog>0");
    assert.notEqual(
      ruleId({ metric: "msgBacklog", threshold: 1 }),
      ruleId({ metric: "msgBacklogNoDelayed", threshold: 1 }),
    );
  });
});
