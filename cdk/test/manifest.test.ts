/** The manifest loader: accepts functions.json, refuses what the stack cannot honour. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CDK_DIR } from '../lib/config';
import { ENVIRONMENT_VARIABLES, ManifestError, parseManifest, RESOURCE_SYMBOLS } from '../lib/manifest';
import { DASHBOARD_FIXTURE, lambdaFixtures, synth, tempDir } from './helpers';

type Raw = Record<string, unknown> & {
  resources: Record<string, string>;
  environment: Record<string, string>;
  functions: {
    name: string;
    trigger: Record<string, unknown>;
    timeoutSeconds: number;
    environment: string[];
    permissions: { resource: string; actions: string[] }[];
  }[];
};

const raw = (): Raw => JSON.parse(readFileSync(path.join(CDK_DIR, 'functions.json'), 'utf8')) as Raw;
const first = (m: Raw) => {
  const f = m.functions[0];
  assert.ok(f);
  return f;
};

describe('manifest', () => {
  test('functions.json loads, and every symbol it declares is one the stack binds', () => {
    const m = parseManifest(raw());
    assert.ok(m.functions.length > 0);
    for (const symbol of Object.keys(m.resources)) assert.ok((RESOURCE_SYMBOLS as readonly string[]).includes(symbol));
    for (const name of Object.keys(m.environment)) assert.ok((ENVIRONMENT_VARIABLES as readonly string[]).includes(name));
  });

  test('an unknown resource symbol in a function is refused with its path', () => {
    const m = raw();
    first(m).permissions.push({ resource: 'everything', actions: ['s3:GetObject'] });
    assert.throws(() => parseManifest(m), (e: unknown) => {
      assert.ok(e instanceof ManifestError);
      assert.match(e.message, /functions\[0\] \(api-health\)\.permissions\[\d+\]\.resource: unknown resource symbol "everything"/);
      return true;
    });
  });

  test('an unknown environment variable in a function is refused with its path', () => {
    const m = raw();
    first(m).environment.push('TRELLIS_NOPE');
    assert.throws(() => parseManifest(m), /functions\[0\] \(api-health\)\.environment\[\d+\]: unknown environment variable "TRELLIS_NOPE"/);
  });

  test('a resource or variable the stack cannot bind is refused, naming the files to change', () => {
    const m = raw();
    m.resources.queue = 'a queue';
    assert.throws(() => parseManifest(m), /resources\.queue: the stack does not know how to provide resource "queue".*cdk\/lib\/bindings\.ts/);
    const n = raw();
    n.environment.TRELLIS_QUEUE = 'a queue URL';
    assert.throws(() => parseManifest(n), /environment\.TRELLIS_QUEUE: the stack does not know how to provide environment variable/);
  });

  test('wildcard actions, duplicate routes, paths outside /api/ and slow HTTP functions are refused', () => {
    const wildcard = raw();
    const f = wildcard.functions.find((x) => x.permissions.length > 0);
    assert.ok(f?.permissions[0]);
    f.permissions[0].actions = ['dynamodb:*'];
    assert.throws(() => parseManifest(wildcard), /actions\[0\]: "dynamodb:\*" does not match/);

    const duplicate = raw();
    const [a, b] = duplicate.functions;
    assert.ok(a && b);
    b.trigger = { ...a.trigger };
    assert.throws(() => parseManifest(duplicate), /route "GET \/api\/health" appears twice/);

    const outside = raw();
    first(outside).trigger.path = '/health';
    assert.throws(() => parseManifest(outside), /must start with \/api\//);

    const slow = raw();
    first(slow).timeoutSeconds = 60;
    assert.throws(() => parseManifest(slow), /timeoutSeconds: must be an integer from 1 to 30/);
  });

  test('an unknown trigger type is refused', () => {
    const m = raw();
    first(m).trigger = { type: 'queue' };
    assert.throws(() => parseManifest(m), /trigger\.type: "queue" is not one of http, websocket/);
  });
});

describe('build outputs', () => {
  test('a missing bootstrap fails synth naming the directory and the build command', () => {
    const assets = lambdaFixtures(['api-health']);
    assert.throws(
      () => synth({ lambdaAssets: assets }, false),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.ok(e.message.includes(path.join(assets, 'api-openapi', 'bootstrap')), e.message);
        assert.ok(e.message.includes('bash .ci/package-lambdas'), e.message);
        return true;
      },
    );
  });

  test('a missing dashboard build fails synth naming the directory and the build command', () => {
    const empty = tempDir('trellis-no-dashboard-');
    assert.throws(
      () => synth({ dashboardDir: empty }, false),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.ok(e.message.includes(path.join(empty, 'index.html')), e.message);
        assert.ok(e.message.includes('npm --prefix dashboard ci && npm --prefix dashboard run build'), e.message);
        return true;
      },
    );
    assert.ok(DASHBOARD_FIXTURE);
  });
});
