import type { HttpReply, HttpRoute } from "../../lib/http.js";
import { STATUS_SCRIPT } from "./status-script.js";
import { statusModel, type StatusInput } from "./status-model.js";

/**
 * Nothing but the hub's own script, style and JSON: no inline code, no external assets, no frames.
 * The page carries no server data (the script fetches it), so it needs no nonce.
 */
export const STATUS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STATUS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pulsar-push-scaler hub status</title>
<link rel="stylesheet" href="status.css">
<script src="status.js" defer></script>
</head>
<body data-state="loading">
<h1>pulsar-push-scaler hub</h1>
<p id="summary">loading...</p>
<p id="updated"></p>
<h2>Keys</h2>
<nav id="pager"></nav>
<table>
<thead><tr><th>verdict</th><th>why</th><th>cluster</th><th>topic</th><th>subscription</th><th>backlog</th>
<th>arrivals (transport: state)</th><th>lease holder</th><th>observation age</th><th>last error</th><th>ScaledObjects</th></tr></thead>
<tbody id="keys"></tbody>
</table>
<h2>Recent activations</h2>
<table>
<thead><tr><th>when</th><th>key</th><th>ScaledObject</th><th>cause</th><th>arrival to push</th></tr></thead>
<tbody id="activations"></tbody>
</table>
<h2>Sidecars connected</h2>
<table>
<thead><tr><th>pod</th><th>namespace</th><th>version</th><th>keys announced</th><th>leases held</th><th>clock offset</th></tr></thead>
<tbody id="sidecars"></tbody>
</table>
</body>
</html>
`;

const STATUS_CSS = `body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.topic, td.subscription { font-family: ui-monospace, monospace; overflow-wrap: anywhere; min-width: 14em; }
td.verdict { font-weight: bold; }
.active { background: #d9f2d9; }
.inactive { background: #eee; }
.stale, .no-lease, .waiting { background: #fff1c2; }
.unavailable { background: #f8d0d0; }
body[data-state="error"] #updated { color: #b00; }
#pager a { margin-right: 0.5em; }
#pager a.current { font-weight: bold; }
`;

const SECURITY_HEADERS = {
  "content-security-policy": STATUS_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function reply(type: string, body: string): HttpReply {
  return { status: 200, headers: { "content-type": type, ...SECURITY_HEADERS }, body };
}

/**
 * The status page's routes for startHubHttp: the page, its script and style, and /status.json
 * built by statusModel from a fresh snapshot per request (`?page=` for keys beyond the first 200).
 */
export function statusRoutes(snapshot: () => StatusInput): Record<string, HttpRoute> {
  return {
    "/status": () => reply("text/html; charset=utf-8", STATUS_HTML),
    "/status.js": () => reply("text/javascript; charset=utf-8", STATUS_SCRIPT),
    "/status.css": () => reply("text/css; charset=utf-8", STATUS_CSS),
    "/status.json": (query) =>
      reply(
        "application/json; charset=utf-8",
        JSON.stringify(statusModel(snapshot(), Number(query.get("page") ?? 1))),
      ),
  };
}
