import { useQuery } from '@tanstack/react-query';

import { branchesQuery } from '../../api/queries';
import { useApi } from '../../auth/SessionContext';

export const BRANCH_OPTIONS_ID = 'branch-options';

/** The repository's branches as suggestions for the tracked-branch input, and a word when
 * the branch typed is not one of them (it may be pushed later: that is allowed). */
export function BranchOptions({ app, typed }: { app: string; typed: string }) {
  const api = useApi();
  const branches = useQuery(branchesQuery(api, app));
  const names = (branches.data ?? []).map((b) => b.name);
  const name = typed.trim();
  return (
    <>
      <datalist id={BRANCH_OPTIONS_ID}>
        {names.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {branches.isError ? (
        <small className="hint">The repository&apos;s branches could not be listed: type the branch name.</small>
      ) : null}
      {branches.data && name && !names.includes(name) ? (
        <small className="hint" role="status">
          The repository has no branch “{name}” yet; pushes to it will deploy once it exists.
        </small>
      ) : null}
    </>
  );
}
