import { systemClock } from "../lib/clock.js";
import { renderHelp } from "../lib/config.js";
import { createLogger } from "../lib/logger.js";
import { programRegistry } from "../lib/metrics.js";
import { Health } from "../keda/health.js";
import { startKedaServer } from "../keda/server.js";
import { createKedaMetrics } from "../keda/service-metrics.js";
import { createKedaService } from "../keda/service.js";
import { runSteps } from "../lib/shutdown.js";
import { signalled } from "../lib/signals.js";
import { startHubHttp } from "../lib/http.js";
import { hubTokenScope } from "./sidecar-tokens.js";
import { grpcTls, httpTls, hubSchema, loadHubConfig, servedNamespaces } from "./config.js";
import { createHubState } from "./hub-state.js";
import { statusRoutes } from "./status/status-page.js";

const USAGE = "pulsar-push-scaler hub [flags]";
const DESCRIPTION =
  "Serves KEDA's external scaler gRPC service (external-push) for the ScaledObjects of a namespace,\n" +
  "plus /healthz, /readyz, /metrics, the status page (/status) and the sidecar endpoint over HTTP (or HTTPS).";

/** The hub's composition root: the one place that builds things. */
export async function run(argv: readonly string[]): Promise<number> {
  const loaded = loadHubConfig(argv, process.env);
  if (loaded.help) {
    process.stdout.write(renderHelp(USAGE, DESCRIPTION, hubSchema));
    return 0;
  }
  const { config: cfg, clusters, timings } = loaded.config;

  const logger = createLogger(cfg.logLevel);
  const log = logger.child({ component: "hub" });
  const served = servedNamespaces(cfg, process.env);
  if (served.warning) log.warn({ namespaces: "all" }, served.warning);

  const registry = programRegistry();
  const tokenScope = hubTokenScope(process.env["POD_NAMESPACE"], served.namespaces);
  const state = createHubState({
    clusters,
    clock: systemClock,
    logger,
    registry,
    config: cfg,
    timings,
    tokenScope,
  });
  const health = new Health({
    state: state.reader,
    clock: systemClock,
    onChange: (ready) => log.info({ ready }, "readiness changed"),
  });
  const service = createKedaService({
    state: state.reader,
    clusters,
    servedNamespaces: served.namespaces,
    logger: logger.child({ component: "keda" }),
    metrics: createKedaMetrics(registry),
    maxStreams: cfg.maxStreams,
  });
  const tls = grpcTls(cfg);
  const grpcServer = await startKedaServer({
    host: cfg.grpcHost,
    port: cfg.grpcPort,
    ...(tls && { tls }),
    service,
    health,
    logger: logger.child({ component: "grpc" }),
    maxStreams: cfg.maxStreams,
  });
  const webTls = httpTls(cfg);
  let http: Awaited<ReturnType<typeof startHubHttp>>;
  try {
    http = await startHubHttp({
      ...(webTls && { tls: webTls }),
      host: cfg.grpcHost,
      port: cfg.httpPort,
      ready: () => health.ready(),
      live: () => true,
      registry,
      logger: logger.child({ component: "http" }),
      ...(cfg.statusPage === "on" && { routes: statusRoutes(() => state.statusInput()) }),
    });
  } catch (err) {
    await runSteps(log, [
      ["stopping the gRPC server", () => grpcServer.close(0)],
      ["stopping the watchers and closing Pulsar access", () => state.close()],
    ]);
    throw err;
  }
  state.attachGateway(http.server, { peerCertificateRequired: webTls?.clientCaFile !== undefined });
  log.info(
    {
      grpcPort: grpcServer.port,
      httpPort: http.port,
      tls: tls !== undefined,
      clientCerts: tls?.clientCaFile !== undefined,
      httpScheme: http.scheme,
      sidecarClientCerts: webTls?.clientCaFile !== undefined,
      clusters: clusters.map((c) => c.name),
      namespaces: served.namespaces,
      sidecarGateway: state.gatewayOn,
      statusPage: cfg.statusPage === "on" ? `http://127.0.0.1:${http.port}/status` : "off",
    },
    "hub ready",
  );

  const signal = await signalled();
  log.info({ signal, deadlineMs: cfg.shutdownTimeoutMs }, "shutting down");
  // Written-out order: not ready, end KEDA streams with OK, close the sidecar gateway (1001: the
  // sidecars reconnect elsewhere or later), stop the watchers and close Pulsar access, then drain
  // gRPC (tryShutdown, force after the deadline) and close HTTP. Each step logs its own failure
  // and the next ones still run (src/lib/shutdown.ts).
  await runSteps(log, [
    ["marking the hub not ready", () => health.shutdown()],
    [
      "ending KEDA streams",
      () => log.info({ streams: service.endStreams() }, "ended open KEDA streams with status OK"),
    ],
    ["closing the sidecar gateway", () => state.closeGateway()],
    ["stopping the watchers and closing Pulsar access", () => state.close()],
    ["draining the gRPC server", () => grpcServer.close(cfg.shutdownTimeoutMs)],
    ["stopping HTTP", () => http.close()],
  ]);
  log.info("stopped");
  return 0;
}
