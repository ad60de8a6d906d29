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
 * (the identity is the client certificate). `fresh` (a new connection, an AUTH_CHALLENGE) drops
 * what the provider cached first, so a rotated token file is read again, as Java and Go clients do.
 */
export async function binaryCredentials(
  auth: AuthProvider,
  fresh: boolean,
  url: string,
): Promise<BinaryCredentials> {
  if (auth.kind === "none") return { method: undefined, data: undefined };
  if (auth.kind === "tls") return { method: "tls", data: undefined };
  if (fresh) auth.invalidate?.();
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
