/** Every manifest function's trigger reaches that function and no other. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { functionId, MANIFEST, trellis } from './helpers';

const { stack, template } = trellis();
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const httpApi = id(stack.httpApi.api);
const wsApi = id(stack.webSocketApi.api);

type Props = Record<string, unknown>;
const resources = (type: string) =>
  Object.entries(template.findResources(type)).map(([logicalId, r]) => ({
    logicalId,
    props: (r as { Properties: Props }).Properties,
  }));

/** The function an API route's integration invokes. */
function routeTarget(apiId: string, routeKey: string): string | undefined {
  const route = resources('AWS::ApiGatewayV2::Route').find(
    (r) => JSON.stringify(r.props.ApiId) === JSON.stringify({ Ref: apiId }) && r.props.RouteKey === routeKey,
  );
  if (!route) return undefined;
  const target = JSON.stringify(route.props.Target);
  const integration = resources('AWS::ApiGatewayV2::Integration').find((i) => target.includes(`"${i.logicalId}"`));
  assert.ok(integration, `integration of ${routeKey}`);
  assert.equal(integration.props.IntegrationType, 'AWS_PROXY');
  const uri = JSON.stringify(integration.props.IntegrationUri);
  const fns = MANIFEST.functions.filter((f) => uri.includes(`"${functionId(stack, f.name)}"`));
  assert.equal(fns.length, 1, `${routeKey} invokes one function`);
  return fns[0]?.name;
}

describe('HTTP API', () => {
  const http = MANIFEST.functions.flatMap((f) => (f.trigger.type === 'http' ? [{ f, t: f.trigger }] : []));

  for (const { f, t } of http) {
    test(`${t.method} ${t.path} → ${f.name} (payload 2.0)`, () => {
      assert.equal(routeTarget(httpApi, `${t.method} ${t.path}`), f.name);
    });
  }

  test('no other routes, no authorizer, payload format 2.0 everywhere', () => {
    const routes = resources('AWS::ApiGatewayV2::Route').filter((r) => JSON.stringify(r.props.ApiId) === JSON.stringify({ Ref: httpApi }));
    assert.deepEqual(routes.map((r) => r.props.RouteKey).sort(), http.map(({ t }) => `${t.method} ${t.path}`).sort());
    for (const r of routes) assert.ok(r.props.AuthorizationType === undefined || r.props.AuthorizationType === 'NONE');
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    for (const i of resources('AWS::ApiGatewayV2::Integration')) {
      if (JSON.stringify(i.props.ApiId) === JSON.stringify({ Ref: httpApi })) assert.equal(i.props.PayloadFormatVersion, '2.0');
    }
  });

  test('$default stage: auto-deploy, throttled, JSON access log without headers or query string', () => {
    const stage = resources('AWS::ApiGatewayV2::Stage').find((s) => JSON.stringify(s.props.ApiId) === JSON.stringify({ Ref: httpApi }));
    assert.ok(stage);
    assert.equal(stage.props.StageName, '$default');
    assert.equal(stage.props.AutoDeploy, true);
    assert.deepEqual(stage.props.DefaultRouteSettings, { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 });
    const log = stage.props.AccessLogSettings as { Format: string; DestinationArn: unknown };
    const format = JSON.parse(log.Format) as Record<string, string>;
    assert.deepEqual(Object.keys(format).sort(), ['httpMethod', 'integrationLatency', 'ip', 'requestId', 'requestTime', 'responseLength', 'routeKey', 'status']);
    assert.doesNotMatch(log.Format, /header|querystring|queryString|path|authorizer/i);
  });
});

describe('WebSocket API', () => {
  const ws = MANIFEST.functions.flatMap((f) => (f.trigger.type === 'websocket' ? [{ f, t: f.trigger }] : []));

  for (const { f, t } of ws) {
    test(`${t.route} → ${f.name}`, () => {
      assert.equal(routeTarget(wsApi, t.route), f.name);
    });
  }

  test('stage live: auto-deploy, throttled, access log without the query string (?token=)', () => {
    const stage = resources('AWS::ApiGatewayV2::Stage').find((s) => JSON.stringify(s.props.ApiId) === JSON.stringify({ Ref: wsApi }));
    assert.ok(stage);
    assert.equal(stage.props.StageName, 'live');
    assert.equal(stage.props.AutoDeploy, true);
    assert.deepEqual(stage.props.DefaultRouteSettings, { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 });
    const format = (stage.props.AccessLogSettings as { Format: string }).Format;
    assert.ok(JSON.parse(format));
    assert.doesNotMatch(format, /header|querystring|queryString|authorizer/i);
  });

  test('the stage waits for API Gateway\'s account CloudWatch role, which outlives the stack', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage', { Properties: { StageName: 'live' } }))[0] as {
      DependsOn?: string[];
    };
    const accounts = template.findResources('AWS::ApiGateway::Account');
    const [accountId] = Object.keys(accounts);
    assert.ok(accountId);
    assert.deepEqual(stage.DependsOn, [accountId]);
    assert.equal((accounts[accountId] as { DeletionPolicy: string }).DeletionPolicy, 'Retain');
  });

  test('the functions post to the live stage\'s management endpoint', () => {
    const endpoint = JSON.stringify(stack.resolve(stack.environmentValues.TRELLIS_WS_ENDPOINT));
    assert.ok(endpoint.includes(`"https://",{"Ref":"${wsApi}"},".execute-api.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"},"/live"`), endpoint);
  });
});

describe('event triggers', () => {
  const byType = (type: string) => MANIFEST.functions.filter((f) => f.trigger.type === type);

  test('the runner log group is subscribed to the logSubscription function, all events', () => {
    const [forwarder] = byType('logSubscription');
    assert.ok(forwarder);
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', byType('logSubscription').length);
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: { Ref: id(stack.runner.logGroup) },
      FilterPattern: '',
      DestinationArn: { 'Fn::GetAtt': [functionId(stack, forwarder.name), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [functionId(stack, forwarder.name), 'Arn'] },
      Principal: 'logs.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [id(stack.runner.logGroup), 'Arn'] },
    });
  });

  test('ECS Task State Change events of the runner cluster reach the taskStateChange function', () => {
    for (const f of byType('taskStateChange')) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: { clusterArn: [{ 'Fn::GetAtt': [id(stack.runner.cluster), 'Arn'] }] },
        },
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(stack, f.name), 'Arn'] } })],
      });
    }
  });

  test('schedules run at the manifest\'s rate', () => {
    for (const f of byType('schedule')) {
      const minutes = f.trigger.type === 'schedule' ? f.trigger.rateMinutes : Number.NaN;
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: `rate(${String(minutes)} minute${minutes === 1 ? '' : 's'})`,
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(stack, f.name), 'Arn'] } })],
      });
    }
    template.resourceCountIs('AWS::Events::Rule', byType('schedule').length + byType('taskStateChange').length);
  });
});
