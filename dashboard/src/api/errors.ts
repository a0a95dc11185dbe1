import type { ErrorDetail } from './types';

/** A refusal or failure, in words a person can act on. `field` names the request field at
 * fault (`repository.path`, `variables.API_KEY`) when the API said which. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, detail: ErrorDetail) {
    super(detail.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = detail.code;
    this.field = detail.field ?? undefined;
  }

  static network(cause: unknown): ApiError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new ApiError(0, {
      code: 'unreachable',
      message: `The Trellis server cannot be reached (${reason}). Check that it is running.`,
    });
  }
}

function isErrorBody(body: unknown): body is { error: ErrorDetail } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = body.error;
  return typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string';
}

/** The API's error body, or a readable stand-in when a proxy answered instead of Trellis. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(status, body.error);
  const message =
    status === 401
      ? 'The token was not accepted.'
      : status >= 500
        ? `The server failed (HTTP ${status}). Try again; if it persists, check the server's log.`
        : `The request was refused (HTTP ${status}).`;
  return new ApiError(status, { code: status === 401 ? 'unauthorized' : 'http', message });
}

/** The message to show for anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
