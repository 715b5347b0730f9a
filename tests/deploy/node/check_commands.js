// Runs every command line listed by validate_manifests.js against the built clipglass (first on
// PATH through a shim folder) and checks that clipglass accepts its flags: a command passes when
// it parses and then runs (exit 0), keeps running (still up after the timeout: it is serving or
// dialling), or stops on a run-time error ("clipglass: error: ..." with exit 1 or 2, e.g. a
// grid path that exists only in the cluster). A flag clipglass does not know, a missing value or
// an unknown subcommand is a CLI11 parse error with another exit code, and fails the check.
//
//   node check_commands.js COMMANDS.jsonl SHIM_DIR
"use strict";

const fs = require("fs");
const { spawnSync } = require("child_process");

const [commandsFile, shimDir] = process.argv.slice(2);
const lines = fs.readFileSync(commandsFile, "utf8").split("\n").filter(Boolean);
let failed = 0;
for (const line of lines) {
  const { where, argv, env } = JSON.parse(line);
  const result = spawnSync(argv[0], argv.slice(1), {
    env: { PATH: `${shimDir}:/usr/bin:/bin`, HOME: process.env.HOME || "/tmp", ...env },
    timeout: 15000,
    killSignal: "SIGKILL",
    encoding: "utf8",
  });
  const stderr = (result.stderr || "").trim();
  const runtimeError = /^clipglass: error: .*/m.exec(stderr);
  let verdict;
  if (result.error && result.error.code !== "ETIMEDOUT") verdict = `cannot run: ${result.error.message}`;
  else if (result.signal === "SIGKILL") verdict = null;  // still running: parsed and serving
  else if (result.status === 0) verdict = null;
  else if ((result.status === 1 || result.status === 2) && runtimeError) verdict = null;
  else verdict = `exit ${result.status}: ${stderr.split("\n").slice(-3).join(" | ")}`;
  const what = argv.join(" ").slice(0, 160);
  if (verdict) {
    failed++;
    console.error(`FAIL ${where}: ${what}\n  ${verdict}`);
  } else {
    const how = result.signal ? "still running after 15 s" : runtimeError ? runtimeError[0] : "exit 0";
    console.log(`ok   ${where}: ${how}`);
  }
}
if (lines.length === 0) {
  console.error("no commands to check");
  process.exit(1);
}
process.exit(failed === 0 ? 0 : 1);
