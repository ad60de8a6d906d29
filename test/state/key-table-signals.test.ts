import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NoFreshDataError } from "../../src/state/errors.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { KeyTable } from "../../src/state/key-table.js";
import { obs } from "../support/observation.js";

const KEY: WatchKey = { cluster: "c", topic: "persistent://t/ns/x", subscription: "s" };
const SO = { namespace: "ns", name: "consumer" };
const T0 = 1_000_000;
const BYTES: ActivationRule = { metric: "msgBacklogBytes", threshold: 100 };
const AGE: ActivationRule = { metric: "backlogAgeSeconds", threshold: 30 };

void describe("KeyTable: one key, several metric kinds", () => {
  void it("each rule reads its own field of the one observation, with the same staleness", () => {
    const table = new KeyTable({ stalenessMs: 1000 });
    table.touch(SO, KEY, BYTES, undefined, T0);
    table.observation(KEY, { ...obs(T0, 7), msgBacklogBytes: 700, backlogAgeSeconds: 42.5 });
    assert.deepEqual(table.read(KEY, BYTES, T0), { value: 700, active: true, observedAt: T0 });
    assert.deepEqual(table.read(KEY, AGE, T0), { value: 42.5, active: true, observedAt: T0 });
    assert.equal(table.read(KEY, { metric: "msgBacklog", threshold: 0 }, T0).value, 7);
    assert.throws(() => table.read(KEY, AGE, T0 + 1001), NoFreshDataError);
  });

  void it("a field the observation lacks is UNAVAILABLE naming why, never a 0", () => {
    const table = new KeyTable({ stalenessMs: 1000 });
    table.touch(SO, KEY, AGE, undefined, T0);
    table.observation(KEY, obs(T0, 7));
    assert.throws(
      () => table.read(KEY, AGE, T0),
      (err: unknown) => {
        assert.ok(err instanceof NoFreshDataError);
        assert.match(
          err.message,
          /no backlogAgeSeconds for c\/persistent:\/\/t\/ns\/x\/s: .*Pulsar 2\.10\.0/,
        );
        return true;
      },
    );
    assert.throws(() => table.read(KEY, BYTES, T0), /no msgBacklogBytes .*backlogSize/);
    assert.equal(table.activation(KEY, AGE), false, "no number, no activation by it");
  });
});
