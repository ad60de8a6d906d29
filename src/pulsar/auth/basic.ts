import type { AuthProvider } from "./provider.js";

/** HTTP Basic: `Authorization: Basic base64(user:password)`. */
export function basicAuth(username: string, password: string): AuthProvider {
  const value = `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
  return { kind: "basic", headers: () => Promise.resolve({ authorization: value }) };
}
