/**
 * cdk-nag suppressions, always on one resource and always with the reason that resource may
 * break the rule. Callers put them right beside the resource they concern.
 */
import { NagSuppressions } from 'cdk-nag';
import type { NagPackSuppression } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * `{ 'AwsSolutions-S1': 'reason' }` on the one CloudFormation resource `construct` stands for
 * (an L2's default child), not on the resources around it.
 */
export function suppress(construct: IConstruct, reasons: Record<string, string>): void {
  NagSuppressions.addResourceSuppressions(
    construct.node.defaultChild ?? construct,
    Object.entries(reasons).map(([id, reason]) => ({ id, reason })),
  );
}

/** A wildcard finding (AwsSolutions-IAM5) accepted for exactly the findings `appliesTo` matches. */
export interface Wildcard {
  /** A regular expression over cdk-nag's finding, e.g. `^Resource::<Bucket.Arn>/jobs/\*$`. */
  finding: RegExp;
  reason: string;
}

/** `text` as a regular expression that matches exactly it. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const PARTITION = '(?:aws[a-z-]*|<AWS::Partition>)';
const REGION = '(?:[a-z0-9-]+|<AWS::Region>)';
const ACCOUNT = '(?:[0-9]{12}|<AWS::AccountId>)';

/** cdk-nag's rendering of `arn:<partition>:<service>:<region>:<account>:` (literal or token). */
export const ARN_HEAD = (service: string): string =>
  `arn:${PARTITION}:${service}:${service === 'iam' || service === 's3' ? '' : REGION}:${service === 's3' ? '' : ACCOUNT}:`;

/**
 * Accepts IAM5 findings on a role (and on its default policy, where grants land) only where one
 * of `wildcards` matches the finding.
 */
export function suppressWildcards(construct: IConstruct, wildcards: Wildcard[]): void {
  if (wildcards.length === 0) return;
  const suppressions: NagPackSuppression[] = wildcards.map((w) => ({
    id: 'AwsSolutions-IAM5',
    reason: w.reason,
    appliesTo: [{ regex: `/${w.finding.source}/` }],
  }));
  NagSuppressions.addResourceSuppressions(construct, suppressions, true);
}
