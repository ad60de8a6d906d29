import type { Clock } from "../../lib/clock.js";
import type { PulsarAuth } from "../cluster.js";
import { basicAuth } from "./basic.js";
import { noAuth } from "./none.js";
import { oauth2Auth } from "./oauth2.js";
import type { AuthProvider } from "./provider.js";
import { tlsAuth } from "./tls.js";
import { fileTokenAuth, inlineTokenAuth } from "./token.js";

export type { AuthProvider, TlsClientOptions } from "./provider.js";
export { readPem } from "./tls.js";
export { refreshDelayMs } from "./oauth2.js";

export interface AuthDeps {
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** CA bundle of the cluster, also used for an https OAuth2 issuer. */
  readonly ca?: Buffer;
}

/** The provider for a cluster's configured auth. TLS files are read now (ConfigError if unreadable). */
export function createAuthProvider(auth: PulsarAuth, deps: AuthDeps): AuthProvider {
  switch (auth.kind) {
    case "none":
      return noAuth();
    case "token":
      if (auth.tokenFile !== undefined) return fileTokenAuth(auth.tokenFile);
      return inlineTokenAuth(auth.token ?? "");
    case "basic":
      return basicAuth(auth.username, auth.password);
    case "tls":
      return tlsAuth(auth.certFile, auth.keyFile);
    case "oauth2":
      return oauth2Auth({
        credentialsFile: auth.credentialsFile,
        issuerUrl: auth.issuerUrl,
        audience: auth.audience,
        scope: auth.scope,
        clock: deps.clock,
        timeoutMs: deps.timeoutMs,
        ca: deps.ca,
      });
  }
}
