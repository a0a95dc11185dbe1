import { ApiError, describeError } from '../api/errors';

/** An error from the API or the network, as a readable alert. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const field = error instanceof ApiError ? error.field : undefined;
  return (
    <div role="alert" className="error">
      {title ? <strong>{title}: </strong> : null}
      {describeError(error)}
      {field ? <span className="error-field"> (field: {field})</span> : null}
    </div>
  );
}
