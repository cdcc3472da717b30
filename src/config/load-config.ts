/**
 * Reads the config file (JSON or YAML), fills defaults, applies environment
 * overrides, and validates against the schema. Errors name the bad field's path.
 */
import { readFileSync } from 'node:fs';
import proxyAddr from '@fastify/proxy-addr';
import Value from 'typebox/value';
import { isAlias, isScalar, parseDocument, visit, Scalar, type Document } from 'yaml';
import { separatePasswordProblem } from '../adapters/postgres/connection-url.js';
import { passwordHashProblem } from '../core/identity/password-hash.js';
import { sensitiveDataRuleProblems } from '../core/sensitive-data-rules.js';
import { secretProblem } from '../core/webhooks/webhook-signature.js';
import { parseIpRange } from '../protocol/ip-range.js';
import { canonicalId } from '../protocol/liberal-values.js';
import { untrimmedProblem } from '../protocol/display-names.js';
import { ANY_SHARD, ID_FIELD, LOG_LEVELS, MIN_METRICS_TOKEN_LENGTH, STORAGE_KINDS, SwitchboardConfig, type ButtonConfig, type QuickTextConfig, type WebhookConfig } from './config-schema.js';
import { demoOrg } from './demo-deployment.js';
import { SECRET_FILE_VARS, readSecretFiles, whyUnreadable } from './secret-files.js';
import { unknownEnvVarProblems } from './unknown-env-vars.js';
import { unknownSettingProblems } from './unknown-settings.js';
import { businessHoursProblems } from './business-hours-checks.js';
import { prechatLabelProblems } from './widget-button-checks.js';

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
  /** `--emulator`: turns emulator mode on (a flag cannot turn it off). */
  emulator?: boolean | undefined;
}

/** Parses file text by extension (YAML is a superset of JSON, so unknown means YAML). */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return source.endsWith('.json') ? parseJsonKeepingIds(text) : parseYamlKeepingDigits(text);
  } catch (err) {
    throw new ConfigError([`cannot parse: ${(err as Error).message}`], source);
  }
}

/**
 * YAML, except that an unquoted run of digits YAML would change by reading it as
 * a number (`005000000000009` → 5000000000009, `5730000000000000123` rounded
 * above 2^53) stays the text that was written: such a value can only be an id,
 * and a number that silently differs from it would never match a visitor's id.
 * Every id field keeps its text whatever number it reads as (keepIdText).
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
  return keepIdText(doc.toJS(), doc);
}

/**
 * JSON, except that an id written as a number (`5725e0000000001`, which is
 * 57250) keeps the text written. JSON.parse has no source text, so a file with
 * such an id is read again as YAML (a superset of JSON) for it.
 */
function parseJsonKeepingIds(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!idFields(value).some((f) => typeof f.holder[f.key] === 'number')) return value;
  const doc = parseDocument(text);
  // Not readable as YAML (a duplicate key): the numbers stay, and validateConfig refuses them.
  return doc.errors.length ? value : keepIdText(value, doc);
}

/** One id field of a parsed config: `holder[key]`, at `path`. */
interface IdField {
  holder: Record<string, unknown>;
  key: string;
  path: (string | number)[];
}

/**
 * Every id field present in `raw`, found by the schema's id mark, so an id
 * field added to the schema is covered without a list here to update.
 */
function idFields(raw: unknown): IdField[] {
  /** The parts of a JSON schema this walk reads. */
  interface Node { type?: unknown; properties?: Record<string, Node>; items?: Node; [ID_FIELD]?: unknown }
  const out: IdField[] = [];
  const walk = (value: unknown, schema: Node, path: (string | number)[]): void => {
    if (schema.type === 'object' && schema.properties && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const holder = value as Record<string, unknown>;
      for (const [key, sub] of Object.entries(schema.properties)) {
        if (!Object.hasOwn(holder, key)) continue;
        if (sub[ID_FIELD]) out.push({ holder, key, path: [...path, key] });
        else walk(holder[key], sub, [...path, key]);
      }
    } else if (schema.type === 'array' && schema.items && Array.isArray(value)) {
      const items = schema.items;
      value.forEach((item, i) => walk(item, items, [...path, i]));
    }
  };
  walk(raw, SwitchboardConfig as unknown as Node, []);
  return out;
}

/**
 * Gives every id field that was read as a number the text the file wrote for it
 * (the scalar's source): `5725e0000000001`, `0x1F` and `1e5` are ids, not the
 * numbers 57250, 31 and 100000. Only id fields: a timeout written `1e1` is 10.
 */
function keepIdText(raw: unknown, doc: Document): unknown {
  for (const f of idFields(raw)) {
    if (typeof f.holder[f.key] !== 'number') continue;
    let node: unknown = doc.getIn(f.path, true);
    if (isAlias(node)) node = node.resolve(doc);
    if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string') f.holder[f.key] = node.source;
  }
  return raw;
}

/** Validates and fills defaults; throws ConfigError listing every problem with its path. */
export function validateConfig(raw: unknown, source: string): SwitchboardConfig {
  const input = raw === null || raw === undefined ? {} : structuredClone(raw);
  const server = (input as { server?: Record<string, unknown> }).server;
  if (typeof server === 'object' && server !== null && 'trustProxy' in server) server.trustProxy = normalizeTrustProxy(server.trustProxy);
  const numberIds = numberIdProblems(input);
  const withDefaults = Value.Default(SwitchboardConfig, structuredClone(input));
  const errors = [...Value.Errors(SwitchboardConfig, withDefaults)].filter((e) => !numberIds.has(e.instancePath));
  // A misspelt key is only a warning on its own, but when the config is refused it is often why
  // (`pollHldSeconds: 1` leaves the hold at 25, which then fails a cross-check): named first.
  const slips = () => unknownSettingProblems(input).map((u) => u.text);
  if (numberIds.size || errors.length) {
    throw new ConfigError([...slips(), ...numberIds.values(), ...errors.slice(0, 20).map((e) => `${e.instancePath || '/'}: ${e.message}`)], source);
  }
  const config = withDefaults as SwitchboardConfig;
  const problems = [...nulProblems(config, ''), ...crossCheck(config)];
  if (problems.length) throw new ConfigError([...slips(), ...problems], source);
  return config;
}

/**
 * Text holding a NUL (U+0000), at its JSON pointer. PostgreSQL cannot store it in a
 * text or jsonb column, and what the API takes from clients turns it into U+FFFD
 * (ADR 0035); the configuration is the operator's own text, so a NUL there is a
 * slip (a binary file pasted in, an escape gone wrong) to be told about, not to be
 * rewritten: a password with a NUL would otherwise never match what is typed.
 */
function nulProblems(value: unknown, pointer: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [`${pointer || '/'}: contains a NUL character (U+0000), which Switchboard cannot store: remove it`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulProblems(v, `${pointer}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(k.includes('\u0000') ? [`${pointer}/${k.replaceAll('\u0000', '\\u0000')}: a key contains a NUL character (U+0000): remove it`] : []),
      ...nulProblems(v, `${pointer}/${k}`),
    ]);
  }
  return [];
}

/**
 * Ids that are still numbers: parseConfigText gave every id it read the text
 * the file wrote, so this one's text is unknown, and turning the number back
 * into text could silently give another id (57250 for `5725e0000000001`).
 * Keyed by JSON pointer, so the schema's "must be string" for it is not repeated.
 */
function numberIdProblems(raw: unknown): Map<string, string> {
  const problems = new Map<string, string>();
  for (const f of idFields(raw)) {
    const value = f.holder[f.key];
    if (typeof value !== 'number') continue;
    const pointer = `/${f.path.join('/')}`;
    problems.set(pointer, `${pointer}: an id must be text, and this one was read as the number ${value}: put the id in quotes as it is written (id: "…")`);
  }
  return problems;
}

/**
 * Checks the schema cannot express: unique ids, references that must resolve,
 * and timings the server would announce to visitors but could not keep.
 */
function crossCheck(config: SwitchboardConfig): string[] {
  const problems: string[] = [];
  // SessionId tells a client to give up on a poll not answered within clientPollTimeout:
  // a hold as long would have every quiet poll abandoned (and the answer lost with it).
  const { pollHoldSeconds, clientPollTimeoutSeconds } = config.settings;
  if (pollHoldSeconds >= clientPollTimeoutSeconds) problems.push(`/settings/pollHoldSeconds: ${pollHoldSeconds} must be less than clientPollTimeoutSeconds (${clientPollTimeoutSeconds}), which tells clients to give up on a poll not answered by then`);
  const { minApiVersion, maxApiVersion } = config.settings;
  if (minApiVersion > maxApiVersion) problems.push(`/settings/minApiVersion: ${minApiVersion} is more than maxApiVersion (${maxApiVersion}): every visitor request would be refused as Unsupported API version`);
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
        problems.push(...idleTimeoutProblems(b, `/orgs/${o}/deployments/${di}/buttons/${bi}/chasitorIdleTimeout`));
        if (b.type === 'ToAgent' && !b.agentId) problems.push(`/orgs/${o}/deployments/${di}/buttons/${bi}/agentId: required for a ToAgent button`);
        if (b.agentId && !org.agents.some((a) => canonicalId(a.id) === canonicalId(b.agentId!))) problems.push(`/orgs/${o}/deployments/${di}/buttons/${bi}/agentId: no agent ${b.agentId} in this org`);
        problems.push(...skillProblems(b.skills, `/orgs/${o}/deployments/${di}/buttons/${bi}/skills`));
        problems.push(...prechatLabelProblems(b, `/orgs/${o}/deployments/${di}/buttons/${bi}`));
      });
    });
    org.agents.forEach((a, ai) => {
      unique(a.id, `/orgs/${o}/agents/${ai}/id`);
      // The admin API trims these and refuses blank ones (display-names.ts); the file is held to the same.
      for (const field of ['name', 'username'] as const) {
        const problem = a[field] === undefined ? null : untrimmedProblem(a[field]);
        if (problem) problems.push(`/orgs/${o}/agents/${ai}/${field}: ${problem}`);
      }
      problems.push(...skillProblems(a.skills, `/orgs/${o}/agents/${ai}/skills`));
      if (a.username) {
        if (usernames.has(a.username)) problems.push(`/orgs/${o}/agents/${ai}/username: ${a.username} is already used`);
        usernames.add(a.username);
      }
      const hashProblem = a.password === undefined ? null : passwordHashProblem(a.password);
      if (hashProblem) problems.push(`/orgs/${o}/agents/${ai}/password: ${hashProblem}`);
    });
    problems.push(...quickTextProblems(org.quickTexts, `/orgs/${o}/quickTexts`, config.settings.maxMessageLength));
    org.quickTexts.forEach((q, qi) => problems.push(...skillProblems(q.skills ?? [], `/orgs/${o}/quickTexts/${qi}/skills`)));
    problems.push(...sensitiveDataRuleProblems(org.sensitiveDataRules, `/orgs/${o}/sensitiveDataRules`, config.settings.maxMessageLength));
    org.blockedAddresses.forEach((b, bi) => {
      const parsed = parseIpRange(b.ipRange);
      if (!parsed.ok) problems.push(`/orgs/${o}/blockedAddresses/${bi}/ipRange: ${parsed.reason}`);
    });
    problems.push(...businessHoursProblems(org, `/orgs/${o}`));
    problems.push(...webhookProblems(org.webhooks, `/orgs/${o}/webhooks`));
  });
  if (config.cluster) problems.push(...clusterProblems(config));
  if (typeof config.server.trustProxy === 'string') problems.push(...trustProxyProblems(config.server.trustProxy));
  const tokenProblem = config.server.metricsToken === undefined ? null : metricsTokenProblem(config.server.metricsToken);
  if (tokenProblem) problems.push(`/server/metricsToken: ${tokenProblem}`);
  // A standby waits for a lock that only a shared store has: on the memory store it would serve at once, beside the node it stands by for.
  if (config.storage.standby && config.storage.kind === 'memory') problems.push('/storage/standby: needs storage.kind sqlite or postgres (a memory store is no one else\'s: a standby on it would serve at once)');
  if (config.storage.kind === 'postgres' && !config.storage.postgresUrl) problems.push('/storage/postgresUrl: required when storage.kind is postgres');
  const passwordProblems = postgresPasswordProblems(config.storage);
  problems.push(...passwordProblems);
  // A separate password already says the URL is not one it can go into: one reason per mistake.
  if (passwordProblems.length === 0 && config.storage.postgresUrl && !/^postgres(ql)?:\/\//i.test(config.storage.postgresUrl) && !config.storage.postgresUrl.startsWith('/')) {
    // pg reads anything else as a path: `host=db dbname=x` became a database of that name on a host
    // called "base", and the start failed later with ENOTFOUND base. The URL is never quoted (a password).
    problems.push('/storage/postgresUrl: is not a postgres:// URL (a key=value connection string such as "host=… dbname=…" is not supported): write it as postgres://user@host:5432/database');
  }
  if (config.storage.postgresUrl !== undefined && searchPathIn(config.storage.postgresUrl)) {
    problems.push('/storage/postgresUrl: sets search_path, which Switchboard does not support: a deployment is one whole PostgreSQL database (its tables and its node lock are in the default schema); give it a database of its own instead of a schema');
  }
  return problems;
}

/**
 * A cluster (ADR 0066) shares one PostgreSQL database, and every org is served by exactly one
 * shard: an org in none would be served nowhere, one in two by two writers.
 */
function clusterProblems(config: SwitchboardConfig): string[] {
  const cluster = config.cluster!;
  const problems: string[] = [];
  if (config.storage.kind !== 'postgres') problems.push(`/cluster: needs storage.kind postgres (the shards share one database; ${config.storage.kind} is one node's own)`);
  const shardOfOrg = new Map<string, string>();
  const shardIds = new Set<string>();
  cluster.shards.forEach((shard, si) => {
    if (shardIds.has(shard.id)) problems.push(`/cluster/shards/${si}/id: shard ${shard.id} is already defined`);
    shardIds.add(shard.id);
    shard.orgs.forEach((orgId, oi) => {
      const path = `/cluster/shards/${si}/orgs/${oi}`;
      if (!config.orgs.some((o) => canonicalId(o.id) === canonicalId(orgId))) problems.push(`${path}: no org ${orgId} in orgs`);
      const other = shardOfOrg.get(canonicalId(orgId));
      if (other !== undefined) problems.push(`${path}: org ${orgId} is already in shard ${other} (an org is served by one shard)`);
      else shardOfOrg.set(canonicalId(orgId), shard.id);
    });
  });
  config.orgs.forEach((org, o) => {
    if (!shardOfOrg.has(canonicalId(org.id))) problems.push(`/orgs/${o}/id: org ${org.id} is in no shard of cluster.shards (no node would serve it)`);
  });
  if (cluster.shard !== ANY_SHARD && !shardIds.has(cluster.shard)) problems.push(`/cluster/shard: no shard ${cluster.shard} in cluster.shards (${[...shardIds].join(', ')})`);
  return problems;
}

/**
 * Proxy addresses as fastify compiles them (create-http-server.ts): checked here so that
 * check-config finds a bad one, and serve names the setting instead of failing in fastify
 * with a bare `invalid IP address: …` after the store was opened.
 */
function trustProxyProblems(setting: string): string[] {
  const problems: string[] = [];
  for (const part of setting.split(',').map((p) => p.trim())) {
    try {
      proxyAddr.compile(part);
    } catch {
      problems.push(`/server/trustProxy: ${part || '(empty)'} is not an address or CIDR range (give true, false, a hop count 1–32, or comma-separated proxy addresses such as "10.0.0.0/8,127.0.0.1")`);
    }
  }
  return problems;
}

/**
 * An org's webhooks (ADR 0065): names unique in the org (a name keys the webhook's cursor
 * and its metrics), an http(s) URL, a Standard Webhooks secret, and each event once.
 */
function webhookProblems(webhooks: WebhookConfig[], path: string): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  webhooks.forEach((w, i) => {
    const prior = seen.get(w.name);
    if (prior !== undefined) problems.push(`${path}/${i}/name: webhook name ${w.name} is already used at ${path}/${prior}/name`);
    else seen.set(w.name, i);
    let url: URL | null = null;
    try {
      url = new URL(w.url);
    } catch {
      problems.push(`${path}/${i}/url: ${w.url} is not a URL (write it in full: https://crm.example.com/hooks/switchboard)`);
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`${path}/${i}/url: ${url.protocol} is not http: or https:`);
    const secret = secretProblem(w.secret);
    if (secret) problems.push(`${path}/${i}/secret: ${secret}`);
    if (new Set(w.events).size !== w.events.length) problems.push(`${path}/${i}/events: an event is listed twice`);
  });
  return problems;
}

/**
 * An org's quick texts (ADR 0047): ids unique in the org (the console keys its list by
 * them), text that is not blank, and no longer than an agent may send: a quick text the
 * send would refuse with 400 is no use to the agent who picked it.
 */
function quickTextProblems(quickTexts: QuickTextConfig[], path: string, maxMessageLength: number): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  quickTexts.forEach((q, i) => {
    const prior = seen.get(q.id);
    if (prior !== undefined) problems.push(`${path}/${i}/id: quick text id ${q.id} is already used at ${path}/${prior}/id`);
    else seen.set(q.id, i);
    if (q.title.trim() === '') problems.push(`${path}/${i}/title: is empty (only spaces)`);
    if (q.text.trim() === '') problems.push(`${path}/${i}/text: is empty (only spaces): quick text ${q.id} would insert nothing`);
    if (q.text.length > maxMessageLength) problems.push(`${path}/${i}/text: quick text ${q.id} is ${q.text.length} characters, longer than settings.maxMessageLength (${maxMessageLength}): agents could not send it`);
  });
  return problems;
}

/**
 * True when a connection URL sets the schema search path (`?options=-c search_path=…`,
 * which pg passes to the server): migrations and the node lock assume the default
 * schema, so a deployment in another schema failed its first migration.
 */
function searchPathIn(url: string): boolean {
  const q = url.indexOf('?');
  if (q < 0) return false;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(url.slice(q + 1));
  } catch {
    return false;
  }
  for (const [key, value] of params) if (/search_path/i.test(key) || /search_path/i.test(value)) return true;
  return false;
}

/**
 * A PostgreSQL password given apart from the URL (ADR 0040): in words that never
 * quote it or the URL. Empty is refused, not read as "no password": PostgreSQL
 * takes no empty password, so it can only be a secret that did not arrive.
 */
function postgresPasswordProblems(storage: SwitchboardConfig['storage']): string[] {
  const { postgresPassword, postgresUrl } = storage;
  if (postgresPassword === undefined) return [];
  if (postgresPassword === '') return ['/storage/postgresPassword: is empty (PostgreSQL takes no empty password): give the password, or leave the setting out'];
  if (postgresUrl === undefined || postgresUrl === '') return [];
  const problem = separatePasswordProblem(postgresUrl);
  return problem === null ? [] : [`/storage/postgresPassword: ${problem}`];
}

/**
 * What is wrong with a metrics token, in words that never quote it (the
 * message reaches the terminal and the logs). Printable ASCII without spaces:
 * it travels in a header, where a space at either end would be cut and a
 * character beyond ASCII would arrive as other bytes, so it could never match.
 */
function metricsTokenProblem(token: string): string | null {
  const make = '`openssl rand -hex 32` makes one';
  if (token === '') return `is empty: give a token of at least ${MIN_METRICS_TOKEN_LENGTH} characters (${make}), or leave the setting out to serve /metrics without one`;
  if (!/^[!-~]+$/.test(token)) return `may hold only printable ASCII characters, without spaces (it is sent in an HTTP header; ${make})`;
  if (token.length < MIN_METRICS_TOKEN_LENGTH) return `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters, this one has ${token.length} (${make})`;
  return null;
}

/**
 * An enabled chasitorIdleTimeout is announced to the visitor in ChatEstablished:
 * it must be one the server carries out. A warning at or after the end is never
 * sent, and a timeout of 0 ends nothing (IdleTimeouts skips both). warningTime 0
 * means no warning. A disabled one is announced as off and may hold anything.
 */
function idleTimeoutProblems(button: ButtonConfig, path: string): string[] {
  const { isEnabled, warningTime, timeout } = button.chasitorIdleTimeout;
  if (!isEnabled) return [];
  if (timeout < 1) return [`${path}/timeout: must be at least 1 second while isEnabled is true (0 would announce an idle timeout that never ends the chat)`];
  if (warningTime >= timeout) return [`${path}/warningTime: ${warningTime} must be less than timeout (${timeout}), or 0 for no warning: the chat ends before the warning would be sent`];
  return [];
}

/** A config file's text; one that cannot be read is a config problem, said as the others are. */
export function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${file}: ${whyUnreadable(err)}`], file);
  }
}

/**
 * The effective config: the file (or the demo deployment when there is none),
 * then environment variables, then command-line flags.
 */
export function loadConfig(file: string | undefined, given: NodeJS.ProcessEnv, flags: ConfigOverrides): SwitchboardConfig {
  const raw = file ? parseConfigText(readConfigFile(file), file) : {};
  // Other unknown keys are warnings (the CLI logs them); one that stands for a secret stops the start (ADR 0041).
  const secretSlips = unknownSettingProblems(raw).filter((u) => u.secret).map((u) => u.text);
  if (secretSlips.length) throw new ConfigError(secretSlips, file!);
  const envSlips = unknownEnvVarProblems(given, ENV_VARS).filter((u) => u.secret).map((u) => u.text);
  if (envSlips.length) throw new ConfigError(envSlips, 'environment');
  const config = validateConfig(raw, file ?? '(defaults)');
  if (!file || config.orgs.length === 0) config.orgs = [structuredClone(demoOrg), ...config.orgs.filter((o) => o.id !== demoOrg.id)];
  // SWITCHBOARD_X_FILE gives SWITCHBOARD_X: from here on the value is read as if the variable held it.
  const secrets = readSecretFiles(given, (name) => isSet(given, name));
  if (secrets.problems.length) throw new ConfigError(secrets.problems, `environment (${SECRET_FILE_VARS.filter((v) => given[v] !== undefined).join(', ')})`);
  const { env } = secrets;
  if (env.HOST) config.server.host = env.HOST;
  if (env.PORT) config.server.port = portFrom(env.PORT, 'PORT');
  if (env.SWITCHBOARD_DATA_DIR) config.server.dataDir = env.SWITCHBOARD_DATA_DIR;
  if (env.SWITCHBOARD_STORAGE) config.storage.kind = oneOf(env.SWITCHBOARD_STORAGE, 'SWITCHBOARD_STORAGE', STORAGE_KINDS);
  if (env.SWITCHBOARD_POSTGRES_URL) config.storage.postgresUrl = env.SWITCHBOARD_POSTGRES_URL;
  // Set but empty is refused (postgresPasswordProblems), like the metrics token: never read as unset.
  if (env.SWITCHBOARD_POSTGRES_PASSWORD !== undefined) config.storage.postgresPassword = env.SWITCHBOARD_POSTGRES_PASSWORD;
  if (env.SWITCHBOARD_TRUST_PROXY) config.server.trustProxy = trustProxyFrom(env.SWITCHBOARD_TRUST_PROXY);
  if (env.SWITCHBOARD_ALLOWED_ORIGINS !== undefined) config.server.allowedOrigins = env.SWITCHBOARD_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (env.SWITCHBOARD_RETENTION_DAYS) config.settings.retentionDays = nonNegativeInteger(env.SWITCHBOARD_RETENTION_DAYS, 'SWITCHBOARD_RETENTION_DAYS');
  if (env.SWITCHBOARD_LOCK_WAIT_SECONDS) config.storage.lockWaitSeconds = nonNegativeSeconds(env.SWITCHBOARD_LOCK_WAIT_SECONDS, 'SWITCHBOARD_LOCK_WAIT_SECONDS');
  if (env.SWITCHBOARD_LOCK_LOST_EXIT_SECONDS) config.storage.lockLostExitSeconds = nonNegativeSeconds(env.SWITCHBOARD_LOCK_LOST_EXIT_SECONDS, 'SWITCHBOARD_LOCK_LOST_EXIT_SECONDS');
  if (env.SWITCHBOARD_STANDBY) config.storage.standby = booleanFrom(env.SWITCHBOARD_STANDBY, 'SWITCHBOARD_STANDBY');
  if (env.SWITCHBOARD_CLUSTER_SHARD) {
    // One file for every node of a cluster: the variable picks the node's shard, it does not make a cluster.
    if (!config.cluster) throw new ConfigError([`SWITCHBOARD_CLUSTER_SHARD: ${env.SWITCHBOARD_CLUSTER_SHARD} names a shard, but the config has no cluster section (cluster.shards)`], 'environment');
    config.cluster.shard = env.SWITCHBOARD_CLUSTER_SHARD;
  }
  if (env.SWITCHBOARD_LOG_LEVEL) config.server.logLevel = oneOf(env.SWITCHBOARD_LOG_LEVEL, 'SWITCHBOARD_LOG_LEVEL', LOG_LEVELS) as typeof config.server.logLevel;
  if (env.SWITCHBOARD_EMULATOR) config.server.emulator = booleanFrom(env.SWITCHBOARD_EMULATOR, 'SWITCHBOARD_EMULATOR');
  if (env.SWITCHBOARD_FILE_TRANSFER_ENABLED) config.fileTransfer.enabled = booleanFrom(env.SWITCHBOARD_FILE_TRANSFER_ENABLED, 'SWITCHBOARD_FILE_TRANSFER_ENABLED');
  if (env.SWITCHBOARD_FILE_TRANSFER_MAX_BYTES) config.fileTransfer.maxBytes = nonNegativeInteger(env.SWITCHBOARD_FILE_TRANSFER_MAX_BYTES, 'SWITCHBOARD_FILE_TRANSFER_MAX_BYTES', 'bytes');
  if (env.SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT) config.fileTransfer.maxBytesInFlight = nonNegativeInteger(env.SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT, 'SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT', 'bytes');
  if (env.SWITCHBOARD_METRICS) config.server.metrics = booleanFrom(env.SWITCHBOARD_METRICS, 'SWITCHBOARD_METRICS');
  // Set but empty is not "unset": a secret that did not arrive must not leave /metrics open without a word.
  if (env.SWITCHBOARD_METRICS_TOKEN !== undefined) config.server.metricsToken = env.SWITCHBOARD_METRICS_TOKEN;
  if (flags.host !== undefined) config.server.host = flags.host;
  if (flags.port !== undefined) config.server.port = flags.port;
  if (flags.dataDir !== undefined) config.server.dataDir = flags.dataDir;
  if (flags.emulator) config.server.emulator = true;
  const merged = validateConfig(config, sourcesOf(file, given, flags));
  // pg also takes connection options from PGOPTIONS: the same search_path refusal as in the URL.
  if (merged.storage.kind === 'postgres' && /search_path/i.test(given.PGOPTIONS ?? '')) {
    throw new ConfigError(['PGOPTIONS: sets search_path, which Switchboard does not support: a deployment is one whole PostgreSQL database; unset it for the server'], 'environment (PGOPTIONS)');
  }
  return merged;
}

/** The variables loadConfig reads (docs/configuration.md lists them). */
export const ENV_VARS = ['HOST', 'PORT', 'SWITCHBOARD_DATA_DIR', 'SWITCHBOARD_STORAGE', 'SWITCHBOARD_POSTGRES_URL', 'SWITCHBOARD_POSTGRES_PASSWORD', 'SWITCHBOARD_TRUST_PROXY', 'SWITCHBOARD_ALLOWED_ORIGINS', 'SWITCHBOARD_RETENTION_DAYS', 'SWITCHBOARD_LOCK_WAIT_SECONDS', 'SWITCHBOARD_LOCK_LOST_EXIT_SECONDS', 'SWITCHBOARD_STANDBY', 'SWITCHBOARD_CLUSTER_SHARD', 'SWITCHBOARD_LOG_LEVEL', 'SWITCHBOARD_EMULATOR', 'SWITCHBOARD_METRICS', 'SWITCHBOARD_METRICS_TOKEN', 'SWITCHBOARD_FILE_TRANSFER_ENABLED', 'SWITCHBOARD_FILE_TRANSFER_MAX_BYTES', 'SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT', ...SECRET_FILE_VARS];

/**
 * The variables whose empty value is read too (an empty list; a token or a
 * password refused as empty; a `_FILE` variable refused as naming no file).
 */
const READ_WHEN_EMPTY = new Set(['SWITCHBOARD_ALLOWED_ORIGINS', 'SWITCHBOARD_METRICS_TOKEN', 'SWITCHBOARD_POSTGRES_PASSWORD', ...SECRET_FILE_VARS]);

/** Whether loadConfig reads variable `name`: most variables set to nothing count as unset. */
function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return READ_WHEN_EMPTY.has(name) ? env[name] !== undefined : Boolean(env[name]);
}

/**
 * Where the merged values came from, for an error about them: the file, the
 * variables and the flags that were set (`(defaults)` would send a reader to
 * look for a mistake in no file when a variable holds it).
 */
function sourcesOf(file: string | undefined, env: NodeJS.ProcessEnv, flags: ConfigOverrides): string {
  const vars = ENV_VARS.filter((v) => isSet(env, v));
  const flagNames = (['host', 'port', 'dataDir', 'emulator'] as const).filter((f) => flags[f] !== undefined && flags[f] !== false).map((f) => (f === 'dataDir' ? '--data-dir' : `--${f}`));
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

/** `true`/`false` as people write them in a variable: `1`/`0` and `yes`/`no` too, in any case. */
function booleanFrom(text: string, name: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'yes') return true;
  if (t === 'false' || t === '0' || t === 'no') return false;
  throw new ConfigError([`${name}: ${text} is not true or false`], name);
}

/** Seconds as the config file takes them for the setting: a fraction too (`1.5`). */
function nonNegativeSeconds(text: string, name: string): number {
  if (!/^\d{1,9}(\.\d{1,3})?$/.test(text)) throw new ConfigError([`${name}: ${text} is not a number of seconds`], name);
  return Number(text);
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
 * Skills are matched exactly (an agent's against a button's or a quick text's): a blank one, or
 * one with white space around it, matches nothing it was meant to, and nothing says so at run time.
 */
function skillProblems(skills: string[], path: string): string[] {
  return skills.flatMap((s, i) => {
    const problem = untrimmedProblem(s);
    return problem ? [`${path}/${i}: ${problem}`] : [];
  });
}
