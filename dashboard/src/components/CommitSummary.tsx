import type { Commit, Repository } from '../api/types';
import { firstLine, shortSha } from '../utils/format';

export function commitUrl(repository: Repository, sha: string): string | undefined {
  if (repository.provider === 'github' && repository.fullName) {
    return `https://github.com/${repository.fullName}/commit/${sha}`;
  }
  return undefined;
}

/** Short sha (a link where the provider has a web page for it), message and author. */
export function CommitSummary({ commit, repository }: { commit: Commit; repository: Repository }) {
  const url = commitUrl(repository, commit.sha);
  const sha = <code title={commit.sha}>{shortSha(commit.sha)}</code>;
  return (
    <span className="commit">
      {url ? (
        <a href={url} target="_blank" rel="noreferrer">
          {sha}
        </a>
      ) : (
        sha
      )}{' '}
      <span className="commit-message">{firstLine(commit.message)}</span>
      {commit.author ? <span className="commit-author"> — {commit.author}</span> : null}
    </span>
  );
}
