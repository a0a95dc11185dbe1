/**
 * The build runner: no task role, an execution role that can do nothing but pull and log, a
 * VPC with public subnets only and no NAT, HTTPS-only egress, and nothing running while idle.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { REPOSITORY_ROOT } from '../lib/config';
import { DOCKER_EXCLUDES } from '../lib/runner';
import { allStatements, list, MANIFEST, roleStatements, synth, trellis } from './helpers';

const { app, stack, template } = trellis();
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

describe('runner task definition', () => {
  const [taskDef] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as {
    Properties: Record<string, unknown> & { ContainerDefinitions: Record<string, unknown>[] };
  }[];
  assert.ok(taskDef);
  const props = taskDef.Properties;

  test('has no task role: the launcher passes the environment\'s deploy role, or none', () => {
    assert.equal(props.TaskRoleArn, undefined);
    assert.ok(!JSON.stringify(template.toJSON()).includes('TaskDefinitionTaskRole'));
  });

  test('the execution role is the only role ECS tasks can assume', () => {
    const ecsRoles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, r]) =>
      JSON.stringify((r as { Properties: { AssumeRolePolicyDocument: unknown } }).Properties.AssumeRolePolicyDocument).includes(
        'ecs-tasks.amazonaws.com',
      ),
    );
    assert.deepEqual(ecsRoles.map(([logicalId]) => logicalId), [id(stack.runner.executionRole)]);
    assert.deepEqual(props.ExecutionRoleArn, { 'Fn::GetAtt': [id(stack.runner.executionRole), 'Arn'] });
  });

  test('the execution role can only pull the image and write the runner log group', () => {
    const actions = roleStatements(template, id(stack.runner.executionRole)).flatMap((s) => list(s.Action));
    assert.deepEqual([...new Set(actions)].sort(), [
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const text = JSON.stringify(roleStatements(template, id(stack.runner.executionRole)));
    for (const forbidden of ['dynamodb', 'secretsmanager', 'ecs:', 'iam:', 's3:', id(stack.data.jobsBucket)]) {
      assert.ok(!text.includes(forbidden), forbidden);
    }
  });

  test('Fargate, x86_64, CPU and memory from context, awsvpc', () => {
    assert.deepEqual(props.RequiresCompatibilities, ['FARGATE']);
    assert.equal(props.NetworkMode, 'awsvpc');
    assert.equal(props.Cpu, '2048');
    assert.equal(props.Memory, '4096');
    assert.deepEqual(props.RuntimePlatform, { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' });
    assert.equal(props.Family, 'Trellis-runner');
  });

  test('one container, named as the manifest says, logging to the runner log group, no secrets', () => {
    assert.equal(props.ContainerDefinitions.length, 1);
    const [container] = props.ContainerDefinitions;
    assert.ok(container);
    assert.equal(container.Name, MANIFEST.runner.container);
    assert.deepEqual(container.LogConfiguration, {
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: id(stack.runner.logGroup) },
        'awslogs-stream-prefix': 'runner',
        'awslogs-region': { Ref: 'AWS::Region' },
      },
    });
    assert.equal(container.Secrets, undefined);
    assert.equal(container.Environment, undefined);
    assert.match(JSON.stringify(container.Image), /container-assets/);
  });

  test('the runner log group keeps its lines for a while', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', Match.objectLike({ RetentionInDays: 30 }));
    const group = template.findResources('AWS::Logs::LogGroup')[id(stack.runner.logGroup)] as { Properties: { RetentionInDays: number } };
    assert.equal(group.Properties.RetentionInDays, 30);
  });

  test('the image is an asset built from the repository root with build-runner/Dockerfile, big directories left out', () => {
    const assets = JSON.parse(readFileSync(path.join(app.outdir, `${stack.artifactId}.assets.json`), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform: string } }>;
    };
    const images = Object.values(assets.dockerImages);
    assert.equal(images.length, 1);
    const [image] = images;
    assert.ok(image);
    assert.equal(image.source.dockerFile, 'build-runner/Dockerfile');
    assert.equal(image.source.platform, 'linux/amd64');
    const staged = readdirSync(path.join(app.outdir, image.source.directory));
    for (const present of ['Cargo.toml', 'Cargo.lock', 'build-runner', 'functions']) assert.ok(staged.includes(present), present);
    for (const absent of ['target', '.git', '.venv', 'cdk', 'dashboard', 'node_modules', '.trellis']) {
      assert.ok(!staged.includes(absent), absent);
    }
    assert.ok(!existsSync(path.join(app.outdir, image.source.directory, 'tests', 'sample-app', 'node_modules')));
  });

  test('the exclusions match /.dockerignore', () => {
    const ignored = readFileSync(path.join(REPOSITORY_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual([...ignored].sort(), [...DOCKER_EXCLUDES].sort());
  });
});

describe('network', () => {
  test('no NAT gateway, no instances, no services: nothing runs while idle', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Instance', 0);
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    template.resourceCountIs('AWS::ECS::Service', 0);
    template.resourceCountIs('AWS::ECS::CapacityProvider', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
  });

  test('two public subnets with a route to the internet gateway, and nothing private', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true });
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.allResourcesProperties('AWS::EC2::Route', {
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: Match.anyValue(),
    });
    assert.equal(stack.runner.vpc.privateSubnets.length, 0);
    assert.equal(stack.runner.vpc.isolatedSubnets.length, 0);
  });

  test('the runner security group: nothing in, HTTPS out (IPv4 and IPv6) and nothing else', () => {
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    const sg = template.findResources('AWS::EC2::SecurityGroup')[id(stack.runner.securityGroup)] as {
      Properties: { SecurityGroupIngress?: unknown; SecurityGroupEgress: Record<string, unknown>[] };
    };
    assert.equal(sg.Properties.SecurityGroupIngress, undefined);
    const egress = sg.Properties.SecurityGroupEgress.map((e) => ({
      cidr: e.CidrIp ?? e.CidrIpv6,
      proto: e.IpProtocol,
      from: e.FromPort,
      to: e.ToPort,
    }));
    assert.deepEqual(egress, [
      { cidr: '0.0.0.0/0', proto: 'tcp', from: 443, to: 443 },
      { cidr: '::/0', proto: 'tcp', from: 443, to: 443 },
    ]);
  });

  test('the functions run outside any VPC, and tasks get a public IP', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    assert.equal(stack.environmentValues.TRELLIS_ECS_PUBLIC_IP, 'true');
    const subnets = JSON.stringify(stack.resolve(stack.environmentValues.TRELLIS_ECS_SUBNETS));
    for (const subnet of stack.runner.vpc.publicSubnets) {
      assert.ok(subnets.includes(`"${stack.getLogicalId(subnet.node.defaultChild as never)}"`));
    }
    assert.deepEqual(stack.resolve(stack.environmentValues.TRELLIS_ECS_SECURITY_GROUPS), {
      'Fn::GetAtt': [id(stack.runner.securityGroup), 'GroupId'],
    });
  });
});

describe('jobs bucket', () => {
  test('private, SSL only, S3-managed encryption, unversioned', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[id(stack.data.jobsBucket)] as { Properties: Record<string, unknown> };
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(bucket.Properties.BucketEncryption, {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    assert.equal(bucket.Properties.VersioningConfiguration, undefined);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id(stack.data.jobsBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('jobs and results expire after a day', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[id(stack.data.jobsBucket)] as {
      Properties: { LifecycleConfiguration: { Rules: { Prefix: string; ExpirationInDays: number; Status: string }[] } };
    };
    const rules = bucket.Properties.LifecycleConfiguration.Rules;
    assert.deepEqual(rules.map((r) => [r.Prefix, r.ExpirationInDays, r.Status]), [
      [MANIFEST.runner.jobsPrefix, 1, 'Enabled'],
      [MANIFEST.runner.resultsPrefix, 1, 'Enabled'],
    ]);
  });
});

describe('dependency cache bucket', () => {
  const cacheId = () => id(stack.data.cacheBucket);

  test('private, SSL only, and archives not saved again expire (30 days by default)', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[cacheId()] as {
      Properties: {
        PublicAccessBlockConfiguration: Record<string, boolean>;
        LifecycleConfiguration: { Rules: { Prefix: string; ExpirationInDays: number; Status: string }[] };
      };
    };
    assert.ok(Object.values(bucket.Properties.PublicAccessBlockConfiguration).every(Boolean));
    assert.deepEqual(
      bucket.Properties.LifecycleConfiguration.Rules.map((r) => [r.Prefix, r.ExpirationInDays, r.Status]),
      [[MANIFEST.runner.cachePrefix, 30, 'Enabled']],
    );
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: cacheId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('only the functions that clear caches may delete from it; nothing else reads it but by link', () => {
    const touching = new Map<string, Set<string>>();
    for (const { owner, statement } of allStatements(template)) {
      if (!JSON.stringify(statement.Resource ?? '').includes(cacheId())) continue;
      const actions = touching.get(owner) ?? new Set<string>();
      for (const a of list(statement.Action)) actions.add(a);
      touching.set(owner, actions);
    }
    const deleting = [...touching.entries()].filter(([, a]) => a.has('s3:DeleteObject'));
    const clearing = MANIFEST.functions.filter((f) =>
      f.permissions.some((p) => p.resource === 'cacheObjects' && p.actions.includes('s3:DeleteObject')),
    );
    assert.deepEqual(
      clearing.map((f) => f.name).sort(),
      ['app-delete', 'environment-cache-clear'],
    );
    assert.equal(deleting.length, clearing.length, JSON.stringify([...touching.entries()].map(([o, a]) => [o, [...a]])));
    for (const actions of touching.values()) {
      for (const a of actions) {
        assert.ok(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'].includes(a), a);
      }
    }
    // The runner's own roles never reach the bucket: its task gets links for its environment only.
    for (const role of [stack.runner.executionRole]) {
      const actions = roleStatements(template, id(role)).map((s) => JSON.stringify(s.Resource ?? ''));
      assert.ok(actions.every((r) => !r.includes(cacheId())), 'the execution role cannot touch the cache');
    }
  });

  test('dependencyCacheDays sets the expiry', () => {
    const { stack: other, template: t } = synth({ dependencyCacheDays: 7 }, false);
    const b = t.findResources('AWS::S3::Bucket')[
      other.getLogicalId(other.data.cacheBucket.node.defaultChild as never)
    ] as { Properties: { LifecycleConfiguration: { Rules: { ExpirationInDays: number }[] } } };
    assert.deepEqual(b.Properties.LifecycleConfiguration.Rules.map((r) => r.ExpirationInDays), [7]);
  });
});
