import { readFileSync } from "node:fs";
import { ConfigError } from "../lib/errors.js";
import { createLogger, logLevelField } from "../lib/logger.js";
import { bool, field, int, list, oneOf, parseConfig, renderHelp, str, type ConfigOf } from "../lib/config.js";
import { startSimulator } from "./index.js";
import { signJwt } from "./jwt.js";
import type { AuthMode, AuthOptions, TlsOptions } from "./options.js";

const AUTH_MODES: readonly AuthMode[] = ["none", "token", "basic", "oauth2"];

/** One flag per option of `pulsar-push-scaler sim`. */
export const SIM_SCHEMA = {
  port: field({
    flag: "port",
    env: "PPS_SIM_PORT",
    doc: "port of the web service (admin REST + WebSocket)",
    parser: int(0, 65535),
    default: 8080,
  }),
  host: field({
    flag: "host",
    env: "PPS_SIM_HOST",
    doc: "address to listen on",
    parser: str,
    default: "127.0.0.1",
  }),
  auth: field<AuthMode>({
    flag: "auth",
    env: "PPS_SIM_AUTH",
    doc: "authentication: none, token (HS256 JWT), basic, oauth2 (issuer on the same port)",
    parser: oneOf(AUTH_MODES),
    default: "none",
  }),
  tokenSecret: field({
    flag: "token-secret",
    env: "PPS_SIM_TOKEN_SECRET",
    doc: "HS256 secret for token and oauth2 modes (base64:... for raw key bytes)",
    parser: str,
    default: undefined,
    secret: true,
  }),
  basicUsers: field({
    flag: "basic-users",
    env: "PPS_SIM_BASIC_USERS",
    doc: "user:password pairs for basic mode",
    parser: list,
    default: undefined,
    secret: true,
  }),
  oauth2Client: field({
    flag: "oauth2-client",
    env: "PPS_SIM_OAUTH2_CLIENT",
    doc: "client_id:client_secret accepted by the oauth2 token endpoint",
    parser: str,
    default: undefined,
    secret: true,
  }),
  tlsCertFile: field({
    flag: "tls-cert-file",
    env: "PPS_SIM_TLS_CERT_FILE",
    doc: "PEM certificate: serve https/wss",
    parser: str,
    default: undefined,
  }),
  tlsKeyFile: field({
    flag: "tls-key-file",
    env: "PPS_SIM_TLS_KEY_FILE",
    doc: "PEM private key of --tls-cert-file",
    parser: str,
    default: undefined,
  }),
  tlsCaFile: field({
    flag: "tls-ca-file",
    env: "PPS_SIM_TLS_CA_FILE",
    doc: "PEM CA that signs accepted client certificates",
    parser: str,
    default: undefined,
  }),
  tlsRequireClientCert: field({
    flag: "tls-require-client-cert",
    env: "PPS_SIM_TLS_REQUIRE_CLIENT_CERT",
    doc: "reject admin/WebSocket requests without a client certificate signed by --tls-ca-file",
    parser: bool,
    default: false,
    switch: true,
  }),
  statsWindowMs: field({
    flag: "stats-window-ms",
    env: "PPS_SIM_STATS_WINDOW_MS",
    doc: "window of msgRateIn/msgRateOut",
    parser: int(1000, 3_600_000),
    default: 60_000,
  }),
  logLevel: logLevelField("PPS_SIM_LOG_LEVEL"),
  printToken: field({
    flag: "print-token",
    env: "PPS_SIM_PRINT_TOKEN",
    doc: "print a token for this subject, signed with --token-secret, and exit",
    parser: str,
    default: undefined,
  }),
} as const;

type SimConfig = ConfigOf<typeof SIM_SCHEMA>;

function pair(raw: string, what: string): [string, string] {
  const i = raw.indexOf(":");
  if (i <= 0) throw new ConfigError([`${what} must look like name:secret`]);
  return [raw.slice(0, i), raw.slice(i + 1)];
}

function authOf(c: SimConfig): AuthOptions {
  const problems: string[] = [];
  const need = (v: unknown, flag: string) => {
    if (v === undefined) problems.push(`--auth ${c.auth} needs --${flag}`);
  };
  if (c.auth === "token" || c.auth === "oauth2") need(c.tokenSecret, "token-secret");
  if (c.auth === "basic") need(c.basicUsers, "basic-users");
  if (c.auth === "oauth2") need(c.oauth2Client, "oauth2-client");
  if (problems.length > 0) throw new ConfigError(problems);
  switch (c.auth) {
    case "none":
      return { mode: "none" };
    case "token":
      return { mode: "token", secret: c.tokenSecret ?? "" };
    case "basic":
      return {
        mode: "basic",
        users: Object.fromEntries((c.basicUsers ?? []).map((u) => pair(u, "--basic-users"))),
      };
    case "oauth2": {
      const [clientId, clientSecret] = pair(c.oauth2Client ?? "", "--oauth2-client");
      return { mode: "oauth2", secret: c.tokenSecret ?? "", clientId, clientSecret };
    }
  }
}

function tlsOf(c: SimConfig): TlsOptions | undefined {
  if (c.tlsCertFile === undefined && c.tlsKeyFile === undefined) return undefined;
  if (c.tlsCertFile === undefined || c.tlsKeyFile === undefined) {
    throw new ConfigError(["--tls-cert-file and --tls-key-file go together"]);
  }
  if (c.tlsRequireClientCert && c.tlsCaFile === undefined)
    throw new ConfigError(["--tls-require-client-cert needs --tls-ca-file"]);
  return {
    cert: readFileSync(c.tlsCertFile),
    key: readFileSync(c.tlsKeyFile),
    ...(c.tlsCaFile !== undefined ? { ca: readFileSync(c.tlsCaFile) } : {}),
    requireClientCert: c.tlsRequireClientCert,
  };
}

/** `pulsar-push-scaler sim`: runs the simulator until SIGINT/SIGTERM. */
export async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseConfig(SIM_SCHEMA, argv, process.env);
  if (parsed.help) {
    process.stdout.write(
      renderHelp(
        "pulsar-push-scaler sim [flags]",
        "Run the Pulsar simulator: admin REST, WebSocket API v2, auth modes, and /_sim fault injection on one port.",
        SIM_SCHEMA,
      ),
    );
    return 0;
  }
  const c = parsed.config;
  if (c.printToken !== undefined) {
    if (c.tokenSecret === undefined) throw new ConfigError(["--print-token needs --token-secret"]);
    process.stdout.write(`${signJwt({ sub: c.printToken }, c.tokenSecret)}\n`);
    return 0;
  }
  const logger = createLogger(c.logLevel);
  const sim = await startSimulator({
    host: c.host,
    port: c.port,
    auth: authOf(c),
    ...(tlsOf(c) !== undefined ? { tls: tlsOf(c) } : {}),
    statsWindowMs: c.statsWindowMs,
    logger,
  });
  logger.info({ adminUrl: sim.adminUrl, wsUrl: sim.wsUrl, auth: c.auth }, "simulator ready");
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  logger.info("simulator stopping");
  await sim.close();
  return 0;
}
