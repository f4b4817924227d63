/**
 * Repository names and tags. A repository name is what both the OCI distribution spec and
 * ECR accept: path components of lower-case letters and digits joined by '.', '_', '__' or
 * runs of '-', separated by '/', 2 to 256 characters in all (ECR's limits). Neither '..' nor
 * an empty component nor a percent-escape can match, so a valid name is also a safe relative
 * path, though the store never uses names as paths anyway.
 */
const COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export const MIN_NAME_LENGTH = 2;
export const MAX_NAME_LENGTH = 256;

export const isRepositoryName = (s: string) => s.length >= MIN_NAME_LENGTH && s.length <= MAX_NAME_LENGTH && NAME.test(s);

/** Tags as the OCI spec defines them: up to 128 characters, not starting with '.' or '-'. */
export const isTag = (s: string) => TAG.test(s);
