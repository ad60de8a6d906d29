import type { AuthProvider } from "../auth/provider.js";
import { AuthenticationError } from "../errors.js";

/** What CONNECT and AUTH_RESPONSE carry: a method name and its bytes (none for `none` and `tls`). */
export interface BinaryCredentials {
  readonly method: string | undefined;
  readonly data: Uint8Array | undefined;
}

/**
 * The binary protocol's credentials, taken from the same providers as the admin client's headers
 * (PULSAR-BINARY.md §3): token and OAuth2 send "token" with the raw JWT (no "Bearer "), basic sends
 * "basic" with UTF-8 "user:password" (base64 is HTTP's wrapping only), TLS sends "tls" with no data
 * (the identity is the client certificate). What the provider cached is dropped first for a token
 * on every new connection (a rotated file is read again, as Java and Go clients do) and for any
 * provider on an AUTH_CHALLENGE (the broker found the credentials expired); an OAuth2 token still
 * valid is reused for a new connection, so a reconnect storm is not a token-fetch storm.
 */
export async function binaryCredentials(
  auth: AuthProvider,
  why: "connect" | "challenge",
  url: string,
): Promise<BinaryCredentials> {
  if (auth.kind === "none") return { method: undefined, data: undefined };
  if (auth.kind === "tls") return { method: "tls", data: undefined };
  if (why === "challenge" || auth.kind === "token") auth.invalidate?.();
  const header = (await auth.headers())["authorization"] ?? "";
  if (auth.kind === "basic") {
    const encoded = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    if (encoded === undefined) throw new AuthenticationError("basic credentials missing", url);
    return { method: "basic", data: Buffer.from(encoded, "base64") };
  }
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (token === undefined) throw new AuthenticationError(`${auth.kind} credentials missing`, url);
  return { method: "token", data: Buffer.from(token, "utf8") };
}
