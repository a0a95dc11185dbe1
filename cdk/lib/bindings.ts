/**
 * What the manifest's symbols mean in this stack: the ARNs of each resource symbol (with the
 * conditions that narrow them) and the value of each environment variable. Both are total
 * records, so a symbol added to manifest.ts fails to compile until it is bound here.
 */
import { ArnFormat, Fn } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type { TrellisConfig } from './config';
import { ARN_HEAD, literal } from './nag';
import type { Data } from './data';
import type { EnvironmentValues, ResourceBindings } from './functions';
import type { Manifest } from './manifest';
import type { Runner } from './runner';
import type { Secrets } from './secrets';
import { WEBSOCKET_STAGE } from './websocket-api';
import type { WebSocketApi } from './websocket-api';

export interface BindingParts {
  config: TrellisConfig;
  manifest: Manifest;
  data: Data;
  secrets: Secrets;
  runner: Runner;
  webSocketApi: WebSocketApi;
}

const PASSED_TO_ECS_TASKS = { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } };

/** `arn:<partition>:iam::<account>:role/<prefix>`: the roles a runner may be given. */
export function deployRoleArnPrefix(stack: Stack, prefix: string): string {
  return stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: prefix });
}

export function resourceBindings(stack: Stack, parts: BindingParts): ResourceBindings {
  const { config, manifest, data, secrets, runner, webSocketApi } = parts;
  const { table, jobsBucket } = data;
  const { cluster, taskDefinition, executionRole } = runner;
  const inCluster = (action: string) =>
    action === 'ecs:RunTask' || action === 'ecs:StopTask'
      ? { ArnEquals: { 'ecs:cluster': cluster.clusterArn } }
      : undefined;
  const passedToEcs = (action: string) => (action === 'iam:PassRole' ? PASSED_TO_ECS_TASKS : undefined);
  const objects = (prefix: string, what: string) => ({
    arns: [jobsBucket.arnForObjects(`${prefix}*`)],
    wildcards: [
      {
        finding: new RegExp(`^Resource::<DataJobsBucket[A-Za-z0-9]+\\.Arn>/${literal(prefix)}\\*$`),
        reason: `${what} are objects named by deployment id under ${prefix} in the jobs bucket.`,
      },
    ],
  });

  return {
    table: {
      arns: [table.tableArn, `${table.tableArn}/index/*`],
      wildcards: [
        {
          finding: /^Resource::<DataTable[A-Za-z0-9]+\.Arn>\/index\/\*$/,
          reason: 'The indexes of the Trellis table (index names are in functions.json).',
        },
      ],
    },
    apiTokenSecret: { arns: [secrets.apiToken.secretArn] },
    webhookSecret: { arns: [secrets.webhookSecret.secretArn] },
    githubAppSecret: { arns: [secrets.githubApp.secretArn] },
    appSecrets: {
      arns: [
        stack.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${secrets.appSecretsPrefix}/*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      wildcards: [
        {
          finding: new RegExp(`^Resource::${ARN_HEAD('secretsmanager')}secret:${literal(secrets.appSecretsPrefix)}/\\*$`),
          reason:
            `Per-app secrets are created at run time under ${secrets.appSecretsPrefix}/ ` +
            '(one per app), so their names are not known in advance.',
        },
      ],
    },
    jobObjects: objects(manifest.runner.jobsPrefix, 'Sealed jobs'),
    cacheBucket: { arns: [data.cacheBucket.bucketArn] },
    cacheObjects: {
      arns: [data.cacheBucket.arnForObjects(`${manifest.runner.cachePrefix}*`)],
      wildcards: [
        {
          finding: new RegExp(
            `^Resource::<DataCacheBucket[A-Za-z0-9]+\\.Arn>/${literal(manifest.runner.cachePrefix)}\\*$`,
          ),
          reason:
            'Dependency cache archives are named by app and environment under ' +
            `${manifest.runner.cachePrefix}; apps and environments are created at run time.`,
        },
      ],
    },
    resultObjects: objects(manifest.runner.resultsPrefix, 'Runner results'),
    runnerTaskDefinition: {
      arns: [
        stack.formatArn({
          service: 'ecs',
          resource: 'task-definition',
          resourceName: `${taskDefinition.family}:*`,
        }),
      ],
      conditions: inCluster,
      wildcards: [
        {
          finding: new RegExp(`^Resource::${ARN_HEAD('ecs')}task-definition/${literal(taskDefinition.family)}:\\*$`),
          reason: 'Every revision of the runner task definition family (each image makes a new one).',
        },
      ],
    },
    runnerTasks: {
      arns: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` })],
      conditions: inCluster,
      wildcards: [
        {
          finding: new RegExp(`^Resource::${ARN_HEAD('ecs')}task/<RunnerCluster[A-Za-z0-9]+>/\\*$`),
          reason: 'Tasks of the runner cluster: task ids are not known in advance.',
        },
      ],
    },
    runnerExecutionRole: { arns: [executionRole.roleArn], conditions: passedToEcs },
    deployRoles: {
      arns: [`${deployRoleArnPrefix(stack, config.deployRolePrefix)}*`],
      conditions: passedToEcs,
      wildcards: [
        {
          finding: new RegExp(`^Resource::${ARN_HEAD('iam')}role/${literal(config.deployRolePrefix)}\\*$`),
          reason:
            `Environments' deploy roles are named ${config.deployRolePrefix}<anything> by their ` +
            'owners; passed only to ecs-tasks.amazonaws.com, as a runner task role.',
        },
      ],
    },
    websocketConnections: {
      arns: [webSocketApi.connectionsArn],
      wildcards: [
        {
          finding: new RegExp(
            `^Resource::${ARN_HEAD('execute-api')}<WebSocketApi[A-Za-z0-9]+>/${WEBSOCKET_STAGE}/\\*/@connections/\\*$`,
          ),
          reason: 'Posting to connections of the live stage: connection ids are not known in advance.',
        },
      ],
    },
  };
}

export function environmentValues(stack: Stack, parts: BindingParts): EnvironmentValues {
  const { config, manifest, data, secrets, runner, webSocketApi } = parts;
  return {
    TRELLIS_TABLE: data.table.tableName,
    TRELLIS_API_TOKEN_SECRET: secrets.apiToken.secretArn,
    TRELLIS_WEBHOOK_SECRET_ID: secrets.webhookSecret.secretArn,
    TRELLIS_GITHUB_APP_SECRET: secrets.githubApp.secretArn,
    TRELLIS_SECRETS_PREFIX: secrets.appSecretsPrefix,
    TRELLIS_WS_ENDPOINT: webSocketApi.managementUrl,
    TRELLIS_JOBS_BUCKET: data.jobsBucket.bucketName,
    TRELLIS_CACHE_BUCKET: data.cacheBucket.bucketName,
    TRELLIS_ECS_CLUSTER: runner.cluster.clusterName,
    TRELLIS_ECS_TASK_DEFINITION: runner.taskDefinition.taskDefinitionArn,
    TRELLIS_ECS_CONTAINER: manifest.runner.container,
    TRELLIS_ECS_SUBNETS: Fn.join(',', runner.vpc.publicSubnets.map((s) => s.subnetId)),
    TRELLIS_ECS_SECURITY_GROUPS: runner.securityGroup.securityGroupId,
    TRELLIS_ECS_PUBLIC_IP: 'true',
    TRELLIS_DEPLOY_ROLE_ARN_PREFIX: deployRoleArnPrefix(stack, config.deployRolePrefix),
    TRELLIS_GITHUB_URL: config.githubUrl,
    TRELLIS_GITHUB_API: config.githubApiUrl,
    TRELLIS_SESSION_HOURS: String(config.sessionHours),
    TRELLIS_AUDIT_RETENTION_DAYS: String(config.auditRetentionDays),
  };
}
