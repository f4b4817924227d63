import { randomBytes, randomInt } from "node:crypto";

/**
 * IAM's unique ids and keys. Ids are a 4-letter prefix that says what they name (AROA role, AIDA
 * user, ANPA managed policy, AIPA instance profile) and 17 characters of AWS's base-32 alphabet;
 * access key ids are AKIA (long-term) or ASIA (temporary) and 16 characters.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const randomChars = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");

export const newUniqueId = (prefix: "AROA" | "AIDA" | "ANPA" | "AIPA") => `${prefix}${randomChars(17)}`;
export const newAccessKeyId = (prefix: "AKIA" | "ASIA") => `${prefix}${randomChars(16)}`;
/** 40 characters, as AWS's secret access keys are. */
export const newSecretAccessKey = () => randomBytes(30).toString("base64").replace(/\+/g, "a").replace(/\//g, "b");
/** Opaque to clients; only its equality with the X-Amz-Security-Token a request carries matters. */
export const newSessionToken = () => `IQoJb3JpZ2luX2VjE${randomBytes(96).toString("base64")}`;
