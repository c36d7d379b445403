#!/usr/bin/env node
// Validates JSON values against named definitions of JSON Schema bundles, with ajv.
//
// Usage: node validate_samples.js REQUEST.json
// REQUEST: {
//   "spool_bundle": "<path>",                  // Spool's own exported bundle
//   "codex_bundles": [{"name": "0.169.0", "path": "<path>", "ns_map": {"": "", "v2": "v2"}}],
//   "samples": [{"ns": "v2", "name": "Thread", "value": {...}}]
// }
// Each sample is validated against Spool's definition of its type and against the first
// Codex bundle that maps its namespace and has a definition of the same name.
// Prints {"spool": {...}, "codex": {...}} on stdout; exits 0 unless the request is unusable.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');

const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });

ajv.addSchema(JSON.parse(fs.readFileSync(request.spool_bundle, 'utf8')), 'spool');
const codex = request.codex_bundles.map((b) => {
  const bundle = JSON.parse(fs.readFileSync(b.path, 'utf8'));
  ajv.addSchema(bundle, 'codex-' + b.name);
  return { name: b.name, nsMap: b.ns_map, definitions: bundle.definitions };
});

const validators = new Map();
function validatorFor(ref) {
  if (!validators.has(ref)) validators.set(ref, ajv.compile({ $ref: ref }));
  return validators.get(ref);
}
function pointer(ns, name) {
  return ns === '' ? `#/definitions/${name}` : `#/definitions/${ns}/${name}`;
}
function errorsOf(validate) {
  return (validate.errors || []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

const result = {
  spool: { checked: 0, failures: [] },
  codex: { checked: 0, by_bundle: {}, not_in_codex: [], failures: [] },
};
const notInCodex = new Set();
request.samples.forEach((s, index) => {
  const qualified = s.ns ? `${s.ns}/${s.name}` : s.name;
  const own = validatorFor('spool' + pointer(s.ns, s.name));
  result.spool.checked++;
  if (!own(s.value)) result.spool.failures.push({ type: qualified, index, errors: errorsOf(own) });

  const target = codex.find((c) => {
    if (!(s.ns in c.nsMap)) return false;
    const ns = c.nsMap[s.ns];
    const defs = ns === '' ? c.definitions : (c.definitions[ns] || {});
    return Object.prototype.hasOwnProperty.call(defs, s.name);
  });
  if (!target) {
    notInCodex.add(qualified);
    return;
  }
  const theirs = validatorFor('codex-' + target.name + pointer(target.nsMap[s.ns], s.name));
  result.codex.checked++;
  result.codex.by_bundle[target.name] = (result.codex.by_bundle[target.name] || 0) + 1;
  if (!theirs(s.value)) {
    result.codex.failures.push({ type: qualified, bundle: target.name, index, value: s.value, errors: errorsOf(theirs) });
  }
});
result.codex.not_in_codex = [...notInCodex].sort();
process.stdout.write(JSON.stringify(result, null, 1) + '\n');
