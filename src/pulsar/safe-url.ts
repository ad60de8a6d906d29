/** Query parameters whose values are secrets (`?token=` is how Pulsar's WebSocket API takes a JWT). */
const SECRET_PARAMS = new Set(["token", "access_token", "password", "client_secret", "secret"]);

/**
 * The URL as it may appear in errors and logs: no userinfo, secret query values replaced by
 * `redacted`. Never throws: an unparsable input becomes "(invalid url)".
 */
export function safeUrl(raw: string | URL): string {
  let u: URL;
  try {
    u = new URL(raw.toString());
  } catch {
    return "(invalid url)";
  }
  u.username = "";
  u.password = "";
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_PARAMS.has(key.toLowerCase())) u.searchParams.set(key, "redacted");
  }
  return u.toString();
}

/** Scrubs credential-looking fragments from text taken from a server reply before it goes in a message. */
export function scrubText(text: string, maxLength = 200): string {
  const cleaned = text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]")
    .replace(/\b(token|access_token|client_secret|password)=([^&\s"]+)/gi, "$1=[redacted]")
    .replace(/\s+/g, " ")
    .trim();
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength)}...` : cleaned;
}

/** Same scheme, host and port: the only case where credentials follow a redirect. */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}
