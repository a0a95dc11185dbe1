/**
 * The stack's outputs: where the dashboard, the APIs and the webhook are, the secrets' ARNs,
 * and ready-to-run commands that print the API token and the webhook secret (never the values).
 */
import { CfnOutput } from 'aws-cdk-lib';
import type { TrellisStack } from './stack';
import type { HttpRouteTarget } from './http-api';

export const secretCommand = (arn: string): string =>
  `aws secretsmanager get-secret-value --secret-id ${arn} --query SecretString --output text`;

export function addOutputs(stack: TrellisStack, httpRoutes: HttpRouteTarget[]): void {
  const webhook = httpRoutes.find((r) => r.spec.trigger.path.endsWith('/webhooks/github'));
  if (!webhook) {
    throw new Error(
      'functions.json has no http function on a path ending in /webhooks/github (needed for the WebhookUrl output)',
    );
  }
  const { secrets, httpApi, webSocketApi, dashboard } = stack;
  const out = (id: string, value: string, description: string) =>
    new CfnOutput(stack, id, { value, description });

  out('DashboardUrl', dashboard.url, 'The dashboard: sign in with the API token (SignInToken prints it)');
  out('ApiUrl', httpApi.url, 'The HTTP API (routes under /api/, also served under DashboardUrl)');
  out(
    'WebhookUrl',
    `${httpApi.url}${webhook.spec.trigger.path}`,
    "The GitHub App's webhook URL (content type application/json, secret: WebhookSecret)",
  );
  out('WebSocketUrl', webSocketApi.url, 'Live updates (the dashboard reads it from config.json)');
  out('ApiTokenSecretArn', secrets.apiToken.secretArn, 'The secret holding the API token');
  out('SignInToken', secretCommand(secrets.apiToken.secretArn), 'Run this to print the API token');
  out('WebhookSecretArn', secrets.webhookSecret.secretArn, 'The secret holding the GitHub webhook secret');
  out(
    'WebhookSecret',
    secretCommand(secrets.webhookSecret.secretArn),
    "Run this to print the webhook secret for the GitHub App's settings",
  );
  out(
    'GitHubAppSecretArn',
    secrets.githubApp.secretArn,
    'Put {"appId": <number>, "privateKey": "<PEM>"} here with aws secretsmanager put-secret-value',
  );
}
