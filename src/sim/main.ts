import { createLogger } from "../lib/logger.js";
import { loadConfig, renderHelp } from "../lib/config.js";
import { startSimulator } from "./index.js";
import { signJwt } from "./jwt.js";
import { SIM_SCHEMA, simSettings } from "./config.js";

/** `pulsar-push-scaler sim`: runs the simulator until SIGINT/SIGTERM. */
export async function run(argv: readonly string[]): Promise<number> {
  const parsed = loadConfig(SIM_SCHEMA, argv, process.env, simSettings);
  if (parsed.help) {
    process.stdout.write(
      renderHelp(
        "pulsar-push-scaler sim [flags]",
        "Run the Pulsar simulator: admin REST, WebSocket API v2, auth modes and /_sim fault injection on one port, the binary protocol on another.",
        SIM_SCHEMA,
      ),
    );
    return 0;
  }
  const { config: c, auth, tls } = parsed.config;
  if (c.printToken !== undefined) {
    process.stdout.write(`${signJwt({ sub: c.printToken }, c.tokenSecret ?? "")}\n`);
    return 0;
  }
  const logger = createLogger(c.logLevel);
  const sim = await startSimulator({
    host: c.host,
    port: c.port,
    auth,
    ...(tls !== undefined ? { tls } : {}),
    statsWindowMs: c.statsWindowMs,
    backlogQuotaCheckMs: c.backlogQuotaCheckMs,
    binary: c.binaryPort === "off" ? false : { port: c.binaryPort },
    websocket: c.websocket === "on",
    logger,
  });
  logger.info(
    {
      adminUrl: sim.adminUrl,
      wsUrl: sim.wsUrl,
      ...(sim.serviceUrl !== undefined
        ? { serviceUrl: sim.serviceUrl, secondBrokerUrl: sim.secondBrokerUrl }
        : {}),
      auth: c.auth,
      websocket: c.websocket,
    },
    "simulator ready",
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  logger.info("simulator stopping");
  await sim.close();
  return 0;
}
