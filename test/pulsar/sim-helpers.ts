import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import { systemClock } from "../../src/lib/clock.js";
import type { ClusterConfig, PulsarAuth } from "../../src/pulsar/cluster.js";
import {
  ArrivalStream,
  createPulsarAccess,
  type PulsarAccess,
  type PulsarAccessOptions,
} from "../../src/pulsar/index.js";
import type { RunningSimulator } from "../../src/sim/index.js";

/** A cluster config pointing at a running simulator. */
export { makeCerts } from "./helpers.js";

export function simCluster(
  sim: RunningSimulator,
  auth: PulsarAuth = { kind: "none" },
  over: Partial<ClusterConfig> = {},
): ClusterConfig {
  return {
    name: "sim",
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    arrivals: "auto",
    auth,
    requestTimeoutMs: 2000,
    ...over,
  };
}

export function access(
  sim: RunningSimulator,
  auth: PulsarAuth = { kind: "none" },
  over: Partial<ClusterConfig> = {},
  opts: Partial<PulsarAccessOptions> = {},
): PulsarAccess {
  return createPulsarAccess(simCluster(sim, auth, over), { clock: systemClock, ...opts });
}

/** The WebSocket ArrivalStream of an access whose cluster chose it (its counters are its own). */
export function wsArrivals(a: PulsarAccess): ArrivalStream {
  assert.ok(a.arrivals instanceof ArrivalStream, `arrivals over ${a.transport.source}, not the WebSocket`);
  return a.arrivals;
}

/** A raw admin call (setup: create topics and subscriptions), with optional headers and CA. */
export function adminCall(
  baseUrl: string,
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string>; tls?: https.RequestOptions } = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(path, baseUrl);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method, headers: opts.headers, ...opts.tls }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

export async function mustAdmin(
  baseUrl: string,
  method: string,
  path: string,
  opts: Parameters<typeof adminCall>[3] = {},
): Promise<void> {
  const res = await adminCall(baseUrl, method, path, opts);
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
}
