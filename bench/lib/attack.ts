import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { WatchKey } from "../../src/state/key.js";
import { h2Garbage } from "../../test/support/attacks/h2-garbage.js";
import { scrapeLoop, slowPeers } from "../../test/support/attacks/http-port.js";
import {
  capacityJunk,
  junkValues,
  oversizedMetadata,
  wideMetadata,
} from "../../test/support/attacks/metadata.js";
import { halfOpenStreams, rapidReset, streamFlood } from "../../test/support/attacks/streams.js";
import type { AttackResult, AttackTarget } from "../../test/support/attacks/target.js";

/**
 * One attack of test/support/attacks/ as its own process, run by bench/scenarios/hostile-attacks.ts
 * so that the attacker's work does not delay the valid KEDA caller it is measured against:
 * `attack.ts NAME JSON` with JSON `{target, ref, key, size}`. Prints `{"started": NAME}` when it
 * starts, then one JSON line, the AttackResult.
 */

export interface AttackArgs {
  readonly target: AttackTarget;
  /** The legitimate ScaledObject (stream floods use it: it is admitted, its streams count). */
  readonly ref: ScaledObjectRef;
  readonly key: WatchKey;
  /** The attack's size: count, and for some a second figure (see ATTACKS). */
  readonly size: readonly number[];
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Attack name -> how it runs with its size. */
export const ATTACKS: Readonly<Record<string, (a: AttackArgs) => Promise<AttackResult>>> = {
  // No attack for [ms]: the valid caller's latency on the machine as it is (the rows' baseline).
  none: async (a) => {
    await delay(a.size[0] ?? 0);
    return { sent: 0, outcomes: {} };
  },
  "oversized-metadata": (a) => oversizedMetadata(a.target, a.size[0] ?? 0),
  "wide-metadata": (a) => wideMetadata(a.target, a.size[0] ?? 0),
  "junk-values": (a) => junkValues(a.target, a.size[0] ?? 0),
  // [streams, of which refused]: the ones over --max-streams.
  "stream-flood": (a) => streamFlood(a.target, a.ref, a.size[0] ?? 0, a.size[1] ?? 0, 60_000),
  // [connections, streams per connection]
  "half-open-streams": (a) => halfOpenStreams(a.target, a.size[0] ?? 0, a.size[1] ?? 0),
  "rapid-reset": (a) => rapidReset(a.target, a.size[0] ?? 0),
  "h2-garbage": (a) => h2Garbage(a.target, a.size[0] ?? 0),
  // [peers of each kind, hold ms]
  "slow-peers": (a) => slowPeers(a.target, a.size[0] ?? 0, [a.key], () => delay(a.size[1] ?? 0)),
  // [scrapes, concurrency]
  "scrape-loop": (a) => scrapeLoop(a.target, a.size[0] ?? 0, a.size[1] ?? 1),
  // Distinct ScaledObject names on the legitimate subscription: they fill --max-scaled-objects.
  "capacity-junk": (a) =>
    capacityJunk(a.target, a.size[0] ?? 0, () => ({
      topic: a.key.topic.replace(/^persistent:\/\/public\/default\//, ""),
      subscription: a.key.subscription,
    })),
};

async function main(): Promise<void> {
  const [name = "", json = "{}"] = process.argv.slice(2);
  const attack = ATTACKS[name];
  if (!attack) throw new Error(`unknown attack ${name}; known: ${Object.keys(ATTACKS).join(", ")}`);
  // Loaded and about to start: the scenario measures from this line on (not tsx's start-up).
  process.stdout.write(`${JSON.stringify({ started: name })}\n`);
  const result = await attack(JSON.parse(json) as AttackArgs);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// Run only as a program (the scenario imports the names of ATTACKS' type, never this module's code).
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
