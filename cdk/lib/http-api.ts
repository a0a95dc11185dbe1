/**
 * The HTTP API: one route per `http` function (`METHOD /api/...`, payload format 2.0), a
 * `$default` stage with throttling and JSON access logs. No authorizer: every function
 * authenticates its caller itself (the bearer token, or the webhook's signature). The access
 * log never records headers or the query string, where tokens travel.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Throttle } from './config';
import { pascal } from './functions';
import type { FunctionSpec, HttpMethodName } from './manifest';
import { suppress } from './nag';

export const HTTP_ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
};

export interface HttpRouteTarget {
  spec: FunctionSpec & { trigger: { type: 'http'; method: HttpMethodName; path: string } };
  handler: lambda.IFunction;
}

export interface HttpApiProps {
  name: string;
  routes: HttpRouteTarget[];
  throttle: Throttle;
  accessLogRetention: logs.RetentionDays;
}

export class HttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** `<api id>.execute-api.<region>.<url suffix>` */
  readonly domainName: string;
  /** `https://<domainName>` (the stage is `$default`, so routes hang off the root). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.name,
      description: 'Trellis API: every route is its own Lambda, which authenticates the caller',
      createDefaultStage: false,
    });
    for (const { spec, handler } of props.routes) {
      const [route] = this.api.addRoutes({
        path: spec.trigger.path,
        methods: [apigwv2.HttpMethod[spec.trigger.method]],
        integration: new HttpLambdaIntegration(`${pascal(spec.name)}Integration`, handler, {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        }),
      });
      if (route) {
        suppress(route, {
          'AwsSolutions-APIG4': spec.trigger.authenticated
            ? `${spec.name} checks the bearer API token itself (one token, kept in Secrets Manager); ` +
              'an API Gateway authorizer would add a second cold start to every call.'
            : `${spec.name} is public by design (health, the OpenAPI document, or the GitHub ` +
              'webhook, whose X-Hub-Signature-256 the function verifies).',
        });
      }
    }

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(HTTP_ACCESS_LOG_FORMAT)),
      },
    });

    this.domainName = `${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
    this.url = `https://${this.domainName}`;
  }
}
