import { createServer } from "node:net";
import type { RunningSimulator } from "../../src/sim/index.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { LogRecord } from "../../src/lib/child-process.js";
import type { Proc } from "../support/programs.js";
import { startCli } from "./process-harness.js";

export const isGrant = (l: LogRecord): boolean => l["msg"] === "granted: watching";
export const isConnect = (l: LogRecord): boolean => l["msg"] === "connected to the hub";

/** A port that was free a moment ago (for a hub that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/** A sidecar process in hub mode announcing `watch` (`topic:subscription`), once it is connected. */
export async function startSidecar(
  name: string,
  sim: RunningSimulator,
  hubHttpPort: number,
  token: string,
  watch: string,
  extra: readonly string[] = [],
): Promise<Proc> {
  const proc = await startCli(
    name,
    [
      "sidecar",
      ...["--hub-url", `ws://127.0.0.1:${hubHttpPort}/v1/sidecars`, "--pod-name", name],
      ...["--pod-namespace", "apps", "--watch", watch, "--http-port", "off"],
      ...["--pulsar-admin-url", sim.adminUrl],
      ...extra,
    ],
    "sidecar ready",
    { PPS_HUB_TOKEN: token },
  );
  await proc.firstLine(isConnect, 15_000);
  return proc;
}

/** Admin requests the simulator received for a topic so far (any path). */
export async function topicRequests(sim: RunningSimulator, topic: string): Promise<number> {
  const counts = await sim.control.requests();
  return counts.byTopic[topic] ?? 0;
}

/**
 * Drives `refs` like KEDA for `ms`: every `tickMs`, GetMetricSpec, GetMetrics and IsActive per
 * ScaledObject. Resolves to the number of KEDA calls made.
 */
export async function kedaLoad(
  keda: KedaEmulator,
  refs: readonly ScaledObjectRef[],
  ms: number,
  tickMs: number,
): Promise<number> {
  const end = Date.now() + ms;
  let calls = 0;
  while (Date.now() < end) {
    const started = Date.now();
    await Promise.all(refs.map((r) => keda.tick(r)));
    calls += refs.length * 3;
    const wait = tickMs - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return calls;
}
