import type { AuthProvider } from "./provider.js";

/** No credentials. */
export function noAuth(): AuthProvider {
  return { kind: "none", headers: () => Promise.resolve({}) };
}
