/**
 * Test helpers: synthesizes the Trellis stack once per test file from placeholder Lambda
 * bootstraps (made from the manifest's names in a temp directory) and the fixture dashboard, so
 * no test needs the release build, Docker or AWS.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnResource, IResolvable } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { CDK_DIR } from '../lib/config';
import { loadManifest } from '../lib/manifest';
import type { Manifest } from '../lib/manifest';
import type { TrellisStack } from '../lib/stack';

export const MANIFEST: Manifest = loadManifest(path.join(CDK_DIR, 'functions.json'));
export const DASHBOARD_FIXTURE = path.join(CDK_DIR, 'test', 'fixtures', 'dashboard');

const temporary: string[] = [];
process.on('exit', () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** `<dir>/<name>/bootstrap` for every function in the manifest (tiny placeholder scripts). */
export function lambdaFixtures(names: string[] = MANIFEST.functions.map((f) => f.name)): string {
  const dir = tempDir('trellis-lambda-');
  for (const name of names) {
    mkdirSync(path.join(dir, name));
    const bootstrap = path.join(dir, name, 'bootstrap');
    writeFileSync(bootstrap, '#!/bin/sh\necho placeholder\n');
    chmodSync(bootstrap, 0o755);
  }
  return dir;
}

/** cdk.json's context, so tests see the feature flags `cdk synth` sees. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(CDK_DIR, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export interface Synth {
  app: App;
  stack: TrellisStack;
  template: Template;
}

export function synth(context: Record<string, unknown> = {}, nag = true): Synth {
  const app = new App({
    outdir: tempDir('trellis-cdk-out-'),
    context: {
      ...cdkJsonContext(),
      lambdaAssets: lambdaFixtures(),
      dashboardDir: DASHBOARD_FIXTURE,
      ...context,
    },
  });
  const stack = buildApp(app, { nag });
  return { app, stack, template: Template.fromStack(stack) };
}

let shared: Synth | undefined;
/** The default stack, synthesized once per test file. */
export function trellis(): Synth {
  shared ??= synth();
  return shared;
}

export function logicalId(stack: TrellisStack, resource: CfnResource | IResolvable | object): string {
  return stack.getLogicalId(resource as CfnResource);
}

/** The logical id of the manifest function `name`'s AWS::Lambda::Function. */
export function functionId(stack: TrellisStack, name: string): string {
  return stack.getLogicalId(stack.functions.get(name).node.defaultChild as CfnResource);
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Every statement of `roleId`'s inline policies and of the AWS::IAM::Policy resources attached to it. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const role = template.findResources('AWS::IAM::Role')[roleId] as
    | { Properties: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] } }
    | undefined;
  if (!role) throw new Error(`no role ${roleId}`);
  const inline = (role.Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(
    template.findResources('AWS::IAM::Policy') as Record<
      string,
      { Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } } }
    >,
  )
    .filter((p) => p.Properties.Roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
  return [...inline, ...attached];
}

/** Every IAM statement in the template, with the resource it is in. */
export function allStatements(template: Template): { owner: string; statement: Statement }[] {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    const policies = (role as { Properties: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] } })
      .Properties.Policies;
    for (const p of policies ?? []) for (const statement of p.PolicyDocument.Statement) out.push({ owner: id, statement });
  }
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const doc = (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument;
    for (const statement of doc.Statement) out.push({ owner: id, statement });
  }
  return out;
}
