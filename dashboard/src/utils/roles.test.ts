import { describe, expect, it } from 'vitest';

import { deployment, environment } from '../test/fixtures';
import { roleNeeded, whyNoApprove, whyNoReject, whyNotYourRole } from './roles';

const staging = environment('staging', 1);
const production = environment('production', 2, { protected: true, requiresApproval: true });
const forkPreview = environment('pr-15', 1015, {
  branch: 'patch-1',
  requiresApproval: true,
  preview: { number: 15, headRef: 'patch-1', headRepository: 'alice/shop', fork: true, closed: false },
});
const waiting = deployment('w1', { environment: 'pr-15', status: 'awaiting_approval', requestedBy: 'grace' });

describe('the role each action needs', () => {
  it('matches the API: deployers outside protected environments, admins for the rest', () => {
    expect(roleNeeded('deploy', staging)).toBe('deployer');
    expect(roleNeeded('deploy', production)).toBe('admin');
    expect(roleNeeded('promote', production)).toBe('admin');
    expect(roleNeeded('teardown', staging)).toBe('admin');
    expect(roleNeeded('configure', staging)).toBe('admin');
    expect(roleNeeded('approve', staging)).toBe('admin');
    expect(roleNeeded('approve', production)).toBe('admin');
    expect(roleNeeded('clearCache', staging)).toBe('deployer');
    expect(roleNeeded('clearCache', production)).toBe('admin');
  });

  it("lets a deployer approve in a pull request's preview, and nothing more there", () => {
    expect(roleNeeded('approve', forkPreview)).toBe('deployer');
    expect(roleNeeded('deploy', forkPreview)).toBe('deployer');
    expect(roleNeeded('teardown', forkPreview)).toBe('admin');
    expect(roleNeeded('configure', forkPreview)).toBe('admin');
  });
});

describe('approving and rejecting', () => {
  it('allows a deployer in a preview, not in a pipeline environment', () => {
    expect(whyNoApprove('deployer', forkPreview, waiting, 'ada')).toBeUndefined();
    expect(whyNoReject('deployer', forkPreview)).toBeUndefined();
    expect(whyNoApprove('deployer', production, waiting, 'ada')).toBe('Your role here is deployer: this needs the admin role.');
    expect(whyNoReject('deployer', production)).toBe('Your role here is deployer: this needs the admin role.');
  });

  it('refuses a viewer everywhere', () => {
    expect(whyNoApprove('viewer', forkPreview, waiting, 'ada')).toBe('Your role here is viewer: this needs the deployer role.');
    expect(whyNotYourRole('viewer', 'approve', forkPreview)).toBe('Your role here is viewer: this needs the deployer role.');
  });

  it('never lets the requester approve their own deployment', () => {
    expect(whyNoApprove('deployer', forkPreview, waiting, 'grace')).toBe('You requested it; someone else must approve it.');
    expect(whyNoApprove('admin', production, waiting, 'grace')).toBe('You requested it; another admin must approve it.');
    expect(whyNoReject('deployer', forkPreview)).toBeUndefined();
  });

  it('lets the admin token, which has no role, decide anywhere', () => {
    expect(whyNoApprove(null, production, waiting, 'admin token')).toBeUndefined();
    expect(whyNoApprove(undefined, forkPreview, waiting, 'admin token')).toBeUndefined();
  });
});
