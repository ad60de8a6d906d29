import type { TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import type { Clock } from "../../lib/clock.js";
import { errorText } from "../../lib/errors.js";
import { verifyJwt } from "../jwt.js";
import type { AuthOptions } from "../options.js";

/** Who a binary connection authenticated as, and until when its credentials hold. */
export interface BinaryIdentity {
  readonly role: string | undefined;
  /** Epoch ms of the token's `exp`; undefined = never expires (basic, tls, none, no exp claim). */
  readonly expiresAt: number | undefined;
  /** The auth method the client used (`token`, `basic`, `tls`, `none`): an AUTH_CHALLENGE names it. */
  readonly method: string;
}

export type BinaryAuthResult =
  { readonly ok: true; readonly identity: BinaryIdentity } | { readonly ok: false; readonly why: string };

function certRole(socket: Socket): string | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== "function" || tls.authorized !== true) return undefined;
  const cn = tls.getPeerCertificate().subject?.CN;
  return typeof cn === "string" ? cn : undefined;
}

/**
 * The broker's authentication of CONNECT and AUTH_RESPONSE, with the simulator's auth mode:
 * `token`/`oauth2` take the raw JWT (method "token", no "Bearer "), `basic` takes UTF-8
 * "user:password" (not base64: that is only the HTTP header), `none` takes anything. A TLS client
 * certificate gives the role when no credentials do, and is required with `requireClientCert`.
 */
export class BinaryAuthenticator {
  constructor(
    private readonly auth: AuthOptions,
    private readonly clock: Clock,
    private readonly requireClientCert: boolean,
  ) {}

  authenticate(socket: Socket, method: string | undefined, data: Buffer | undefined): BinaryAuthResult {
    if (this.requireClientCert && (socket as Partial<TLSSocket>).authorized !== true) {
      return { ok: false, why: "no trusted client certificate" };
    }
    const auth = this.auth;
    const text = data?.toString("utf8") ?? "";
    switch (auth.mode) {
      case "none":
        return {
          ok: true,
          identity: { role: certRole(socket), expiresAt: undefined, method: method ?? "none" },
        };
      case "basic": {
        if (method !== "basic") return { ok: false, why: `auth method ${method ?? "none"} is not basic` };
        const i = text.indexOf(":");
        const user = text.slice(0, i);
        if (i < 0 || !Object.hasOwn(auth.users, user) || auth.users[user] !== text.slice(i + 1)) {
          return { ok: false, why: "unknown user or wrong password" };
        }
        return { ok: true, identity: { role: user, expiresAt: undefined, method } };
      }
      case "token":
      case "oauth2": {
        if (method !== "token") return { ok: false, why: `auth method ${method ?? "none"} is not token` };
        try {
          const claims = verifyJwt(text, auth.secret, this.clock.now());
          const expiresAt = typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
          return { ok: true, identity: { role: claims.sub, expiresAt, method } };
        } catch (err) {
          return { ok: false, why: errorText(err) };
        }
      }
    }
  }

  /** True when the credentials behind `identity` have expired by now. */
  expired(identity: BinaryIdentity): boolean {
    return identity.expiresAt !== undefined && identity.expiresAt <= this.clock.now();
  }
}
