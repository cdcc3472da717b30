/**
 * Reads the config file (JSON or YAML), fills defaults, applies environment
 * overrides, and validates against the schema. Errors name the bad field's path.
 */
import { readFileSync } from 'node:fs';
import Value from 'typebox/value';
import { parseDocument, visit, Scalar } from 'yaml';
import { passwordHashProblem } from '../core/identity/password-hash.js';
import { canonicalId } from '../protocol/liberal-values.js';
import { LOG_LEVELS, STORAGE_KINDS, SwitchboardConfig } from './config-schema.js';
import { demoOrg } from './demo-deployment.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[], source: string) {
    super(`invalid config ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigOverrides {
  host?: string | undefined;
  port?: number | undefined;
  dataDir?: string | undefined;
}

/** Parses file text by extension (YAML is a superset of JSON, so unknown means YAML). */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return source.endsWith('.json') ? JSON.parse(text) : parseYamlKeepingDigits(text);
  } catch (err) {
    throw new ConfigError([`cannot parse: ${(err as Error).message}`], source);
  }
}

/**
 * YAML, except that an unquoted run of digits YAML would change by reading it as
 * a number (`005000000000009` → 5000000000009, `5730000000000000123` rounded
 * above 2^53) stays the text that was written: such a value can only be an id,
 * and a number that silently differs from it would never match a visitor's id.
 */
function parseYamlKeepingDigits(text: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length) throw doc.errors[0]!;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' && node.type === Scalar.PLAIN && typeof node.source === 'string' && /^[0-9]+$/.test(node.source) && String(node.value) !== node.source) {
        node.value = node.source;
      }
    },
  });
  return doc.toJS();
}

/** Validates and fills defaults; throws ConfigError listing every problem with its path. */
export function validateConfig(raw: unknown, source: string): SwitchboardConfig {
  const input = stringifyIds(raw === null || raw === undefined ? {} : structuredClone(raw));
  const server = (input as { server?: Record<string, unknown> }).server;
  if (typeof server === 'object' && server !== null && 'trustProxy' in server) server.trustProxy = normalizeTrustProxy(server.trustProxy);
  const withDefaults = Value.Default(SwitchboardConfig, structuredClone(input));
  const errors = [...Value.Errors(SwitchboardConfig, withDefaults)];
  if (errors.length) {
    throw new ConfigError(errors.slice(0, 20).map((e) => `${e.instancePath || '/'}: ${e.message}`), source);
  }
  const config = withDefaults as SwitchboardConfig;
  const problems = crossCheck(config);
  if (problems.length) throw new ConfigError(problems, source);
  return config;
}

/**
 * Salesforce-style ids are all digits in the demo (`572000000000001`), and YAML
 * reads an unquoted one as a number: ids are turned back into strings (those
 * YAML would have changed are kept as written by parseYamlKeepingDigits).
 */
function stringifyIds(raw: unknown): unknown {
  const fix = (o: unknown, keys: string[]) => {
    if (typeof o !== 'object' || o === null) return;
    const rec = o as Record<string, unknown>;
    // A number that is not an exact integer (JSON above 2^53, 1e15) is left to fail "must be string".
    for (const k of keys) if (typeof rec[k] === 'number' && Number.isSafeInteger(rec[k])) rec[k] = String(rec[k]);
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const org of list((raw as { orgs?: unknown }).orgs)) {
    fix(org, ['id']);
    for (const d of list((org as { deployments?: unknown }).deployments)) {
      fix(d, ['id']);
      for (const b of list((d as { buttons?: unknown }).buttons)) fix(b, ['id', 'agentId']);
    }
    for (const a of list((org as { agents?: unknown }).agents)) fix(a, ['id']);
  }
  return raw;
}

/** Checks the schema cannot express: unique ids, references that must resolve. */
function crossCheck(config: SwitchboardConfig): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  // Ids are found by their 15-character form (an 18-character Salesforce id finds
  // its 15-character twin), so two ids that share it are one id.
  const unique = (id: string, path: string) => {
    const prior = seen.get(canonicalId(id));
    if (prior) problems.push(`${path}: id ${id} is already used at ${prior}`);
    else seen.set(canonicalId(id), path);
  };
  const usernames = new Set<string>();
  config.orgs.forEach((org, o) => {
    unique(org.id, `/orgs/${o}/id`);
    org.deployments.forEach((d, di) => {
      unique(d.id, `/orgs/${o}/deployments/${di}/id`);
      d.buttons.forEach((b, bi) => {
        unique(b.id, `/orgs/${o}/deployments/${di}/buttons/${bi}/id`);
        if (b.type === 'ToAgent' && !b.agentId) problems.push(`/orgs/${o}/deployments/${di}/buttons/${bi}/agentId: required for a ToAgent button`);
        if (b.agentId && !org.agents.some((a) => canonicalId(a.id) === canonicalId(b.agentId!))) problems.push(`/orgs/${o}/deployments/${di}/buttons/${bi}/agentId: no agent ${b.agentId} in this org`);
      });
    });
    org.agents.forEach((a, ai) => {
      unique(a.id, `/orgs/${o}/agents/${ai}/id`);
      if (a.username) {
        if (usernames.has(a.username)) problems.push(`/orgs/${o}/agents/${ai}/username: ${a.username} is already used`);
        usernames.add(a.username);
      }
      const hashProblem = a.password === undefined ? null : passwordHashProblem(a.password);
      if (hashProblem) problems.push(`/orgs/${o}/agents/${ai}/password: ${hashProblem}`);
    });
  });
  if (config.storage.kind === 'postgres' && !config.storage.postgresUrl) problems.push('/storage/postgresUrl: required when storage.kind is postgres');
  return problems;
}

/**
 * The effective config: the file (or the demo deployment when there is none),
 * then environment variables, then command-line flags.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv, flags: ConfigOverrides): SwitchboardConfig {
  const raw = file ? parseConfigText(readFileSync(file, 'utf8'), file) : {};
  const config = validateConfig(raw, file ?? '(defaults)');
  if (!file || config.orgs.length === 0) config.orgs = [structuredClone(demoOrg), ...config.orgs.filter((o) => o.id !== demoOrg.id)];
  if (env.HOST) config.server.host = env.HOST;
  if (env.PORT) config.server.port = portFrom(env.PORT, 'PORT');
  if (env.SWITCHBOARD_DATA_DIR) config.server.dataDir = env.SWITCHBOARD_DATA_DIR;
  if (env.SWITCHBOARD_STORAGE) config.storage.kind = oneOf(env.SWITCHBOARD_STORAGE, 'SWITCHBOARD_STORAGE', STORAGE_KINDS);
  if (env.SWITCHBOARD_POSTGRES_URL) config.storage.postgresUrl = env.SWITCHBOARD_POSTGRES_URL;
  if (env.SWITCHBOARD_TRUST_PROXY) config.server.trustProxy = trustProxyFrom(env.SWITCHBOARD_TRUST_PROXY);
  if (env.SWITCHBOARD_ALLOWED_ORIGINS !== undefined) config.server.allowedOrigins = env.SWITCHBOARD_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (env.SWITCHBOARD_RETENTION_DAYS) config.settings.retentionDays = nonNegativeInteger(env.SWITCHBOARD_RETENTION_DAYS, 'SWITCHBOARD_RETENTION_DAYS');
  if (env.SWITCHBOARD_LOCK_WAIT_SECONDS) config.storage.lockWaitSeconds = nonNegativeInteger(env.SWITCHBOARD_LOCK_WAIT_SECONDS, 'SWITCHBOARD_LOCK_WAIT_SECONDS', 'seconds');
  if (env.SWITCHBOARD_LOG_LEVEL) config.server.logLevel = oneOf(env.SWITCHBOARD_LOG_LEVEL, 'SWITCHBOARD_LOG_LEVEL', LOG_LEVELS) as typeof config.server.logLevel;
  if (flags.host !== undefined) config.server.host = flags.host;
  if (flags.port !== undefined) config.server.port = flags.port;
  if (flags.dataDir !== undefined) config.server.dataDir = flags.dataDir;
  return validateConfig(config, sourcesOf(file, env, flags));
}

/** The variables loadConfig reads (docs/configuration.md lists them). */
const ENV_VARS = ['HOST', 'PORT', 'SWITCHBOARD_DATA_DIR', 'SWITCHBOARD_STORAGE', 'SWITCHBOARD_POSTGRES_URL', 'SWITCHBOARD_TRUST_PROXY', 'SWITCHBOARD_ALLOWED_ORIGINS', 'SWITCHBOARD_RETENTION_DAYS', 'SWITCHBOARD_LOCK_WAIT_SECONDS', 'SWITCHBOARD_LOG_LEVEL'];

/**
 * Where the merged values came from, for an error about them: the file, the
 * variables and the flags that were set (`(defaults)` would send a reader to
 * look for a mistake in no file when a variable holds it).
 */
function sourcesOf(file: string | undefined, env: NodeJS.ProcessEnv, flags: ConfigOverrides): string {
  const vars = ENV_VARS.filter((v) => v === 'SWITCHBOARD_ALLOWED_ORIGINS' ? env[v] !== undefined : env[v]);
  const flagNames = (['host', 'port', 'dataDir'] as const).filter((f) => flags[f] !== undefined).map((f) => (f === 'dataDir' ? '--data-dir' : `--${f}`));
  const parts = [
    ...(file ? [file] : []),
    ...(vars.length ? [`environment (${vars.join(', ')})`] : []),
    ...(flagNames.length ? [`flags (${flagNames.join(', ')})`] : []),
  ];
  return parts.length ? parts.join(' + ') : '(defaults)';
}

/** A variable that must be one of a few words, checked where it is read so the error names it. */
function oneOf<T extends string>(text: string, name: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new ConfigError([`${name}: ${text} is not one of ${allowed.join(', ')}`], name);
  return text as T;
}

export function portFrom(text: string, name: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError([`${name}: ${text} is not a port number`], name);
  return n;
}

function nonNegativeInteger(text: string, name: string, unit = 'days'): number {
  if (!/^\d{1,9}$/.test(text)) throw new ConfigError([`${name}: ${text} is not a whole number of ${unit}`], name);
  return Number(text);
}

/** `true`/`false`, a hop count, or a list of proxy addresses / CIDR ranges. */
function trustProxyFrom(text: string): boolean | number | string {
  return normalizeTrustProxy(text) as boolean | number | string;
}

/**
 * `trustProxy` as written by people: `TRUE`/`yes` are true, `0`/`no` false, a
 * number (also quoted) a hop count, anything else proxy addresses. A number
 * never becomes an address (`100` was read as 0.0.0.100): out of range, the
 * schema's 1–32 hop check reports it.
 */
function normalizeTrustProxy(v: unknown): unknown {
  if (typeof v !== 'string') return v === 0 ? false : v;
  const t = v.trim();
  if (/^(true|yes)$/i.test(t)) return true;
  if (/^(false|no|0)$/i.test(t)) return false;
  if (/^\d+$/.test(t)) return Number(t);
  return t;
}

/**
 * Keys the schema does not know, with their paths (`settings.pollHoldSecs`) and
 * the known key they most likely meant: a misspelled setting would otherwise be
 * ignored without a word. `check-config` fails on them; `serve` logs them.
 */
export function unknownSettings(raw: unknown): string[] {
  const out: string[] = [];
  /** The parts of a JSON schema this walk reads. */
  interface Node { type?: unknown; properties?: Record<string, Node>; items?: Node }
  const walk = (value: unknown, schema: Node, path: string): void => {
    if (schema.type === 'object' && schema.properties && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const props = schema.properties;
      for (const [k, v] of Object.entries(value)) {
        const sub = props[k];
        if (sub) walk(v, sub, path ? `${path}.${k}` : k);
        else out.push(`${path ? `${path}.${k}` : k}: unknown setting${suggest(k, Object.keys(props))}`);
      }
    } else if (schema.type === 'array' && schema.items && Array.isArray(value)) {
      const items = schema.items;
      value.forEach((item, i) => walk(item, items, `${path}[${i}]`));
    }
  };
  walk(raw, SwitchboardConfig as unknown as Node, '');
  return out;
}

function suggest(key: string, known: string[]): string {
  const k = key.toLowerCase();
  const near = known.find((n) => n.toLowerCase() === k) ?? known.find((n) => n.toLowerCase().startsWith(k.slice(0, Math.max(4, k.length - 3))));
  return near ? ` (did you mean ${near}?)` : '';
}
