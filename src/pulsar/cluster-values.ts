import * as v from "valibot";
import { intSchema, urlSchema } from "../lib/config-parsers.js";

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

export const AUTH_KIND = v.picklist(AUTH_KINDS, `expected one of ${AUTH_KINDS.join(", ")}`);

/** A file path or other text value. */
export const TEXT = v.pipe(v.string("expected a string"), v.minLength(1, "expected a non-empty string"));
