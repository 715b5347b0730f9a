// Validates Kubernetes manifests offline and lists the clipglass command lines they hold.
//
//   node validate_manifests.js COMMANDS_OUT.jsonl MANIFEST.yaml...
//
// For every object: the schema of its apiVersion/kind (kubernetes-models, the OpenAPI schemas of
// Kubernetes 1.3x), no field the schema does not know (a typo such as `readinesProbe` is not a
// schema error: the generated validators allow unknown fields, so the fields they read are
// recorded and any other field is reported), and the rules of a clipglass sweep: every container
// states resources, the token comes from an existing Secret, every claim has a PVC, every
// Service selects a pod template, the workers dial a Service by its name and port and request
// nvidia.com/gpu. Writes one JSON line per command (container command+args, probe exec) with the
// container's plain env values and $(VAR) references expanded as the kubelet does. Exit 1 with
// one line per problem, naming file, object and field.
"use strict";

const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");

// apiVersion/kind -> [model class, name of its generated schema validator].
const kinds = {
  "v1/Secret": ["v1/Secret", "Secret", "IoK8sApiCoreV1Secret"],
  "v1/Service": ["v1/Service", "Service", "IoK8sApiCoreV1Service"],
  "v1/PersistentVolumeClaim": [
    "v1/PersistentVolumeClaim",
    "PersistentVolumeClaim",
    "IoK8sApiCoreV1PersistentVolumeClaim",
  ],
  "v1/ConfigMap": ["v1/ConfigMap", "ConfigMap", "IoK8sApiCoreV1ConfigMap"],
  "batch/v1/Job": ["batch/v1/Job", "Job", "IoK8sApiBatchV1Job"],
  "apps/v1/Deployment": ["apps/v1/Deployment", "Deployment", "IoK8sApiAppsV1Deployment"],
  "apps/v1/StatefulSet": ["apps/v1/StatefulSet", "StatefulSet", "IoK8sApiAppsV1StatefulSet"],
};
const modelsDir = path.dirname(require.resolve("kubernetes-models/package.json"));

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

// Wraps `value` so that every field a validator reads is recorded. Objects whose keys the
// validator enumerates (maps such as labels or resource lists) count as fully known.
function Tracker() {
  const read = new Set();
  const enumerated = new Set();
  const wrap = (value, where) => {
    if (value === null || typeof value !== "object") return value;
    return new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === "string") read.add(`${where}/${key}`);
        const child = Reflect.get(target, key, receiver);
        return typeof key === "string" ? wrap(child, `${where}/${key}`) : child;
      },
      has(target, key) {
        if (typeof key === "string") read.add(`${where}/${key}`);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        enumerated.add(where);
        return Reflect.ownKeys(target);
      },
    });
  };
  const unknown = (value, where, out) => {
    if (value === null || typeof value !== "object") return out;
    if (enumerated.has(where) && !Array.isArray(value)) return out;
    for (const key of Object.keys(value)) {
      const child = `${where}/${key}`;
      if (!Array.isArray(value) && !read.has(child)) out.push(child);
      else unknown(value[key], child, out);
    }
    return out;
  };
  return { wrap, unknown };
}

function validateSchema(doc, where) {
  const key = `${doc.apiVersion}/${doc.kind}`;
  if (!kinds[key]) {
    problem(where, `apiVersion/kind ${key} is not one this check knows`);
    return;
  }
  const [modelPath, modelName, schemaName] = kinds[key];
  const Model = require(`kubernetes-models/${modelPath}`)[modelName];
  const body = { ...doc };
  delete body.apiVersion;
  delete body.kind;
  try {
    new Model(body).validate();
  } catch (error) {
    problem(where, `schema: ${error.message}`);
    return;
  }
  // The model copies its input before validating; the generated validator itself reads the
  // object in place, so it runs again on a tracked view of the document.
  const { validate } = require(path.join(modelsDir, "_schemas", `${schemaName}.js`));
  const tracker = Tracker();
  if (!validate(tracker.wrap(doc, ""))) {
    problem(where, `schema: ${JSON.stringify(validate.errors)}`);
    return;
  }
  for (const field of tracker.unknown(doc, "", [])) {
    problem(where, `unknown field ${field.slice(1)}`);
  }
}

function podSpec(doc) {
  if (doc.kind === "Job") return doc.spec?.template?.spec;
  if (doc.kind === "Deployment" || doc.kind === "StatefulSet") return doc.spec?.template?.spec;
  return undefined;
}

// $(VAR) as the kubelet expands it in command and args; $$ escapes.
function expand(text, env) {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name) =>
    match === "$$" ? "$" : name in env ? env[name] : match,
  );
}

function main() {
  const [commandsOut, ...files] = process.argv.slice(2);
  if (!commandsOut || files.length === 0) {
    console.error("usage: node validate_manifests.js COMMANDS_OUT.jsonl MANIFEST.yaml...");
    process.exit(2);
  }
  const objects = [];
  for (const file of files) {
    const name = path.basename(file);
    let docs;
    try {
      docs = yaml.loadAll(fs.readFileSync(file, "utf8"));
    } catch (error) {
      problem(name, `YAML: ${error.message.split("\n")[0]}`);
      continue;
    }
    docs
      .filter((doc) => doc !== null && doc !== undefined)
      .forEach((doc, i) => {
        const where = `${name}: ${doc.kind || "?"} ${doc.metadata?.name || `#${i}`}`;
        objects.push({ doc, where });
        validateSchema(doc, where);
      });
  }

  const byKind = (kind) => objects.filter((o) => o.doc.kind === kind);
  const secrets = new Map(byKind("Secret").map((o) => [o.doc.metadata.name, o.doc]));
  const claims = new Set(byKind("PersistentVolumeClaim").map((o) => o.doc.metadata.name));
  const services = byKind("Service");
  const workloads = objects.filter((o) => podSpec(o.doc));
  const commands = [];

  for (const { doc, where } of workloads) {
    const spec = podSpec(doc);
    for (const volume of spec.volumes || []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (claim && !claims.has(claim)) problem(where, `volume ${volume.name}: no PVC ${claim}`);
    }
    for (const container of spec.containers || []) {
      const at = `${where} container ${container.name}`;
      if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory) {
        problem(at, "resources.requests needs cpu and memory");
      }
      const env = {};
      // Set by the Job controller in Indexed Jobs.
      if (doc.kind === "Job" && doc.spec.completionMode === "Indexed") env.JOB_COMPLETION_INDEX = "0";
      let hasToken = false;
      for (const variable of container.env || []) {
        if (variable.value !== undefined) env[variable.name] = expand(variable.value, env);
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) {
          const secret = secrets.get(ref.name);
          const keys = Object.keys({ ...(secret?.stringData || {}), ...(secret?.data || {}) });
          if (!secret) problem(at, `env ${variable.name}: no Secret ${ref.name}`);
          else if (!keys.includes(ref.key)) {
            problem(at, `env ${variable.name}: Secret ${ref.name} has no key ${ref.key}`);
          }
          if (variable.name === "CLIPGLASS_TOKEN") {
            hasToken = true;
            env.CLIPGLASS_TOKEN = "token-from-secret";
          }
        }
      }
      if (!hasToken) problem(at, "CLIPGLASS_TOKEN does not come from a Secret");
      const argv = [...(container.command || []), ...(container.args || [])].map((a) =>
        expand(String(a), env),
      );
      if (argv.length === 0) problem(at, "no command (the image's entrypoint is not checked)");
      else commands.push({ where: at, argv, env });
      const probes = ["readinessProbe", "livenessProbe", "startupProbe"];
      for (const probe of probes) {
        const exec = container[probe]?.exec?.command;
        if (exec) commands.push({ where: `${at} ${probe}`, argv: exec.map(String), env });
      }
      const text = argv.join(" ");
      const connect = text.match(/--connect[= ]+([^ ]+)/);
      if (connect) {
        const [host, port] = connect[1].split(":");
        const service = services.find((s) => s.doc.metadata.name === host);
        if (!service) problem(at, `--connect ${connect[1]}: no Service named ${host}`);
        else if (!service.doc.spec.ports.some((p) => String(p.port) === port)) {
          problem(at, `--connect ${connect[1]}: Service ${host} has no port ${port}`);
        }
        if (/--device[= ]+cuda/.test(text) && !container.resources?.limits?.["nvidia.com/gpu"]) {
          problem(at, "a cuda worker without resources.limits nvidia.com/gpu");
        }
      }
      const listen = text.match(/--listen[= ]+[^ :]+:(\d+)/);
      if (listen && !(container.ports || []).some((p) => String(p.containerPort) === listen[1])) {
        problem(at, `--listen port ${listen[1]} is not among the container's ports`);
      }
    }
  }

  for (const { doc, where } of services) {
    const selector = doc.spec.selector || {};
    const selected = workloads.filter(({ doc: w }) => {
      const labels = w.spec.template.metadata?.labels || {};
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (selected.length === 0) problem(where, "its selector matches no pod template");
    for (const port of doc.spec.ports || []) {
      const target = port.targetPort ?? port.port;
      const served = selected.some(({ doc: w }) =>
        podSpec(w).containers.some((c) =>
          (c.ports || []).some((p) => p.name === target || p.containerPort === target),
        ),
      );
      if (selected.length > 0 && !served) {
        problem(where, `port ${port.name || port.port}: targetPort ${target} is no container port`);
      }
    }
  }

  fs.writeFileSync(commandsOut, commands.map((c) => JSON.stringify(c)).join("\n") + "\n");
  if (problems.length > 0) {
    for (const line of problems) console.error(line);
    process.exit(1);
  }
  console.log(`${objects.length} objects valid, ${commands.length} commands listed`);
}

main();
