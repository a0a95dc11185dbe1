/**
 * The WebSocket API: `$connect`, `$disconnect` and `$default` go to the manifest's websocket
 * functions; one stage (`live`) with throttling and JSON access logs. `$connect` carries the
 * token in `?token=`, so the access log never records the query string. WebSocket logging needs
 * API Gateway's account-wide CloudWatch role, which this construct sets unless told not to.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Throttle } from './config';
import { pascal } from './functions';
import type { FunctionSpec } from './manifest';
import { suppress } from './nag';

export const WEBSOCKET_STAGE = 'live';

export const WEBSOCKET_ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  status: '$context.status',
  connectionId: '$context.connectionId',
  integrationLatency: '$context.integrationLatency',
};

export interface WebSocketRouteTarget {
  spec: FunctionSpec & { trigger: { type: 'websocket' } };
  handler: lambda.IFunction;
}

export interface WebSocketApiProps {
  name: string;
  throttle: Throttle;
  accessLogRetention: logs.RetentionDays;
  setAccountCloudWatchRole: boolean;
}

export class WebSocketApi extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  /** `wss://<api id>.execute-api.<region>.<url suffix>` (the dashboard's connect-src). */
  readonly origin: string;
  /** `wss://<api id>.execute-api.<region>.<url suffix>/live`: what browsers connect to. */
  readonly url: string;
  /** `https://…/live`: the @connections management endpoint the functions post to. */
  readonly managementUrl: string;
  /** `arn:…:execute-api:<region>:<account>:<api id>/live/*\/@connections/*` */
  readonly connectionsArn: string;

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: props.name,
      description: 'Trellis live updates: deployment states and log lines pushed to the dashboard',
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(WEBSOCKET_ACCESS_LOG_FORMAT)),
      },
    });
    if (props.setAccountCloudWatchRole) {
      this.stage.node.addDependency(this.accountCloudWatchRole());
    }

    const domain = `${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
    this.origin = `wss://${domain}`;
    this.url = `${this.origin}/${WEBSOCKET_STAGE}`;
    this.managementUrl = `https://${domain}/${WEBSOCKET_STAGE}`;
    this.connectionsArn = stack.formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${WEBSOCKET_STAGE}/*/@connections/*`,
    });
  }

  /** Routes `$connect`, `$disconnect` and `$default` to the manifest's websocket functions. */
  addRoutes(routes: WebSocketRouteTarget[]): void {
    for (const { spec, handler } of routes) {
      const route = this.api.addRoute(spec.trigger.route, {
        integration: new WebSocketLambdaIntegration(`${pascal(spec.name)}Integration`, handler),
      });
      suppress(route, {
        'AwsSolutions-APIG4':
          spec.trigger.route === '$connect'
            ? `${spec.name} checks the API token (?token=) itself and refuses the connection without it.`
            : 'Only a connection that $connect accepted reaches this route.',
      });
    }
  }

  /** API Gateway's per-account, per-region CloudWatch Logs role (what RestApi's cloudWatchRole does). */
  private accountCloudWatchRole(): CfnAccount {
    const role = new iam.Role(this, 'CloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: "API Gateway's account-wide role for writing API logs to CloudWatch Logs",
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    suppress(role, {
      'AwsSolutions-IAM4':
        'This is the account-wide role API Gateway writes every REST and WebSocket API log with; ' +
        "AWS's own policy for it is the one that keeps other APIs in the account logging.",
    });
    const account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return account;
  }
}
