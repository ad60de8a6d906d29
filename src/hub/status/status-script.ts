/**
 * The status page's script, served as /status.js (the page's CSP allows scripts from 'self' only).
 * Polls /status.json every second and rebuilds the tables with textContent: no server value is
 * ever parsed as HTML (topic and subscription names are user input). Plain ES2020 for any browser.
 */
export const STATUS_SCRIPT = String.raw`"use strict";
(function () {
  var page = Number(new URLSearchParams(location.search).get("page")) || 1;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function age(ms) {
    if (ms === undefined || ms === null) return "-";
    return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s";
  }
  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) {
      tr.appendChild(c instanceof Node ? c : el("td", c));
    });
    return tr;
  }
  function fill(id, rows) {
    var body = document.getElementById(id);
    body.replaceChildren.apply(body, rows);
  }
  function keyRow(k) {
    var verdict = el("td", k.verdict, "verdict " + k.verdict);
    var holder = k.holder.kind === "sidecar" ? "sidecar " + k.holder.pod : k.holder.kind;
    var err = k.lastError ? k.lastError.name + ": " + k.lastError.message + " (" + age(k.lastError.ageMs) + " ago)" : "-";
    var sos = k.scaledObjects.map(function (s) { return s.namespace + "/" + s.name + " (" + s.rule + ")"; }).join(", ");
    var tr = row([
      verdict, el("td", k.why, "why"), k.cluster, el("td", k.topic, "topic"), el("td", k.subscription, "subscription"),
      k.backlog === undefined ? "-" : k.backlog, (k.transport || "-") + (k.arrivals ? ": " + k.arrivals : ""), holder, age(k.observationAgeMs), err, sos || "-",
    ]);
    tr.dataset.key = k.id;
    tr.dataset.verdict = k.verdict;
    tr.dataset.active = String(k.active);
    return tr;
  }
  function render(s) {
    var c = s.counts;
    document.getElementById("summary").textContent =
      s.totalKeys + " keys: " + c.active + " active, " + c.inactive + " inactive, " + c.stale + " stale, " +
      c.unavailable + " unavailable, " + c.waiting + " waiting, " + c["no-lease"] + " without a lease; " +
      s.sidecars.length + " sidecars connected" + (s.gatewayOn ? "" : " (sidecar gateway off)");
    fill("keys", s.keys.map(keyRow));
    fill("activations", s.activations.map(function (a) {
      return row([age(a.ageMs) + " ago", a.key, a.scaledObject.namespace + "/" + a.scaledObject.name, a.cause,
        a.latencyMs === undefined ? "-" : a.latencyMs + " ms"]);
    }));
    fill("sidecars", s.sidecars.map(function (x) {
      return row([x.pod, x.namespace, x.sidecarVersion, x.announced, x.held,
        x.clockOffsetMs === undefined ? "-" : x.clockOffsetMs + " ms"]);
    }));
    var pager = document.getElementById("pager");
    pager.replaceChildren();
    if (s.pages > 1) {
      for (var i = 1; i <= s.pages; i++) {
        var a = el("a", i, i === s.page ? "current" : "");
        a.href = "?page=" + i;
        pager.appendChild(a);
      }
    }
    document.getElementById("updated").textContent = "updated " + new Date(s.generatedAt).toISOString();
    document.body.dataset.state = "live";
  }
  function poll() {
    fetch("status.json?page=" + page, { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(render)
      .catch(function (e) {
        document.body.dataset.state = "error";
        document.getElementById("updated").textContent = "cannot reach the hub: " + e.message;
      })
      .finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
`;
