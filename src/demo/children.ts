import { join } from "node:path";
import { Child, type LogRecord } from "./processes.js";

/** What the hub and sidecar children are told; the demo's own settings. */
export interface StackSettings {
  readonly adminUrl: string;
  readonly wsUrl: string;
  readonly namespace: string;
  /** `topic:subscription` announced by every sidecar. */
  readonly watch: string;
  readonly tokenFile: string;
  readonly logDir: string;
  readonly logLevel: string;
}

/**
 * Poll timings of the demo's watchers: faster than the defaults so that the drain shows within
 * seconds. Activation does not depend on them (arrivals are pushed).
 */
const DEMO_TIMINGS = ["--fast-poll-ms", "500", "--slow-poll-ms", "2000", "--no-arrivals-poll-ms", "1000"];

/** How long a child may take to log its ready line (tsx compiles on first start). */
const READY_TIMEOUT_MS = 30_000;

/** The environment of a child: ours without PPS_* / POD_* settings, which the flags replace. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^(PPS_|POD_)/.test(k)));
}

export function hubArgs(s: StackSettings, grpcPort: number, httpPort: number): string[] {
  return [
    "hub",
    ...["--grpc-host", "127.0.0.1", "--grpc-port", String(grpcPort), "--http-port", String(httpPort)],
    ...["--namespaces", s.namespace, "--log-level", s.logLevel, "--shutdown-timeout-ms", "2000"],
    ...["--pulsar-admin-url", s.adminUrl, "--pulsar-ws-url", s.wsUrl],
    ...["--sidecar-token-file", s.tokenFile],
    ...DEMO_TIMINGS,
  ];
}

export function sidecarArgs(s: StackSettings, name: string, hubHttpPort: number): string[] {
  return [
    "sidecar",
    ...["--hub-url", `ws://127.0.0.1:${hubHttpPort}/v1/sidecars`, "--hub-token-file", s.tokenFile],
    ...["--pod-name", name, "--pod-namespace", s.namespace, "--watch", s.watch],
    ...["--pulsar-admin-url", s.adminUrl, "--pulsar-ws-url", s.wsUrl],
    ...["--http-port", "off", "--listen-host", "127.0.0.1", "--log-level", s.logLevel],
    ...DEMO_TIMINGS,
  ];
}

export interface ChildHooks {
  /** Every child right after it was spawned (so it is stopped even if it never gets ready). */
  readonly onSpawn?: (child: Child) => void;
  readonly onLog?: (name: string, rec: LogRecord) => void;
  readonly onExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Starts the hub child and waits for its "hub ready" line with the bound ports. */
export async function startHub(
  s: StackSettings,
  ports: { grpc: number; http: number },
  hooks: ChildHooks,
): Promise<{ child: Child; grpcPort: number; httpPort: number }> {
  const child = new Child({
    name: "hub",
    args: hubArgs(s, ports.grpc, ports.http),
    env: childEnv(process.env),
    logFile: join(s.logDir, "hub.log"),
    onLog: (rec) => hooks.onLog?.("hub", rec),
    onExit: (code, sig) => hooks.onExit?.("hub", code, sig),
  });
  hooks.onSpawn?.(child);
  try {
    const rec = await child.waitFor((r) => r["msg"] === "hub ready", READY_TIMEOUT_MS);
    return { child, grpcPort: Number(rec["grpcPort"]), httpPort: Number(rec["httpPort"]) };
  } catch (err) {
    await child.stop(1000);
    throw err;
  }
}

/** Starts one sidecar child and waits until it is connected to the hub. */
export async function startSidecar(
  s: StackSettings,
  name: string,
  hubHttpPort: number,
  hooks: ChildHooks,
): Promise<Child> {
  const child = new Child({
    name,
    args: sidecarArgs(s, name, hubHttpPort),
    env: childEnv(process.env),
    logFile: join(s.logDir, `${name}.log`),
    onLog: (rec) => hooks.onLog?.(name, rec),
    onExit: (code, sig) => hooks.onExit?.(name, code, sig),
  });
  hooks.onSpawn?.(child);
  try {
    await child.waitFor((r) => r["msg"] === "connected to the hub", READY_TIMEOUT_MS);
    return child;
  } catch (err) {
    await child.stop(1000);
    throw err;
  }
}
