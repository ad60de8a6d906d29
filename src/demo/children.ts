import { join } from "node:path";
import {
  childEnv,
  cliArgv,
  spawnProgram,
  whenReady,
  type LogRecord,
  type Program,
} from "../lib/child-process.js";

/** What the hub and sidecar children are told; the demo's own settings. */
export interface StackSettings {
  readonly adminUrl: string;
  /** The simulator's binary endpoint: arrivals come over the binary protocol, as on a real cluster. */
  readonly serviceUrl: string;
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

/**
 * The simulated cluster, for the hub and the sidecars alike. Arrivals are forced to binary: were
 * the binary endpoint missing, the children would fail at start rather than quietly poll.
 */
function pulsarArgs(s: StackSettings): string[] {
  return [
    "--pulsar-admin-url",
    s.adminUrl,
    "--pulsar-service-url",
    s.serviceUrl,
    "--pulsar-arrivals",
    "binary",
  ];
}

export function hubArgs(s: StackSettings, grpcPort: number, httpPort: number): string[] {
  return [
    "hub",
    ...["--grpc-host", "127.0.0.1", "--grpc-port", String(grpcPort), "--http-port", String(httpPort)],
    ...["--namespaces", s.namespace, "--log-level", s.logLevel, "--shutdown-timeout-ms", "2000"],
    ...pulsarArgs(s),
    ...["--sidecar-token-file", s.tokenFile],
    ...DEMO_TIMINGS,
  ];
}

export function sidecarArgs(s: StackSettings, name: string, hubHttpPort: number): string[] {
  return [
    "sidecar",
    ...["--hub-url", `ws://127.0.0.1:${hubHttpPort}/v1/sidecars`, "--hub-token-file", s.tokenFile],
    ...["--pod-name", name, "--pod-namespace", s.namespace, "--watch", s.watch],
    ...pulsarArgs(s),
    ...["--http-port", "off", "--listen-host", "127.0.0.1", "--log-level", s.logLevel],
    ...DEMO_TIMINGS,
  ];
}

export interface ChildHooks {
  /** Every child right after it was spawned (so it is stopped even if it never gets ready). */
  readonly onSpawn?: (child: Program) => void;
  readonly onLog?: (name: string, rec: LogRecord) => void;
  readonly onExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Spawns one child of the demo (its log file in the log dir, our env without PPS_* / POD_*) and
 * waits for its ready line. Handed to `onSpawn` at once, so it is stopped even if never ready.
 */
async function startChild(
  name: string,
  args: readonly string[],
  s: StackSettings,
  hooks: ChildHooks,
  ready: (rec: LogRecord) => boolean,
): Promise<{ child: Program; ready: LogRecord }> {
  const child = spawnProgram({
    name,
    argv: cliArgv(args),
    env: childEnv(process.env),
    logFile: join(s.logDir, `${name}.log`),
    killWithParent: true,
    onLog: (rec) => hooks.onLog?.(name, rec),
    onExit: ({ code, signal }) => hooks.onExit?.(name, code, signal),
  });
  hooks.onSpawn?.(child);
  try {
    const { readyRecord } = await whenReady(child, ready, READY_TIMEOUT_MS);
    return { child, ready: readyRecord };
  } catch (err) {
    await child.stop(1000);
    throw err;
  }
}

/** Starts the hub child and waits for its "hub ready" line with the bound ports. */
export async function startHub(
  s: StackSettings,
  ports: { grpc: number; http: number },
  hooks: ChildHooks,
): Promise<{ child: Program; grpcPort: number; httpPort: number }> {
  const args = hubArgs(s, ports.grpc, ports.http);
  const { child, ready } = await startChild("hub", args, s, hooks, (r) => r["msg"] === "hub ready");
  return { child, grpcPort: Number(ready["grpcPort"]), httpPort: Number(ready["httpPort"]) };
}

/** Starts one sidecar child and waits until it is connected to the hub. */
export async function startSidecar(
  s: StackSettings,
  name: string,
  hubHttpPort: number,
  hooks: ChildHooks,
): Promise<Program> {
  const args = sidecarArgs(s, name, hubHttpPort);
  const connected = (r: LogRecord): boolean => r["msg"] === "connected to the hub";
  return (await startChild(name, args, s, hooks, connected)).child;
}
