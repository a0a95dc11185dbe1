/**
 * The stack's settings, read from CDK context (`-c key=value` or cdk.json's `context`), each
 * with a default. Paths are relative to the `cdk/` directory.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

/** The `cdk/` directory. */
export const CDK_DIR = path.resolve(__dirname, '..');
/** The repository root: the build runner image's Docker build context. */
export const REPOSITORY_ROOT = path.resolve(CDK_DIR, '..');

export interface Throttle {
  burstLimit: number;
  rateLimit: number;
}

export interface TrellisConfig {
  stackName: string;
  account: string | undefined;
  region: string | undefined;
  manifestPath: string;
  lambdaAssets: string;
  dashboardDir: string;
  deployRolePrefix: string;
  runnerCpu: number;
  runnerMemoryMb: number;
  apiThrottle: Throttle;
  webSocketThrottle: Throttle;
  logRetention: logs.RetentionDays;
  accessLogRetention: logs.RetentionDays;
  priceClass: cloudfront.PriceClass;
  /** Whether to set API Gateway's account-wide CloudWatch role (WebSocket access logs need one). */
  apiGatewayCloudWatchRole: boolean;
  /** github.com, or a GitHub Enterprise Server's address. */
  githubUrl: string;
  /** GitHub's REST API (`https://api.github.com`, or `<server>/api/v3`). */
  githubApiUrl: string;
  /** How long a dashboard session lasts. */
  sessionHours: number;
  /** How long audit entries are kept (DynamoDB's TTL removes them after). */
  auditRetentionDays: number;
  /** How long a dependency cache archive not saved again is kept (S3 lifecycle expiry). */
  dependencyCacheDays: number;
}

/** An https address without a trailing slash, query or fragment. */
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[\w./-]*[\w-])?$/;

const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384];
/** The retention periods CloudWatch Logs accepts (finite ones). */
const RETENTION_DAYS = Object.values(logs.RetentionDays).filter(
  (v): v is logs.RetentionDays => typeof v === 'number' && v !== logs.RetentionDays.INFINITE,
);

class ContextError extends Error {
  constructor(key: string, message: string) {
    super(`context "${key}": ${message}`);
    this.name = 'ContextError';
  }
}

function text(node: Node, key: string, fallback: string, pattern?: RegExp): string {
  const value: unknown = node.tryGetContext(key) ?? fallback;
  if (typeof value !== 'string' || value === '') throw new ContextError(key, 'must be a non-empty string');
  if (pattern && !pattern.test(value)) {
    throw new ContextError(key, `${JSON.stringify(value)} does not match ${String(pattern)}`);
  }
  return value;
}

function optional(node: Node, key: string, fallback: string | undefined): string | undefined {
  const value: unknown = node.tryGetContext(key) ?? fallback;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function integer(node: Node, key: string, fallback: number, min: number, max: number): number {
  const raw: unknown = node.tryGetContext(key) ?? fallback;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ContextError(key, `must be an integer from ${String(min)} to ${String(max)}`);
  }
  return value;
}

function retention(node: Node, key: string, fallback: number): logs.RetentionDays {
  const days = integer(node, key, fallback, 1, 3653);
  const value = RETENTION_DAYS.find((v) => v.valueOf() === days);
  if (value === undefined) {
    throw new ContextError(key, `must be one of CloudWatch Logs' retention periods ${RETENTION_DAYS.join(', ')}`);
  }
  return value;
}

function priceClass(node: Node, key: string, fallback: cloudfront.PriceClass): cloudfront.PriceClass {
  const raw = text(node, key, fallback);
  const value = Object.values(cloudfront.PriceClass).find((v) => v.valueOf() === raw);
  if (value === undefined) {
    throw new ContextError(key, `must be one of ${Object.values(cloudfront.PriceClass).join(', ')}`);
  }
  return value;
}

function flag(node: Node, key: string, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key) ?? fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ContextError(key, 'must be true or false');
}

function directory(node: Node, key: string, fallback: string): string {
  return path.resolve(CDK_DIR, text(node, key, fallback));
}

export function readConfig(node: Node): TrellisConfig {
  const runnerCpu = integer(node, 'runnerCpu', 2048, 256, 16384);
  if (!FARGATE_CPU.includes(runnerCpu)) {
    throw new ContextError('runnerCpu', `must be one of Fargate's CPU sizes ${FARGATE_CPU.join(', ')}`);
  }
  // The CLI's defaults count only with credentials (an account): without them it still guesses a
  // region, and a template for a guessed region is worse than a region-agnostic one.
  const account = optional(node, 'account', process.env.CDK_DEFAULT_ACCOUNT);
  const region = optional(node, 'region', account === undefined ? undefined : process.env.CDK_DEFAULT_REGION);
  return {
    stackName: text(node, 'stackName', 'Trellis', /^[A-Za-z][A-Za-z0-9-]{0,63}$/),
    account,
    region,
    manifestPath: directory(node, 'manifest', 'functions.json'),
    lambdaAssets: directory(node, 'lambdaAssets', '../target/lambda'),
    dashboardDir: directory(node, 'dashboardDir', '../dashboard/dist'),
    // IAM role names: letters, digits and +=,.@_- (the prefix leaves room for a name after it).
    deployRolePrefix: text(node, 'deployRolePrefix', 'trellis-deploy-', /^[\w+=,.@-]{1,48}$/),
    runnerCpu,
    runnerMemoryMb: integer(node, 'runnerMemoryMb', 4096, 512, 122880),
    apiThrottle: {
      burstLimit: integer(node, 'apiThrottleBurst', 100, 1, 5000),
      rateLimit: integer(node, 'apiThrottleRate', 50, 1, 10000),
    },
    webSocketThrottle: {
      burstLimit: integer(node, 'webSocketThrottleBurst', 100, 1, 5000),
      rateLimit: integer(node, 'webSocketThrottleRate', 50, 1, 10000),
    },
    logRetention: retention(node, 'logRetentionDays', 30),
    accessLogRetention: retention(node, 'accessLogRetentionDays', 90),
    priceClass: priceClass(node, 'priceClass', cloudfront.PriceClass.PRICE_CLASS_100),
    apiGatewayCloudWatchRole: flag(node, 'apiGatewayCloudWatchRole', true),
    githubUrl: text(node, 'githubUrl', 'https://github.com', HTTPS_URL),
    githubApiUrl: text(node, 'githubApiUrl', 'https://api.github.com', HTTPS_URL),
    sessionHours: integer(node, 'sessionHours', 12, 1, 720),
    auditRetentionDays: integer(node, 'auditRetentionDays', 365, 1, 3650),
    dependencyCacheDays: integer(node, 'dependencyCacheDays', 30, 1, 365),
  };
}

/** Fails synth with what to run when a build output the stack deploys is missing. */
export function requireFile(file: string, what: string, build: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new Error(`${what}: ${file} is missing. Build it first, from the repository root: ${build}`);
  }
}
