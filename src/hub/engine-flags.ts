import { int, str } from "../lib/config-parsers.js";
import { errorText } from "../lib/errors.js";
import { field, type Checks, type ConfigOf } from "../lib/config.js";
import { KEY_TABLE_DEFAULTS } from "../state/key-table-types.js";
import { DEFAULT_LEASE_TIMEOUT_MS } from "../state/leases.js";
import { watchTimingsSchema } from "../watch/timings-schema.js";
import { tokenFromFile } from "../contract/bearer.js";
import { gatewayLimitsSchema } from "./gateway-flags.js";
import { readTokensFile, tokenBook, type NamespaceScope, type TokenBook } from "./sidecar-tokens.js";

const MS = int(0, 86_400_000);
/** The welcome frame carries these two; the contract bounds them to 10..600000 ms. */
const CHANNEL_MS = int(10, 600_000);

/**
 * The hub's watch engine, lease and sidecar gateway flags: spread into hubSchema. Watcher timings
 * (shared with the sidecar) come from watchTimingsSchema.
 */
export const hubEngineSchema = {
  sidecarTokenFile: field({
    flag: "sidecar-token-file",
    env: "PPS_SIDECAR_TOKEN_FILE",
    doc: "file holding the bearer token of the hub's own namespace (POD_NAMESPACE, else --namespaces) that sidecars present (re-read on every connect); with none of this, PPS_SIDECAR_TOKEN and --sidecar-tokens-file the sidecar gateway is off and only hub watchers run",
    parser: str,
    default: undefined,
  }),
  sidecarTokensFile: field({
    flag: "sidecar-tokens-file",
    env: "PPS_SIDECAR_TOKENS_FILE",
    doc: "YAML or JSON file mapping namespace -> file holding that namespace's sidecar token (re-read on every connect); a sidecar's hello must name the namespace of its token",
    parser: str,
    default: undefined,
  }),
  sidecarToken: field({
    flag: "sidecar-token",
    env: "PPS_SIDECAR_TOKEN",
    doc: "bearer token sidecars must present; prefer the env variable or --sidecar-token-file",
    parser: str,
    default: undefined,
    secret: true,
  }),
  leaseTimeoutMs: field({
    flag: "lease-timeout-ms",
    env: "PPS_LEASE_TIMEOUT_MS",
    doc: "a sidecar silent for this long loses its leases (its keys go to another sidecar or the hub)",
    parser: CHANNEL_MS,
    default: DEFAULT_LEASE_TIMEOUT_MS,
  }),
  heartbeatIntervalMs: field({
    flag: "heartbeat-interval-ms",
    env: "PPS_HEARTBEAT_INTERVAL_MS",
    doc: "heartbeat period of the sidecar channel, both directions (told to sidecars on connect)",
    parser: CHANNEL_MS,
    default: 3000,
  }),
  stalenessMs: field({
    flag: "staleness-ms",
    env: "PPS_STALENESS_MS",
    doc: "an observation older than this is not served: UNAVAILABLE instead (default 3 x --slow-poll-ms)",
    parser: int(1, 86_400_000),
    default: undefined,
  }),
  errorGraceMs: field({
    flag: "error-grace-ms",
    env: "PPS_ERROR_GRACE_MS",
    doc: "once every stats poll of a subscription has failed for this long, GetMetrics and IsActive answer UNAVAILABLE even within the staleness bound (a good poll restores them)",
    parser: MS,
    default: KEY_TABLE_DEFAULTS.errorGraceMs,
  }),
  firstReadWaitMs: field({
    flag: "first-read-wait-ms",
    env: "PPS_FIRST_READ_WAIT_MS",
    doc: "how long the first read of a new subscription waits for its first observation",
    parser: MS,
    default: KEY_TABLE_DEFAULTS.firstReadWaitMs,
  }),
  keyIdleTtlMs: field({
    flag: "key-idle-ttl-ms",
    env: "PPS_KEY_IDLE_TTL_MS",
    doc: "a subscription no ScaledObject asked about for this long stops being watched",
    parser: int(1, 86_400_000),
    default: KEY_TABLE_DEFAULTS.keyIdleTtlMs,
  }),
  neverHealthyTtlMs: field({
    flag: "never-healthy-ttl-ms",
    env: "PPS_NEVER_HEALTHY_TTL_MS",
    doc: "a subscription never observed (e.g. a topic that does not exist) and with no open stream stops being watched after this long without a call (instead of --key-idle-ttl-ms), which also frees room at --max-keys",
    parser: int(1, 86_400_000),
    default: KEY_TABLE_DEFAULTS.neverHealthyTtlMs,
  }),
  maxKeys: field({
    flag: "max-keys",
    env: "PPS_MAX_KEYS",
    doc: "most subscriptions watched at once (more: RESOURCE_EXHAUSTED)",
    parser: int(1, 1_000_000),
    default: KEY_TABLE_DEFAULTS.maxKeys,
  }),
  maxScaledObjects: field({
    flag: "max-scaled-objects",
    env: "PPS_MAX_SCALED_OBJECTS",
    doc: "most ScaledObjects served at once (more: RESOURCE_EXHAUSTED)",
    parser: int(1, 1_000_000),
    default: KEY_TABLE_DEFAULTS.maxScaledObjects,
  }),
  ...gatewayLimitsSchema,
  ...watchTimingsSchema,
};

export type HubEngineConfig = ConfigOf<typeof hubEngineSchema>;

/** The rules between the fragment's flags; problems go to `checks`. */
export function hubEngineRules(cfg: HubEngineConfig, checks: Checks): void {
  if (cfg.sidecarTokenFile !== undefined && cfg.sidecarToken !== undefined) {
    checks.problem("set either --sidecar-token-file or PPS_SIDECAR_TOKEN, not both");
  }
  if (cfg.sidecarTokensFile !== undefined) {
    try {
      readTokensFile(cfg.sidecarTokensFile);
    } catch (err) {
      checks.problem(errorText(err));
    }
  }
  if (checks.ok("heartbeatIntervalMs", "leaseTimeoutMs") && cfg.heartbeatIntervalMs >= cfg.leaseTimeoutMs) {
    checks.problem(
      `--heartbeat-interval-ms (${cfg.heartbeatIntervalMs}) must be below --lease-timeout-ms (${cfg.leaseTimeoutMs})`,
    );
  }
}

/**
 * The sidecar tokens (files re-read on every call), the single one speaking for `ownScope`, or
 * undefined: gateway off.
 */
export function sidecarTokenBook(cfg: HubEngineConfig, ownScope: NamespaceScope): TokenBook | undefined {
  const token = cfg.sidecarToken;
  const single =
    cfg.sidecarTokenFile !== undefined
      ? tokenFromFile(cfg.sidecarTokenFile)
      : token !== undefined
        ? () => token
        : undefined;
  return tokenBook({ single, singleScope: ownScope, tokensFile: cfg.sidecarTokensFile });
}
