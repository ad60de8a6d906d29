import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Clock } from "../../lib/clock.js";
import { errorText } from "../../lib/errors.js";
import { verifyJwt } from "../jwt.js";
import { compilePattern, type Matcher } from "../model/pattern.js";
import type { AuthOptions, TopicRoleRule } from "../options.js";

export type AuthResult =
  | {
      readonly ok: true;
      readonly role: string | undefined;
      /** When the credentials expire (epoch ms): a token's `exp`. */
      readonly expiresAt?: number;
    }
  | { readonly ok: false; readonly why: string };

function clientCertRole(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== "function" || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === "string" ? cn : undefined;
}

/**
 * The broker's authentication filter: token (HS256), basic, or OAuth2-issued tokens. With no mode
 * every request passes (role from a verified TLS client certificate if there is one). With
 * `requireClientCert` the certificate is checked here rather than in the TLS handshake, so the
 * `/_sim` control path stays reachable (like `tlsRequireTrustedClientCertOnConnect=false`).
 * `allowQueryToken` is for WebSocket upgrades, which may carry `?token=`.
 */
export class Authenticator {
  constructor(
    private readonly auth: AuthOptions,
    private readonly clock: Clock,
    /** The TLS listener asks for client certificates; without a trusted one every request fails. */
    private readonly requireClientCert = false,
  ) {}

  get mode(): AuthOptions["mode"] {
    return this.auth.mode;
  }

  authenticate(req: IncomingMessage, query?: URLSearchParams): AuthResult {
    const header = req.headers.authorization;
    const auth = this.auth;
    if (this.requireClientCert && (req.socket as Partial<TLSSocket>).authorized !== true) {
      return { ok: false, why: "no trusted client certificate" };
    }
    switch (auth.mode) {
      case "none":
        return { ok: true, role: clientCertRole(req) };
      case "basic": {
        const m = /^Basic\s+(.+)$/i.exec(header ?? "");
        if (!m) return { ok: false, why: "no basic credentials" };
        const decoded = Buffer.from(m[1] ?? "", "base64").toString("utf8");
        const i = decoded.indexOf(":");
        const user = decoded.slice(0, i);
        if (i < 0 || !Object.hasOwn(auth.users, user) || auth.users[user] !== decoded.slice(i + 1)) {
          return { ok: false, why: "unknown user or wrong password" };
        }
        return { ok: true, role: user };
      }
      case "token":
      case "oauth2": {
        const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
        const token = m?.[1] ?? query?.get("token") ?? undefined;
        if (!token) return { ok: false, why: "no bearer token" };
        return this.verifyToken(token);
      }
    }
  }

  /** A bearer token (a WebSocket session's AUTH_RESPONSE included). */
  verifyToken(token: string): AuthResult {
    if (this.auth.mode !== "token" && this.auth.mode !== "oauth2") return { ok: false, why: "no token mode" };
    try {
      const claims = verifyJwt(token, this.auth.secret, this.clock.now());
      return {
        ok: true,
        role: claims.sub,
        ...(claims.exp !== undefined ? { expiresAt: claims.exp * 1000 } : {}),
      };
    } catch (err) {
      return { ok: false, why: errorText(err) };
    }
  }
}

/** Optional per-topic role allow-list; topics no rule matches are open to every authenticated role. */
export class Authorizer {
  private readonly rules: { match: Matcher; roles: ReadonlySet<string> }[];

  constructor(rules: readonly TopicRoleRule[] = []) {
    this.rules = rules.map((r) => ({ match: compilePattern(r.topicPattern), roles: new Set(r.roles) }));
  }

  allowed(topic: string, role: string | undefined): boolean {
    for (const r of this.rules) {
      if (r.match(topic) && (role === undefined || !r.roles.has(role))) return false;
    }
    return true;
  }
}
