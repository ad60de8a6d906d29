import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/lib/config.js";
import { ConfigError } from "../../src/lib/errors.js";
import { SIM_SCHEMA, simSettings } from "../../src/sim/config.js";

void test("sim config: every auth and TLS problem comes with the parse problems, in one error", () => {
  assert.throws(
    () =>
      loadConfig(
        SIM_SCHEMA,
        ["--auth", "oauth2", "--tls-cert-file", "c.pem", "--tls-require-client-cert", "--port", "x"],
        {},
        simSettings,
      ),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        '--port = "x": expected an integer in 0..65535',
        "--auth oauth2 needs --token-secret",
        "--auth oauth2 needs --oauth2-client",
        "--tls-require-client-cert needs --tls-ca-file",
        "--tls-cert-file and --tls-key-file go together",
      ]);
      return true;
    },
  );
  assert.throws(
    () => loadConfig(SIM_SCHEMA, ["--websocket", "maybe"], {}, simSettings),
    /--websocket = "maybe"/,
  );
  const off = loadConfig(SIM_SCHEMA, [], { PPS_SIM_WEBSOCKET: "off" }, simSettings);
  assert.equal(!off.help && off.config.config.websocket, "off");
  const basic = loadConfig(SIM_SCHEMA, ["--auth", "basic", "--basic-users", "u:p,v:q"], {}, simSettings);
  assert.deepEqual(!basic.help && basic.config.auth, { mode: "basic", users: { u: "p", v: "q" } });
  assert.throws(
    () => loadConfig(SIM_SCHEMA, ["--print-token", "me"], {}, simSettings),
    /--print-token needs --token-secret/,
  );
});
