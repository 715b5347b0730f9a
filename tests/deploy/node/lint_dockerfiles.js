// Lints Dockerfiles without Docker: dockerfile-utils' validator (instructions, flags, syntax;
// every diagnostic, warnings included, is a failure), then the rules of this project's images:
// every base image carries a tag other than `latest`, every COPY source exists in the build
// context (the repository's root), every script a RUN calls from the context was copied there,
// and the flags given to deploy/install-deps.sh are ones its argument loop accepts.
//
//   node lint_dockerfiles.js CONTEXT_DIR DOCKERFILE...
"use strict";

const fs = require("fs");
const path = require("path");
const { validate } = require("dockerfile-utils");

const [context, ...files] = process.argv.slice(2);
if (!context || files.length === 0) {
  console.error("usage: node lint_dockerfiles.js CONTEXT_DIR DOCKERFILE...");
  process.exit(2);
}
let problems = 0;
const problem = (file, line, message) => {
  problems++;
  console.error(`${path.basename(file)}:${line}: ${message}`);
};

for (const file of files) {
  const text = fs.readFileSync(file, "utf8");
  for (const d of validate(text)) {
    problem(file, d.range.start.line + 1, `${d.message} (dockerfile-utils ${d.code})`);
  }
  // Logical lines: continuation backslashes joined, comments dropped.
  const lines = [];
  let current = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    if (current === "" && /^\s*#/.test(raw)) return;
    if (current === "") start = i + 1;
    current += raw.replace(/\\\s*$/, " ");
    if (!/\\\s*$/.test(raw)) {
      if (current.trim()) lines.push({ line: start, text: current.trim() });
      current = "";
    }
  });
  const stages = new Set();
  let froms = 0;
  for (const { line, text: instruction } of lines) {
    const [keyword, ...rest] = instruction.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === "FROM") {
      froms++;
      const args = rest.filter((a) => !a.startsWith("--"));
      const image = args[0];
      if (args[1] && args[1].toUpperCase() === "AS") stages.add(args[2]);
      if (!stages.has(image) && (!image.includes(":") || image.endsWith(":latest"))) {
        problem(file, line, `base image ${image} needs a fixed tag`);
      }
    }
    if (upper === "COPY" || upper === "ADD") {
      if (rest.some((a) => a.startsWith("--from="))) continue;
      const args = rest.filter((a) => !a.startsWith("--"));
      for (const source of args.slice(0, -1)) {
        if (source === ".") continue;
        if (!fs.existsSync(path.join(context, source))) {
          problem(file, line, `${upper} source ${source} is not in the build context`);
        }
      }
    }
    if (upper === "RUN") {
      // Scripts of the context run by path after a COPY to /tmp: check they exist in the repo.
      for (const match of instruction.matchAll(/\/tmp\/([\w.-]+\.sh)/g)) {
        const copied = lines.some(
          (l) => /^COPY\s/i.test(l.text) && l.text.includes(`/tmp/${match[1]}`),
        );
        if (!copied) problem(file, line, `RUN uses /tmp/${match[1]}, which no COPY puts there`);
      }
      for (const match of instruction.matchAll(/install-deps\.sh((?:\s+--[\w-]+)*)/g)) {
        const script = fs.readFileSync(path.join(context, "deploy/install-deps.sh"), "utf8");
        const accepted = new Set([...script.matchAll(/^\s*(--[\w-]+)\)/gm)].map((m) => m[1]));
        for (const flag of match[1].trim().split(/\s+/).filter(Boolean)) {
          if (!accepted.has(flag)) problem(file, line, `install-deps.sh does not accept ${flag}`);
        }
      }
    }
  }
  if (froms === 0) problem(file, 1, "no FROM");
}
if (problems > 0) process.exit(1);
console.log(`${files.length} Dockerfiles clean`);
