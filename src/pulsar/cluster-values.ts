import * as v from "valibot";
import { intSchema, urlSchema } from "../lib/config-parsers.js";
import { checkServiceUrl, SERVICE_URL_SHAPE } from "./binary/service-url.js";

/**
 * The rule of each cluster value, the one place: the --pulsar-* flags (cluster-schema.ts) and the
 * clusters file (clusters-file.ts) check their values with these.
 */
export const AUTH_KINDS = ["none", "token", "basic", "tls", "oauth2"] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export const CLUSTER_NAME = v.pipe(
  v.string("expected a string"),
  v.regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    "expected 1-63 letters, digits, _ . - (starting alphanumeric)",
  ),
);

export const HTTP_URL = urlSchema(["http:", "https:"], "an http:// or https:// URL");
export const WS_URL = urlSchema(["ws:", "wss:"], "a ws:// or wss:// URL");

/** Timeout of one admin request, in ms. */
const TIMEOUT_RANGE = "expected an integer in 100..600000";
export const REQUEST_TIMEOUT_MS = intSchema(100, 600_000, TIMEOUT_RANGE);

/**
 * How a cluster's watchers learn of arrivals: `auto` = the binary protocol when a service URL is
 * configured, else the WebSocket reader (polling alone while that service does not answer);
 * `off` = polling only.
 */
export const ARRIVALS_MODES = ["auto", "binary", "websocket", "off"] as const;
export type ArrivalsMode = (typeof ARRIVALS_MODES)[number];
export const ARRIVALS = v.picklist(ARRIVALS_MODES, `expected one of ${ARRIVALS_MODES.join(", ")}`);

/** A Pulsar binary-protocol service URL (broker or proxy), normalized to `scheme://host:port`: the client's own parser checks it. */
export const SERVICE_URL: v.GenericSchema<string, string> = v.pipe(
  v.string(SERVICE_URL_SHAPE),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const r = checkServiceUrl(dataset.value);
    if ("problem" in r) {
      addIssue({ message: r.problem });
      return NEVER;
    }
    return r.url;
  }),
);

export const AUTH_KIND = v.picklist(AUTH_KINDS, `expected one of ${AUTH_KINDS.join(", ")}`);

/** A file path or other text value. */
export const TEXT = v.pipe(v.string("expected a string"), v.minLength(1, "expected a non-empty string"));
