/**
 * Where builds run: a Fargate task definition with NO task role (a build runs untrusted code,
 * so the task holds no credential but the deploy role its launcher passes for that one
 * environment), an execution role that can only pull the image and write the runner log group,
 * and a VPC of public subnets only (no NAT gateway, nothing running while idle) whose security
 * group lets tasks out on HTTPS and nothing in.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPOSITORY_ROOT } from './config';
import { suppress, suppressWildcards } from './nag';

/**
 * Kept out of the runner image's build context, fingerprint and staging (as in /.dockerignore):
 * build outputs, dependencies, the dashboard and this CDK app.
 */
export const DOCKER_EXCLUDES = [
  'target',
  '**/node_modules',
  '.venv',
  '.git',
  '.trellis',
  'dashboard',
  'cdk',
  'tests/sample-app/node_modules',
  '**/cdk.out',
];

export interface RunnerProps {
  family: string;
  containerName: string;
  cpu: number;
  memoryMiB: number;
  logRetention: logs.RetentionDays;
}

export class Runner extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly executionRole: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RunnerProps) {
    super(scope, id);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      // Nothing uses the default security group; restricting it would add a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
    });
    suppress(this.vpc, {
      'AwsSolutions-VPC7':
        'Flow logs cost money while idle and this VPC carries nothing but short-lived runner ' +
        'tasks whose security group only allows outbound HTTPS; their own logs record every step.',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: 'Trellis build runners: no inbound traffic, outbound HTTPS only',
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS (IPv4)');
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv6(), ec2.Port.tcp(443), 'HTTPS (IPv6)');

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc });
    suppress(this.cluster, {
      'AwsSolutions-ECS4':
        'Container Insights bills per task metric; runner tasks are short builds whose state ' +
        'changes already reach the task-state function and whose output is in the runner log group.',
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // The only role in the task definition: ECS uses it to pull the image and write the logs.
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Trellis build runner task execution role: pulls the image, writes the runner log group',
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      executionRole: this.executionRole,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
      },
    });
    this.taskDefinition.addContainer('Runner', {
      containerName: props.containerName,
      image: ecs.ContainerImage.fromAsset(REPOSITORY_ROOT, {
        file: 'build-runner/Dockerfile',
        exclude: DOCKER_EXCLUDES,
        platform: Platform.LINUX_AMD64,
      }),
      essential: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'runner' }),
    });
    // No task role: the launcher passes the environment's deploy role as the RunTask
    // `taskRoleArn` override, or none. The L2 always makes one, so drop it and its reference.
    (this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition).addPropertyDeletionOverride(
      'TaskRoleArn',
    );
    this.taskDefinition.node.tryRemoveChild('TaskRole');

    suppressWildcards(this.executionRole, [
      {
        finding: /^Resource::\*$/,
        reason: 'ecr:GetAuthorizationToken has no resource-level permissions: AWS requires "*".',
      },
    ]);
  }

  /** Subnet ids, comma-joined, for the launcher's RunTask network configuration. */
  get subnetIds(): string {
    return this.vpc.publicSubnets.map((s) => s.subnetId).join(',');
  }
}
