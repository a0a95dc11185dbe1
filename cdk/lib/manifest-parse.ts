/**
 * Checks a parsed functions.json field by field, so a manifest the stack cannot honour fails
 * synth with the field's path instead of deploying something wrong.
 */
import {
  ENVIRONMENT_VARIABLES,
  HTTP_METHODS,
  ManifestError,
  RESOURCE_SYMBOLS,
  WEBSOCKET_ROUTES,
} from './manifest-schema';
import type {
  EnvironmentVariable,
  FunctionSpec,
  IndexSpec,
  Manifest,
  Permission,
  ResourceSymbol,
  RunnerSpec,
  TableSpec,
  Trigger,
} from './manifest-schema';

type Json = Record<string, unknown>;

function obj(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(where, 'must be an object');
  }
  return value as Json;
}

function arr(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new ManifestError(where, 'must be an array');
  return value;
}

function str(value: unknown, where: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || value === '') {
    throw new ManifestError(where, 'must be a non-empty string');
  }
  if (pattern && !pattern.test(value)) {
    throw new ManifestError(where, `${JSON.stringify(value)} does not match ${String(pattern)}`);
  }
  return value;
}

function int(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ManifestError(where, `must be an integer from ${String(min)} to ${String(max)}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, where: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new ManifestError(where, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function unique(values: string[], where: string, what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new ManifestError(where, `${what} ${JSON.stringify(v)} appears twice`);
    seen.add(v);
  }
}

/** A table of symbol → description whose symbols the stack must all know. */
function declared<K extends string>(value: unknown, where: string, known: readonly K[], what: string) {
  const out: Partial<Record<K, string>> = {};
  for (const [key, description] of Object.entries(obj(value, where))) {
    if (!known.includes(key as K)) {
      throw new ManifestError(
        `${where}.${key}`,
        `the stack does not know how to provide ${what} ${JSON.stringify(key)} ` +
          `(known: ${known.join(', ')}); add it to cdk/lib/manifest-schema.ts and bind it in cdk/lib/bindings.ts`,
      );
    }
    out[key as K] = str(description, `${where}.${key}`);
  }
  return out;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ATTRIBUTE = /^[A-Za-z0-9_.-]{1,255}$/;
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;
const PATH_SEGMENT = /^(?:[A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\})$/;
const PREFIX = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*\/$/;

function parseTrigger(value: unknown, where: string): Trigger {
  const t = obj(value, where);
  const type = oneOf(t.type, `${where}.type`, [
    'http',
    'websocket',
    'logSubscription',
    'taskStateChange',
    'schedule',
  ] as const);
  switch (type) {
    case 'http': {
      const path = str(t.path, `${where}.path`);
      const segments = path.split('/').slice(1);
      if (!path.startsWith('/api/') || !segments.every((s) => PATH_SEGMENT.test(s))) {
        throw new ManifestError(
          `${where}.path`,
          `${JSON.stringify(path)} must start with /api/ (CloudFront sends only /api/* to the HTTP API) ` +
            'and consist of plain segments or {param} placeholders',
        );
      }
      if (typeof t.authenticated !== 'boolean') {
        throw new ManifestError(`${where}.authenticated`, 'must be true or false');
      }
      return {
        type,
        method: oneOf(t.method, `${where}.method`, HTTP_METHODS),
        path,
        authenticated: t.authenticated,
      };
    }
    case 'websocket':
      return { type, route: oneOf(t.route, `${where}.route`, WEBSOCKET_ROUTES) };
    case 'schedule':
      return { type, rateMinutes: int(t.rateMinutes, `${where}.rateMinutes`, 1, 1440) };
    case 'logSubscription':
    case 'taskStateChange':
      return { type };
  }
}

function parsePermission(value: unknown, where: string, resources: Manifest['resources']): Permission {
  const p = obj(value, where);
  const resource = str(p.resource, `${where}.resource`);
  if (!(resource in resources)) {
    throw new ManifestError(
      `${where}.resource`,
      `unknown resource symbol ${JSON.stringify(resource)}: not declared in "resources"`,
    );
  }
  const actions = arr(p.actions, `${where}.actions`).map((a, i) =>
    str(a, `${where}.actions[${String(i)}]`, ACTION),
  );
  if (actions.length === 0) throw new ManifestError(`${where}.actions`, 'must not be empty');
  unique(actions, `${where}.actions`, 'action');
  return { resource: resource as ResourceSymbol, actions };
}

function parseFunction(value: unknown, where: string, m: Omit<Manifest, 'functions'>): FunctionSpec {
  const f = obj(value, where);
  const name = str(f.name, `${where}.name`, NAME);
  const at = `${where} (${name})`;
  const trigger = parseTrigger(f.trigger, `${at}.trigger`);
  // API Gateway stops waiting for an integration after 30 s (HTTP) or 29 s (WebSocket).
  const maxTimeout = trigger.type === 'http' ? 30 : trigger.type === 'websocket' ? 29 : 900;
  const environment = arr(f.environment, `${at}.environment`).map((v, i) => {
    const variable = str(v, `${at}.environment[${String(i)}]`);
    if (!(variable in m.environment)) {
      throw new ManifestError(
        `${at}.environment[${String(i)}]`,
        `unknown environment variable ${JSON.stringify(variable)}: not declared in "environment"`,
      );
    }
    return variable as EnvironmentVariable;
  });
  unique(environment, `${at}.environment`, 'variable');
  const permissions = arr(f.permissions, `${at}.permissions`).map((p, i) =>
    parsePermission(p, `${at}.permissions[${String(i)}]`, m.resources),
  );
  unique(
    permissions.map((p) => p.resource),
    `${at}.permissions`,
    'resource',
  );
  return {
    name,
    summary: str(f.summary, `${at}.summary`),
    trigger,
    memoryMb: int(f.memoryMb, `${at}.memoryMb`, 128, 10240),
    timeoutSeconds: int(f.timeoutSeconds, `${at}.timeoutSeconds`, 1, maxTimeout),
    environment,
    permissions,
  };
}

function parseTable(value: unknown, where: string): TableSpec {
  const t = obj(value, where);
  const indexes = arr(t.indexes, `${where}.indexes`).map((v, i): IndexSpec => {
    const at = `${where}.indexes[${String(i)}]`;
    const index = obj(v, at);
    return {
      name: str(index.name, `${at}.name`, /^[A-Za-z0-9_.-]{3,255}$/),
      partitionKey: str(index.partitionKey, `${at}.partitionKey`, ATTRIBUTE),
      ...(index.sortKey === undefined ? {} : { sortKey: str(index.sortKey, `${at}.sortKey`, ATTRIBUTE) }),
      projection: oneOf(index.projection, `${at}.projection`, ['ALL', 'KEYS_ONLY'] as const),
    };
  });
  unique(
    indexes.map((i) => i.name),
    `${where}.indexes`,
    'index',
  );
  return {
    partitionKey: str(t.partitionKey, `${where}.partitionKey`, ATTRIBUTE),
    ...(t.sortKey === undefined ? {} : { sortKey: str(t.sortKey, `${where}.sortKey`, ATTRIBUTE) }),
    ...(t.ttlAttribute === undefined
      ? {}
      : { ttlAttribute: str(t.ttlAttribute, `${where}.ttlAttribute`, ATTRIBUTE) }),
    indexes,
  };
}

function parseRunner(value: unknown, where: string): RunnerSpec {
  const r = obj(value, where);
  return {
    container: str(r.container, `${where}.container`, /^[A-Za-z0-9_-]{1,255}$/),
    jobsPrefix: str(r.jobsPrefix, `${where}.jobsPrefix`, PREFIX),
    resultsPrefix: str(r.resultsPrefix, `${where}.resultsPrefix`, PREFIX),
    cachePrefix: str(r.cachePrefix, `${where}.cachePrefix`, PREFIX),
    environment: arr(r.environment, `${where}.environment`).map((v, i) =>
      str(v, `${where}.environment[${String(i)}]`),
    ),
  };
}

/** Checks a parsed `functions.json`; throws a `ManifestError` naming the first bad field. */
export function parseManifest(value: unknown): Manifest {
  const m = obj(value, '(top level)');
  const base = {
    resources: declared(m.resources, 'resources', RESOURCE_SYMBOLS, 'resource'),
    environment: declared(m.environment, 'environment', ENVIRONMENT_VARIABLES, 'environment variable'),
    table: parseTable(m.table, 'table'),
    runner: parseRunner(m.runner, 'runner'),
  };
  const functions = arr(m.functions, 'functions').map((f, i) =>
    parseFunction(f, `functions[${String(i)}]`, base),
  );
  if (functions.length === 0) throw new ManifestError('functions', 'must not be empty');
  unique(
    functions.map((f) => f.name),
    'functions',
    'function name',
  );
  const routeKeys = functions.flatMap((f) =>
    f.trigger.type === 'http'
      ? [`${f.trigger.method} ${f.trigger.path}`]
      : f.trigger.type === 'websocket'
        ? [`websocket ${f.trigger.route}`]
        : [],
  );
  unique(routeKeys, 'functions', 'route');
  // CloudWatch Logs allows two subscription filters per log group.
  if (functions.filter((f) => f.trigger.type === 'logSubscription').length > 2) {
    throw new ManifestError('functions', 'at most two functions may subscribe to the runner log group');
  }
  return { ...base, functions };
}

