/** Reading a Prometheus text exposition (the hub's /metrics) in benchmarks and tests. */

/** Sum of every sample of `name` whose labels include all of `labels`. NaN when there is none. */
export function sampleSum(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    const close = rest.indexOf("}");
    const labelText = rest[0] === "{" ? rest.slice(1, close) : "";
    const value = Number((rest[0] === "{" ? rest.slice(close + 1) : rest).trim().split(" ")[0]);
    const ok = Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`));
    if (ok && Number.isFinite(value)) {
      sum += value;
      found = true;
    }
  }
  return found ? sum : NaN;
}

/** GET http://127.0.0.1:<port>/metrics. */
export async function scrape(httpPort: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  return await res.text();
}

/** Open StreamIsActive streams the hub reports. */
export async function openStreams(httpPort: number): Promise<number> {
  return sampleSum(await scrape(httpPort), "pps_grpc_open_streams", { method: "StreamIsActive" });
}
