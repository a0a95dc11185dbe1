/**
 * Where Trellis keeps its state: the DynamoDB table (shaped exactly as the manifest's `table`)
 * the private bucket that carries sealed runner jobs and their results, and the one that keeps
 * environments' dependency caches.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { RunnerSpec, TableSpec } from './manifest';
import { suppress } from './nag';

const string = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

export class Data extends Construct {
  readonly table: dynamodb.Table;
  readonly jobsBucket: s3.Bucket;
  readonly cacheBucket: s3.Bucket;

  constructor(
    scope: Construct,
    id: string,
    props: { table: TableSpec; runner: RunnerSpec; cacheDays: number },
  ) {
    super(scope, id);
    const spec = props.table;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: string(spec.partitionKey),
      ...(spec.sortKey === undefined ? {} : { sortKey: string(spec.sortKey) }),
      ...(spec.ttlAttribute === undefined ? {} : { timeToLiveAttribute: spec.ttlAttribute }),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Apps, environments and the deployment history outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of spec.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: string(index.partitionKey),
        ...(index.sortKey === undefined ? {} : { sortKey: string(index.sortKey) }),
        projectionType:
          index.projection === 'ALL' ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
      });
    }

    // Sealed jobs and results live here for minutes: the launching function writes a job and
    // hands the runner presigned URLs to read it and to write its result. Nothing else reads it.
    this.jobsBucket = new s3.Bucket(this, 'JobsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [props.runner.jobsPrefix, props.runner.resultsPrefix].map((prefix) => ({
        id: `expire-${prefix.replace(/\/$/, '').replace(/[^A-Za-z0-9-]/g, '-')}`,
        prefix,
        expiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      })),
    });
    suppress(this.jobsBucket, {
      'AwsSolutions-S1':
        'Holds only sealed jobs and results that expire within a day, reached through short-lived ' +
        'presigned URLs; server access logs would copy those URLs, signatures included, into ' +
        'another bucket that outlives them.',
    });

    // One archive per app environment, replaced by each clean install and read through
    // presigned links; one not saved again within `cacheDays` expires (a rebuilt cache costs
    // one slower install). Nothing in it is secret or irreplaceable.
    this.cacheBucket = new s3.Bucket(this, 'CacheBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [
        {
          id: 'expire-dependency-caches',
          prefix: props.runner.cachePrefix,
          expiration: Duration.days(props.cacheDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    suppress(this.cacheBucket, {
      'AwsSolutions-S1':
        'Holds only package manager caches that expire, written and read through presigned ' +
        'URLs; server access logs would copy those URLs, signatures included, into another bucket.',
    });
  }
}
