/**
 * How one cluster's requests are authenticated. `headers()` is called before every admin request
 * and every WebSocket upgrade (a provider caches what it can); `agentOptions` are TLS options for
 * the agent of the cluster's own origin; `invalidate()` drops cached credentials after a 401 so the
 * next `headers()` fetches or re-reads fresh ones.
 */
export interface AuthProvider {
  readonly kind: "none" | "token" | "basic" | "tls" | "oauth2";
  headers(): Promise<Record<string, string>>;
  readonly agentOptions?: TlsClientOptions;
  invalidate?(): void;
  /** Releases sockets the provider holds (OAuth2 issuer agent). */
  close?(): void;
}

/** TLS material for https/wss: client certificate and key. */
export interface TlsClientOptions {
  readonly cert?: Buffer;
  readonly key?: Buffer;
}
