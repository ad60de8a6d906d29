import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startHubHttp, type HubHttp } from "../src/lib/http.js";
import { systemClock } from "../src/lib/clock.js";
import { renderHelp } from "../src/lib/config.js";
import { createLogger, type Logger } from "../src/lib/logger.js";
import type { Registry } from "prom-client";
import { programRegistry } from "../src/lib/metrics.js";
import { packageRoot } from "../src/lib/package-root.js";
import { safeUrl } from "../src/pulsar/safe-url.js";
import { keyId } from "../src/state/key.js";
import { loadSidecarConfig, sidecarSchema, type SidecarSettings } from "./config.js";
import { signalled } from "../src/lib/signals.js";
import { runSteps } from "../src/lib/shutdown.js";

const USAGE = "pulsar-push-scaler sidecar [flags]";
const DESCRIPTION =
  "Runs in a consumer pod. Hub mode (--hub-url): announces the --watch subscriptions to the hub,\n" +
  "watches those the hub grants, and streams observations and arrivals to it. Standalone mode\n" +
  "(--grpc-port): serves KEDA's external scaler gRPC service itself, without a hub.";

/** What both modes offer the composition root. */
interface RunningMode {
  readonly grpcPort?: number;
  ready(): boolean;
  close(): Promise<void>;
}

/** The version announced in hello (package.json's). */
function sidecarVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" && pkg.version !== "" ? pkg.version.slice(0, 64) : "unknown";
}

/** Loads only the chosen mode: hub mode never loads gRPC (idle footprint in every consumer pod). */
async function startMode(s: SidecarSettings, logger: Logger, registry: Registry): Promise<RunningMode> {
  const clock = systemClock;
  if (s.mode === "hub") {
    const { startHubMode } = await import("./hub-mode.js");
    return startHubMode({ settings: s, clock, logger, registry, sidecarVersion: sidecarVersion() });
  }
  const { startStandalone } = await import("./standalone.js");
  return startStandalone({ settings: s, clock, logger, registry });
}

/** The sidecar's composition root: the one place that builds things. */
export async function run(argv: readonly string[]): Promise<number> {
  const loaded = loadSidecarConfig(argv, process.env);
  if (loaded.help) {
    process.stdout.write(renderHelp(USAGE, DESCRIPTION, sidecarSchema));
    return 0;
  }
  const s = loaded.config;
  const signal = signalled();
  const logger = createLogger(s.logLevel);
  const log = logger.child({ component: "sidecar" });
  // Sampled every 100 ms, not 10: an idle sidecar in every consumer pod (programRegistry).
  const registry = programRegistry({ eventLoopPrecisionMs: 100 });
  if (s.mode === "standalone" && s.keys.length > 0) {
    log.info("standalone mode: --watch is not needed, KEDA's trigger metadata names the keys to watch");
  }
  if (s.mode === "standalone" && s.namespaces === "all") {
    log.warn({ namespaces: "all" }, "POD_NAMESPACE is not set: serving ScaledObjects of every namespace");
  }

  const mode = await startMode(s, logger, registry);
  let http: HubHttp | undefined;
  if (s.httpPort !== "off") {
    try {
      http = await startHubHttp({
        host: s.listenHost,
        port: s.httpPort,
        ready: () => mode.ready(),
        registry,
        logger: logger.child({ component: "http" }),
      });
    } catch (err) {
      await mode.close();
      throw err;
    }
  }
  log.info(
    {
      mode: s.mode,
      ...(s.mode === "hub" && { hubUrl: safeUrl(s.hubUrl), pod: s.pod, namespace: s.namespace }),
      ...(s.mode === "standalone" && { grpcPort: mode.grpcPort, namespaces: s.namespaces }),
      httpPort: http?.port ?? "off",
      keys: s.keys.map(keyId),
      clusters: s.clusters.map((c) => c.name),
    },
    "sidecar ready",
  );

  const sig = await signal;
  log.info({ signal: sig }, "shutting down");
  await runSteps(log, [
    [`stopping ${s.mode} mode`, () => mode.close()],
    ...(http ? [["stopping HTTP", () => http.close()] as const] : []),
  ]);
  log.info("stopped");
  return 0;
}
