import WebSocket from "ws";
import { CLI, startProc, type Proc } from "../support/programs.js";
import { tsxRunner } from "../support/runner.js";
import type { RunningSimulator } from "../../src/sim/index.js";
import { mustAdmin } from "../pulsar/sim-helpers.js";

/** Every log line is kept: the tests count grants and connects over a whole run. */
const KEEP_ALL_LINES = Number.MAX_SAFE_INTEGER;

/**
 * A program of the CLI run as a real process under tsx (test/support/programs.ts), every JSON log line
 * kept; resolves on its ready line, so tests wait for events, never for time.
 */
export function startCli(
  name: string,
  args: readonly string[],
  ready: string,
  env: Readonly<Record<string, string>> = {},
): Promise<Proc> {
  return startProc(tsxRunner(), {
    name,
    file: CLI,
    args,
    env,
    ready: (r) => r["msg"] === ready,
    readyTimeoutMs: 15_000,
    keepLines: KEEP_ALL_LINES,
  });
}

/** A hub process on loopback; resolves once it logged "hub ready" (which carries its ports). */
export async function startHub(
  sim: RunningSimulator,
  extra: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
  httpPort = 0,
): Promise<{ proc: Proc; grpcPort: number; httpPort: number }> {
  const proc = await startCli(
    "hub",
    [
      "hub",
      ...["--grpc-port", "0", "--http-port", String(httpPort), "--grpc-host", "127.0.0.1"],
      ...["--namespaces", "apps", "--pulsar-admin-url", sim.adminUrl, "--shutdown-timeout-ms", "2000"],
      ...extra,
    ],
    "hub ready",
    env,
  );
  return {
    proc,
    grpcPort: proc.readyRecord["grpcPort"] as number,
    httpPort: proc.readyRecord["httpPort"] as number,
  };
}

/** Creates a subscription on the simulator (from the earliest message). */
export async function createSubscription(sim: RunningSimulator, topic: string, sub: string): Promise<void> {
  await mustAdmin(sim.adminUrl, "PUT", `/admin/v2/persistent/${topic}/subscription/${sub}`);
}

/** Publishes one message through the simulator's WebSocket producer; resolves on the broker's ok. */
export async function publishOverWebSocket(sim: RunningSimulator, topic: string, text = "m"): Promise<void> {
  const ws = new WebSocket(`${sim.wsUrl}/ws/v2/producer/persistent/${topic}`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("error", reject);
      ws.once("open", () => {
        ws.send(JSON.stringify({ payload: Buffer.from(text).toString("base64"), context: "1" }));
      });
      ws.once("message", (data: Buffer) => {
        const res = JSON.parse(data.toString()) as { result: string; errorMsg?: string };
        if (res.result === "ok") resolve();
        else reject(new Error(`publish failed: ${res.result} ${res.errorMsg ?? ""}`));
      });
    });
  } finally {
    ws.close();
  }
}
