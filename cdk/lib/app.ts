/**
 * Builds the Trellis app from CDK context: the config, the manifest, the stack, and cdk-nag's
 * AWS Solutions checks (findings are reported as synth errors and warnings).
 */
import { Aspects } from 'aws-cdk-lib';
import type { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config';
import { loadManifest } from './manifest';
import { TrellisStack } from './stack';

export function buildApp(app: App, options: { nag: boolean } = { nag: true }): TrellisStack {
  const config = readConfig(app.node);
  const manifest = loadManifest(config.manifestPath);
  const stack = new TrellisStack(app, config.stackName, {
    stackName: config.stackName,
    description: 'Trellis: push-to-deploy pipelines for serverless apps',
    ...(config.account === undefined && config.region === undefined
      ? {}
      : { env: { account: config.account, region: config.region } }),
    config,
    manifest,
  });
  if (options.nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return stack;
}
