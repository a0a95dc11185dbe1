/**
 * Every manifest function: one Lambda with the manifest's shape, exactly the manifest's
 * environment variables, its own log group, and a role granting exactly the manifest's actions
 * on exactly the manifest's resources.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { LOG_STATEMENT_SID, pascal } from '../lib/functions';
import { allStatements, functionId, list, MANIFEST, roleStatements, trellis } from './helpers';
import type { Statement } from './helpers';

const { stack, template } = trellis();

interface FunctionProps {
  Runtime: string;
  Architectures: string[];
  Handler: string;
  MemorySize: number;
  Timeout: number;
  Role: { 'Fn::GetAtt': [string, string] };
  Environment?: { Variables: Record<string, unknown> };
  LoggingConfig?: { LogGroup: { Ref: string } };
}

const lambdaProps = (name: string): FunctionProps =>
  (template.findResources('AWS::Lambda::Function')[functionId(stack, name)] as { Properties: FunctionProps })
    .Properties;

describe('functions', () => {
  test('exactly one Lambda per manifest entry (plus CDK\'s dashboard deployment handler)', () => {
    const ours = MANIFEST.functions.map((f) => functionId(stack, f.name));
    assert.equal(new Set(ours).size, MANIFEST.functions.length);
    const all = Object.keys(template.findResources('AWS::Lambda::Function'));
    const others = all.filter((id) => !ours.includes(id));
    assert.equal(others.length, 1);
    assert.match(others[0] ?? '', /^CustomCDKBucketDeployment/);
  });

  for (const spec of MANIFEST.functions) {
    describe(spec.name, () => {
      const props = lambdaProps(spec.name);

      test('runtime, architecture, handler, memory and timeout', () => {
        assert.equal(props.Runtime, 'provided.al2023');
        assert.deepEqual(props.Architectures, ['x86_64']);
        assert.equal(props.Handler, 'bootstrap');
        assert.equal(props.MemorySize, spec.memoryMb);
        assert.equal(props.Timeout, spec.timeoutSeconds);
      });

      test('environment variables are exactly the manifest\'s', () => {
        const keys = Object.keys(props.Environment?.Variables ?? {}).sort();
        assert.deepEqual(keys, [...spec.environment].sort());
        for (const key of keys) assert.notEqual(props.Environment?.Variables[key], undefined);
      });

      test('its own log group, with a retention, deleted with the stack', () => {
        const groupId = props.LoggingConfig?.LogGroup.Ref;
        assert.ok(groupId);
        template.hasResource('AWS::Logs::LogGroup', {
          Properties: { RetentionInDays: 30 },
          DeletionPolicy: 'Delete',
        });
        const group = template.findResources('AWS::Logs::LogGroup')[groupId] as {
          Properties: { RetentionInDays?: number };
          DeletionPolicy: string;
        };
        assert.ok(group.Properties.RetentionInDays);
        assert.equal(group.DeletionPolicy, 'Delete');
      });

      const roleId = props.Role['Fn::GetAtt'][0];
      const statements = roleStatements(template, roleId);
      const [logs, ...granted] = [
        statements.find((s) => s.Sid === LOG_STATEMENT_SID),
        ...statements.filter((s) => s.Sid !== LOG_STATEMENT_SID),
      ];

      test('its role writes only its own log group, with no managed policy', () => {
        assert.ok(logs);
        assert.deepEqual(list(logs.Action).sort(), ['logs:CreateLogStream', 'logs:PutLogEvents']);
        assert.deepEqual(logs.Resource, { 'Fn::GetAtt': [props.LoggingConfig?.LogGroup.Ref, 'Arn'] });
        const role = template.findResources('AWS::IAM::Role')[roleId] as { Properties: Record<string, unknown> };
        assert.equal(role.Properties.ManagedPolicyArns, undefined);
        const usedBy = Object.values(template.findResources('AWS::Lambda::Function')).filter(
          (f) => JSON.stringify((f as { Properties: FunctionProps }).Properties.Role) === JSON.stringify(props.Role),
        );
        assert.equal(usedBy.length, 1, 'a role per function');
      });

      test('its role grants exactly the manifest\'s actions', () => {
        const actual = new Set(granted.flatMap((s) => list(s.Action)));
        const expected = new Set(spec.permissions.flatMap((p) => p.actions));
        assert.deepEqual([...actual].sort(), [...expected].sort());
      });

      test('on exactly the manifest\'s resources', () => {
        const expected = spec.permissions.map((p) => ({
          sid: pascal(p.resource),
          actions: [...p.actions].sort(),
          resources: stack.resolve(stack.resourceBindings[p.resource].arns) as unknown[],
        }));
        const actual = granted.map((s) => ({
          sid: s.Sid ?? '',
          actions: list(s.Action).sort(),
          resources: list(s.Resource),
        }));
        for (const e of expected) {
          const mine = actual.filter((a) => a.sid.replace(/\d+$/, '') === e.sid);
          assert.ok(mine.length > 0, `statement ${e.sid}`);
          assert.deepEqual(mine.flatMap((a) => a.actions).sort(), e.actions);
          for (const a of mine) assert.deepEqual(a.resources, e.resources);
        }
        assert.equal(actual.length, actual.filter((a) => expected.some((e) => a.sid.replace(/\d+$/, '') === e.sid)).length);
      });
    });
  }
});

describe('resource bindings', () => {
  const resolved = (symbol: keyof typeof stack.resourceBindings) =>
    JSON.stringify(stack.resolve(stack.resourceBindings[symbol].arns));
  const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

  test('table: the table and its indexes', () => {
    const table = id(stack.data.table);
    assert.deepEqual(stack.resolve(stack.resourceBindings.table.arns), [
      { 'Fn::GetAtt': [table, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/*']] },
    ]);
  });

  test('jobs and results: their prefixes in the jobs bucket', () => {
    const bucket = id(stack.data.jobsBucket);
    assert.deepEqual(stack.resolve(stack.resourceBindings.jobObjects.arns), [
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${MANIFEST.runner.jobsPrefix}*`]] },
    ]);
    assert.deepEqual(stack.resolve(stack.resourceBindings.resultObjects.arns), [
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${MANIFEST.runner.resultsPrefix}*`]] },
    ]);
  });

  test('secrets: the three stack secrets by ARN, app secrets under trellis/<stack>/', () => {
    assert.deepEqual(stack.resolve(stack.resourceBindings.apiTokenSecret.arns), [{ Ref: id(stack.secrets.apiToken) }]);
    assert.deepEqual(stack.resolve(stack.resourceBindings.webhookSecret.arns), [{ Ref: id(stack.secrets.webhookSecret) }]);
    assert.deepEqual(stack.resolve(stack.resourceBindings.githubAppSecret.arns), [{ Ref: id(stack.secrets.githubApp) }]);
    assert.ok(resolved('appSecrets').includes(':secret:trellis/Trellis/*'), resolved('appSecrets'));
  });

  test('ECS: the runner family\'s revisions and the runner cluster\'s tasks', () => {
    assert.ok(resolved('runnerTaskDefinition').includes(':task-definition/Trellis-runner:*'));
    assert.ok(resolved('runnerTasks').includes(`:task/",{"Ref":"${id(stack.runner.cluster)}"},"/*"`), resolved('runnerTasks'));
  });

  test('roles: the execution role, and deploy roles by prefix', () => {
    assert.deepEqual(stack.resolve(stack.resourceBindings.runnerExecutionRole.arns), [
      { 'Fn::GetAtt': [id(stack.runner.executionRole), 'Arn'] },
    ]);
    assert.ok(resolved('deployRoles').includes(':role/trellis-deploy-*'), resolved('deployRoles'));
  });

  test('WebSocket connections of the live stage', () => {
    const api = stack.getLogicalId(stack.webSocketApi.api.node.defaultChild as never);
    assert.ok(resolved('websocketConnections').includes(`{"Ref":"${api}"},"/live/*/@connections/*"`), resolved('websocketConnections'));
  });

  test('PassRole only to ECS tasks; RunTask and StopTask only in the runner cluster', () => {
    const cluster = { 'Fn::GetAtt': [id(stack.runner.cluster), 'Arn'] };
    for (const { statement } of allStatements(template)) {
      const actions = list(statement.Action);
      if (actions.includes('iam:PassRole')) {
        assert.deepEqual(statement.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      }
      if (actions.includes('ecs:RunTask') || actions.includes('ecs:StopTask')) {
        assert.deepEqual(statement.Condition, { ArnEquals: { 'ecs:cluster': cluster } });
      }
    }
  });

  test('no Resource "*" but where AWS requires it (ecr:GetAuthorizationToken)', () => {
    const star = allStatements(template).filter(({ statement }) => list(statement.Resource).includes('*'));
    for (const { owner, statement } of star) {
      assert.deepEqual(list(statement.Action), ['ecr:GetAuthorizationToken'], `${owner}: ${JSON.stringify(statement)}`);
    }
    assert.equal(star.length, 1);
  });

  test('no Allow with a wildcard action, and no Deny needed', () => {
    for (const { owner, statement } of allStatements(template) as { owner: string; statement: Statement }[]) {
      assert.equal(statement.Effect, 'Allow');
      if (!owner.startsWith('DashboardContentHandlerRole')) {
        for (const action of list(statement.Action)) assert.doesNotMatch(action, /\*/, owner);
      }
    }
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 1);
  });
});
