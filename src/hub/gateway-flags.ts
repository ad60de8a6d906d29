import { int } from "../lib/config-parsers.js";
import { field } from "../lib/config.js";
import { LIMITS } from "../contract/limits.js";
import { DEFAULT_GATEWAY_LIMITS, type GatewayLimits } from "./gateway-budget.js";

/** The sidecar gateway's memory bounds (gateway-budget.ts), spread into the hub's engine flags. */
export const gatewayLimitsSchema = {
  gatewayMaxKeysPerHello: field({
    flag: "gateway-max-keys-per-hello",
    env: "PPS_GATEWAY_MAX_KEYS_PER_HELLO",
    doc: `most keys one sidecar hello may announce (more: the session is closed 4007); at most ${LIMITS.maxKeys}, the contract's bound`,
    parser: int(1, LIMITS.maxKeys),
    default: DEFAULT_GATEWAY_LIMITS.maxKeysPerHello,
  }),
  gatewayMaxSessionBytes: field({
    flag: "gateway-max-session-bytes",
    env: "PPS_GATEWAY_MAX_SESSION_BYTES",
    doc: "most bytes one sidecar session may make the hub hold, counted from its hello (more: closed 4007); see docs/hub.md",
    parser: int(1024, 64 * 1024 * 1024),
    default: DEFAULT_GATEWAY_LIMITS.maxSessionBytes,
  }),
  gatewayMaxBytes: field({
    flag: "gateway-max-bytes",
    env: "PPS_GATEWAY_MAX_BYTES",
    doc: "most bytes all sidecar sessions together may make the hub hold (a hello beyond: closed 4007); size it with the chart's resources and hub.nodeOptions, see docs/hub.md",
    parser: int(1024, 4 * 1024 * 1024 * 1024),
    default: DEFAULT_GATEWAY_LIMITS.maxTotalBytes,
  }),
};

/** The limits of the parsed flags. */
export function gatewayLimitsOf(cfg: {
  readonly gatewayMaxKeysPerHello: number;
  readonly gatewayMaxSessionBytes: number;
  readonly gatewayMaxBytes: number;
}): GatewayLimits {
  return {
    maxKeysPerHello: cfg.gatewayMaxKeysPerHello,
    maxSessionBytes: cfg.gatewayMaxSessionBytes,
    maxTotalBytes: cfg.gatewayMaxBytes,
  };
}
