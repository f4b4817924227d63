/**
 * A failure the caller is told about, named as AWS names it (ClusterNotFoundException, ...).
 * Domain code throws these; one mapper at the protocol edge turns them into the wire form
 * (AWS JSON envelope, Query XML, OCI errors). Domain code never chooses HTTP status codes:
 * `sender` says whose fault it is and the edge decides the rest.
 */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly sender: boolean = true,
    /** Extra members some exceptions carry on the wire (e.g. resourceIds). */
    readonly fields: Record<string, unknown> = {},
    /** Overrides the edge's default status; only for protocol-level errors (auth, size). */
    readonly status?: number,
  ) {
    super(message);
    this.name = code;
  }
}

export const clientException = (message: string) => new ServiceError("ClientException", message);
export const invalidParameter = (message: string) => new ServiceError("InvalidParameterException", message);
export const serverException = (message: string) => new ServiceError("ServerException", message, false);

/**
 * A problem with the credentials a request was signed with (expired session token). Query services
 * name these with their own codes (ExpiredToken) even where a model declares a same-named error
 * for another purpose (STS's ExpiredTokenException is about web identity tokens).
 */
export class CredentialError extends ServiceError {}
