/**
 * The event-driven triggers: the runner log group's subscription filter, the EventBridge rule
 * for the runner cluster's ECS task state changes, and the schedules.
 */
import { Duration } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { pascal } from './functions';

export class Triggers extends Construct {
  /** Every line the runner writes goes to `handler`. */
  subscribeToRunnerLogs(name: string, handler: lambda.IFunction, logGroup: logs.ILogGroup): void {
    new logs.SubscriptionFilter(this, `${pascal(name)}Subscription`, {
      logGroup,
      destination: new LambdaDestination(handler),
      filterPattern: logs.FilterPattern.allEvents(),
    });
  }

  /** ECS Task State Change events of the runner cluster go to `handler`. */
  onTaskStateChange(name: string, handler: lambda.IFunction, cluster: ecs.ICluster): void {
    new events.Rule(this, `${pascal(name)}Rule`, {
      description: `Trellis: runner task state changes → ${name}`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [cluster.clusterArn] },
      },
      targets: [new targets.LambdaFunction(handler, { retryAttempts: 4 })],
    });
  }

  /** `handler` runs every `minutes` minutes. */
  onSchedule(name: string, handler: lambda.IFunction, minutes: number): void {
    new events.Rule(this, `${pascal(name)}Schedule`, {
      description: `Trellis: ${name} every ${String(minutes)} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(minutes)),
      targets: [new targets.LambdaFunction(handler, { retryAttempts: 0 })],
    });
  }
}
