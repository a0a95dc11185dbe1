import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';

import { githubRepositoriesQuery } from '../../api/queries';
import type { GithubRepository } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';

/** Why the caller may not register a repository, in their words. */
function whyNot(repository: GithubRepository): string | undefined {
  if (repository.canRegister) return undefined;
  return `Registering it needs the admin or maintain permission on GitHub; you have ${repository.yourPermission ?? 'none'}.`;
}

interface Props {
  selected: GithubRepository | undefined;
  onSelect: (repository: GithubRepository) => void;
  error?: string | undefined;
}

/** The repositories of Trellis's GitHub App installations, searchable, one to pick. */
export function RepositoryPicker({ selected, onSelect, error }: Props) {
  const api = useApi();
  const [search, setSearch] = useState('');
  // Typing stays responsive; the list follows the last settled search.
  const deferred = useDeferredValue(search);
  const repositories = useQuery(githubRepositoriesQuery(api, deferred));
  const listed = repositories.data?.repositories ?? [];

  return (
    <fieldset className="repository-picker" aria-describedby={error ? 'repository-picker-error' : undefined}>
      <legend>GitHub repository</legend>
      <label htmlFor="repository-search">Search repositories</label>
      <input
        id="repository-search"
        type="search"
        value={search}
        placeholder="owner/name"
        maxLength={100}
        onChange={(e) => setSearch(e.target.value)}
      />
      {repositories.isPending ? <p>Loading repositories…</p> : null}
      <ErrorMessage error={repositories.error} title="Repositories could not be listed" />
      {repositories.data && listed.length === 0 ? (
        <p className="muted">
          {deferred.trim()
            ? `No repository matches “${deferred.trim()}”.`
            : 'No repository yet: install the GitHub App on one (Settings → GitHub).'}
        </p>
      ) : null}
      <ul className="repository-list" aria-label="Repositories">
        {listed.map((repository) => {
          const reason = whyNot(repository);
          const id = `repository-${repository.installationId}-${repository.fullName.replace(/\W/g, '-')}`;
          return (
            <li key={`${repository.installationId}/${repository.fullName}`}>
              <label htmlFor={id} className={reason ? 'muted' : undefined}>
                <input
                  id={id}
                  type="radio"
                  name="repository"
                  disabled={reason !== undefined}
                  checked={
                    selected?.fullName === repository.fullName && selected.installationId === repository.installationId
                  }
                  aria-describedby={reason ? `${id}-why` : undefined}
                  onChange={() => onSelect(repository)}
                />{' '}
                {repository.fullName}
                {repository.private ? ' (private)' : ''}
                {repository.apps.length > 0 ? ` — already registered as ${repository.apps.join(', ')}` : ''}
              </label>
              {reason ? (
                <small id={`${id}-why`} className="hint">
                  {reason}
                </small>
              ) : null}
            </li>
          );
        })}
      </ul>
      {repositories.data?.truncated ? <p className="hint">More repositories match: search to narrow them down.</p> : null}
      {error ? (
        <small id="repository-picker-error" className="field-error" role="alert">
          {error}
        </small>
      ) : null}
    </fieldset>
  );
}
