import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidTokenError } from "./errors.js";

/**
 * Minimal HS256 JWTs, as Pulsar's token authentication uses with a symmetric secret key.
 * The secret is used as UTF-8 bytes; prefix it with `base64:` to give raw key bytes in base64
 * (what `pulsar tokens create-secret-key --base64` prints).
 */
export interface JwtClaims {
  readonly sub: string;
  /** Expiry, seconds since the epoch. */
  readonly exp?: number;
  readonly iat?: number;
  readonly aud?: string;
  readonly [claim: string]: unknown;
}

function keyBytes(secret: string): Buffer {
  return secret.startsWith("base64:") ? Buffer.from(secret.slice(7), "base64") : Buffer.from(secret, "utf8");
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export function signJwt(claims: JwtClaims, secret: string): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac("sha256", keyBytes(secret)).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64url(sig)}`;
}

/** Verifies signature, algorithm and `exp`/`nbf` against `nowMs`; returns the claims. */
export function verifyJwt(token: string, secret: string, nowMs: number): JwtClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new InvalidTokenError("token is not a JWT");
  const [head, body, sig] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch (err) {
    throw new InvalidTokenError("token is not valid JSON", { cause: err });
  }
  if (typeof header !== "object" || header === null || (header as { alg?: unknown }).alg !== "HS256") {
    throw new InvalidTokenError("token algorithm is not HS256");
  }
  const expected = createHmac("sha256", keyBytes(secret)).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidTokenError("token signature does not verify");
  }
  if (typeof claims !== "object" || claims === null)
    throw new InvalidTokenError("token claims are not an object");
  const c = claims as Record<string, unknown>;
  if (typeof c["sub"] !== "string") throw new InvalidTokenError("token has no subject");
  if (typeof c["exp"] === "number" && c["exp"] * 1000 <= nowMs) throw new InvalidTokenError("token expired");
  if (typeof c["nbf"] === "number" && c["nbf"] * 1000 > nowMs)
    throw new InvalidTokenError("token not yet valid");
  return c as JwtClaims;
}
