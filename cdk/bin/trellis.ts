#!/usr/bin/env node
/** The Trellis CDK app: `npx cdk synth` / `npx cdk deploy` from `cdk/` (see cdk.json). */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';

const app = new App();
buildApp(app);
