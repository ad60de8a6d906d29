import type { ArrivalsMode } from "./cluster-values.js";

/** How the hub or sidecar authenticates to one Pulsar cluster. Secrets come from env or files only. */
export type PulsarAuth =
  | { readonly kind: "none" }
  /** Exactly one of token / tokenFile; a token file is re-read when it changes (tokens rotate). */
  | { readonly kind: "token"; readonly token?: string; readonly tokenFile?: string }
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  /** TLS client certificate (the admin/ws URLs are https/wss). */
  | { readonly kind: "tls"; readonly certFile: string; readonly keyFile: string }
  /** OAuth2 client credentials; credentials file as in docs/pulsar-access.md (Authentication); issuerUrl overrides the file's issuer_url. */
  | {
      readonly kind: "oauth2";
      readonly credentialsFile: string;
      readonly issuerUrl?: string;
      readonly audience?: string;
      readonly scope?: string;
    };

/** One Pulsar cluster the operator configured. The hub never contacts any other host. */
export interface ClusterConfig {
  /** Name used by trigger metadata `cluster`. */
  readonly name: string;
  /** Broker web service, e.g. http://pulsar:8080 (no trailing slash). */
  readonly adminUrl: string;
  /** WebSocket service base, e.g. ws://pulsar:8080 (no trailing slash); may be a separate proxy. */
  readonly wsUrl: string;
  /**
   * Binary-protocol service URL of a broker or proxy, `pulsar://host:6650` or
   * `pulsar+ssl://host:6651` (normalized: scheme, host and port always present).
   */
  readonly serviceUrl?: string;
  /** How watchers learn of arrivals (default auto: binary with a serviceUrl, else WebSocket). */
  readonly arrivals: ArrivalsMode;
  readonly auth: PulsarAuth;
  /** CA bundle (PEM file) for https/wss and pulsar+ssl. */
  readonly caFile?: string;
  /** Per-request timeout for admin calls in ms (default 5000). */
  readonly requestTimeoutMs: number;
}
