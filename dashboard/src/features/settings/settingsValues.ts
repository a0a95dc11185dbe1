import type { Environment, UpdateEnvironmentRequest } from '../../api/types';

export interface VariableRow {
  key: number;
  name: string;
  value: string;
}

export interface SecretRow {
  key: number;
  name: string;
  /** Empty for a stored secret left as it is (its value is never shown). */
  value: string;
  stored: boolean;
  removed: boolean;
}

export interface SettingsFormValues {
  branch: string;
  autoDeploy: boolean;
  requiresApproval: boolean;
  testsEnabled: boolean;
  dependencyCache: boolean;
  testCommand: string;
  installCommand: string;
  deployCommand: string;
  removeCommand: string;
  timeoutMinutes: string;
  variables: VariableRow[];
  secrets: SecretRow[];
}

export type FormErrors = Record<string, string>;

let nextKey = 1;
export const rowKey = () => nextKey++;

export function formValues(env: Environment): SettingsFormValues {
  return {
    branch: env.branch ?? '',
    autoDeploy: env.autoDeploy,
    requiresApproval: env.requiresApproval ?? false,
    testsEnabled: env.testsEnabled,
    dependencyCache: env.dependencyCache,
    testCommand: env.settings.testCommand ?? '',
    installCommand: env.settings.installCommand ?? '',
    deployCommand: env.settings.deployCommand ?? '',
    removeCommand: env.settings.removeCommand ?? '',
    timeoutMinutes: env.settings.timeoutMinutes?.toString() ?? '',
    variables: Object.entries(env.variables).map(([name, value]) => ({ key: rowKey(), name, value })),
    secrets: env.secretNames.map((name) => ({ key: rowKey(), name, value: '', stored: true, removed: false })),
  };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function nameProblem(name: string): string | undefined {
  if (!name) return 'Give the name.';
  if (!NAME.test(name)) return 'Letters, digits and _ only, not starting with a digit, at most 128 characters.';
  if (name.startsWith('TRELLIS_')) return 'TRELLIS_ is reserved for what the runner sets.';
  return undefined;
}

/** `MIN_SECRET_VALUE` in functions/core/src/validate.rs. */
const MIN_SECRET_VALUE = 6;

/** The same rules the API applies (functions/core/src/validate.rs), checked before sending
 * so that every problem is shown at once, next to its field. Keys name the inputs. */
export function validate(values: SettingsFormValues, env: Environment): FormErrors {
  const errors: FormErrors = {};
  const branch = values.branch.trim();
  if (branch && (/[\s~^:?*[\\]/.test(branch) || branch.includes('..') || branch.startsWith('-') || branch.endsWith('/') || branch.endsWith('.lock'))) {
    errors.branch = `"${branch}" is not a valid git branch name.`;
  }
  if (values.autoDeploy && !env.protected && !branch) errors.autoDeploy = 'Auto-deploy needs a branch to track.';
  if (values.autoDeploy && !env.protected && values.requiresApproval) {
    // Like the API, the error goes to the box that was just ticked.
    const turnedOn = values.requiresApproval !== (env.requiresApproval ?? false) ? 'requiresApproval' : 'autoDeploy';
    errors[turnedOn] ??=
      `${env.name} cannot both deploy every push and wait for approval: turn auto-deploy off to require approval.`;
  }
  if (values.timeoutMinutes.trim()) {
    const minutes = Number(values.timeoutMinutes);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 480) {
      errors.timeoutMinutes = 'A whole number of minutes from 1 to 480.';
    }
  }
  for (const field of ['testCommand', 'installCommand', 'deployCommand', 'removeCommand'] as const) {
    if (values[field].length > 4096) errors[field] = 'At most 4096 characters.';
  }
  const seen = new Map<string, string>();
  for (const row of values.variables) {
    const problem = nameProblem(row.name.trim());
    if (problem) errors[`variable-${row.key}`] = problem;
    else if (seen.has(row.name.trim())) errors[`variable-${row.key}`] = `${row.name.trim()} is set twice.`;
    seen.set(row.name.trim(), 'variable');
  }
  for (const row of values.secrets.filter((s) => !s.removed)) {
    const name = row.name.trim();
    const problem = row.stored ? undefined : nameProblem(name);
    if (problem) errors[`secret-${row.key}`] = problem;
    else if (seen.get(name) === 'variable') errors[`secret-${row.key}`] = `${name} is also a variable: a name is one or the other.`;
    else if (seen.has(name)) errors[`secret-${row.key}`] = `${name} is set twice.`;
    else if (!row.stored && !row.value) errors[`secret-${row.key}`] = 'Give the secret a value.';
    else if (row.value && Array.from(row.value.trim()).length < MIN_SECRET_VALUE) {
      errors[`secret-${row.key}`] = `A secret needs at least ${String(MIN_SECRET_VALUE)} characters: shorter ones cannot be masked in build logs.`;
    }
    seen.set(name, 'secret');
  }
  return errors;
}

const orNull = (text: string) => (text.trim() ? text : null);

/** Only what changed: unchanged fields are left out, cleared ones are `null`. */
export function toPatch(values: SettingsFormValues, env: Environment): UpdateEnvironmentRequest {
  const patch: UpdateEnvironmentRequest = {};
  const branch = values.branch.trim() || null;
  if (branch !== (env.branch ?? null)) patch.branch = branch;
  if (!env.protected && values.autoDeploy !== env.autoDeploy) patch.autoDeploy = values.autoDeploy;
  if (values.requiresApproval !== (env.requiresApproval ?? false)) patch.requiresApproval = values.requiresApproval;
  if (values.testsEnabled !== env.testsEnabled) patch.testsEnabled = values.testsEnabled;
  if (values.dependencyCache !== env.dependencyCache) patch.dependencyCache = values.dependencyCache;

  const settings: Record<string, string | number | null> = {};
  const commands = ['testCommand', 'installCommand', 'deployCommand', 'removeCommand'] as const;
  for (const field of commands) {
    const next = orNull(values[field]);
    if (next !== (env.settings[field] ?? null)) settings[field] = next;
  }
  const timeout = values.timeoutMinutes.trim() ? Number(values.timeoutMinutes) : null;
  if (timeout !== (env.settings.timeoutMinutes ?? null)) settings.timeoutMinutes = timeout;
  if (Object.keys(settings).length > 0) patch.settings = settings;

  const variables: Record<string, string | null> = {};
  const kept = new Set(values.variables.map((v) => v.name.trim()));
  for (const name of Object.keys(env.variables)) if (!kept.has(name)) variables[name] = null;
  for (const row of values.variables) {
    const name = row.name.trim();
    if (env.variables[name] !== row.value) variables[name] = row.value;
  }
  if (Object.keys(variables).length > 0) patch.variables = variables;

  const secrets: Record<string, string | null> = {};
  for (const row of values.secrets) {
    const name = row.name.trim();
    if (row.removed) {
      if (row.stored) secrets[name] = null;
    } else if (row.value) {
      secrets[name] = row.value;
    }
  }
  if (Object.keys(secrets).length > 0) patch.secrets = secrets;
  return patch;
}

/** Which input an API error's `field` (`variables.API_KEY`, `settings.timeoutMinutes`) names. */
export function inputForApiField(field: string | undefined, values: SettingsFormValues): string | undefined {
  if (!field) return undefined;
  const [head, rest] = [field.split('.')[0] ?? '', field.split('.').slice(1).join('.')];
  if (head === 'variables' && rest) {
    const row = values.variables.find((v) => v.name.trim() === rest);
    return row ? `variable-${row.key}` : undefined;
  }
  if (head === 'secrets' && rest) {
    const row = values.secrets.find((v) => v.name.trim() === rest);
    return row ? `secret-${row.key}` : undefined;
  }
  if (head === 'settings' && rest) return rest;
  if (['branch', 'autoDeploy', 'requiresApproval', 'testsEnabled', 'dependencyCache'].includes(head)) return head;
  return undefined;
}
