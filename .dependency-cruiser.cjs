// Dependency direction (checked by `npm run lint`):
//   lib <- pulsar, state, contract <- watch <- keda, hub <- cli ; sidecar/ may import src/ (never
//   src/hub, src/sim, src/demo, src/check), never the reverse; sim imports only lib (and the binary
//   codec of src/pulsar/binary); state imports
//   nothing that does I/O; contract imports only lib and the state types (key, observation).
/** @type {import('dependency-cruiser').IConfiguration} */
const only = (from, allowed) => ({
  name: `${from}-imports-only-${allowed.join("-")}`,
  comment: `src/${from} may import only ${allowed.map((a) => "src/" + a).join(", ")} (docs/architecture.md)`,
  severity: "error",
  from: { path: `^src/${from}/` },
  to: { path: "^(src|sidecar)/", pathNot: [`^src/${from}/`, ...allowed.map((a) => `^src/${a}/`)] },
});
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "src-never-imports-sidecar",
      comment: "only the CLI, the single composition point of all programs, may load sidecar/main",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/cli\\.ts$" },
      to: { path: "^sidecar/" },
    },
    only("lib", []),
    {
      name: "sim-imports-only-lib-and-the-binary-codec",
      comment:
        "src/sim may import only src/lib and the binary protocol codec of src/pulsar/binary (frames, commands, generated types): never a client",
      severity: "error",
      from: { path: "^src/sim/" },
      to: {
        path: "^(src|sidecar)/",
        pathNot: [
          "^src/sim/",
          "^src/lib/",
          "^src/pulsar/binary/(crc32c|frame|commands)\\.ts$",
          "^src/pulsar/binary/generated/",
        ],
      },
    },
    only("pulsar", ["lib"]),
    only("state", ["lib"]),
    {
      name: "contract-imports-only-lib-and-state-types",
      comment:
        "src/contract is shared by hub and sidecar: it may import only src/lib and the key and observation types",
      severity: "error",
      from: { path: "^src/contract/" },
      to: {
        path: "^(src|sidecar)/",
        pathNot: ["^src/contract/", "^src/lib/", "^src/state/(key|observation)\\.ts$"],
      },
    },
    only("watch", ["lib", "pulsar", "state"]),
    only("keda", ["lib", "pulsar", "state", "watch"]),
    only("hub", ["lib", "pulsar", "state", "contract", "watch", "keda"]),
    only("check", ["lib", "pulsar", "state", "watch", "keda", "hub"]),
    only("demo", ["lib", "pulsar", "state", "watch", "keda", "hub", "sim"]),
    {
      name: "sidecar-imports-only-its-parts-of-src",
      comment:
        "sidecar/ may import only src/lib, src/pulsar, src/state, src/contract, src/watch and src/keda (standalone mode serves KEDA): never the hub, the simulator, the demo or check",
      severity: "error",
      from: { path: "^sidecar/" },
      to: {
        path: "^src/",
        pathNot: ["lib", "pulsar", "state", "contract", "watch", "keda"].map((a) => `^src/${a}/`),
      },
    },
    {
      name: "state-does-no-io",
      comment:
        "src/state is pure: no node I/O modules, no network or logging packages, no event emitters (its tables return effects)",
      severity: "error",
      from: { path: "^src/state/" },
      to: {
        dependencyTypes: ["core", "npm"],
        // core modules resolve to their name, packages to their path under node_modules
        path: [
          "^(fs|net|http|https|http2|dgram|child_process|tls|events|node:.*)$",
          "^node_modules/(ws|pino|@grpc/[^/]+|eventemitter3)/",
        ],
        pathNot: ["^node:crypto$"],
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
