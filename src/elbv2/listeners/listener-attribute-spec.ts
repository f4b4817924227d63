/**
 * The listener attributes AWS documents (ListenerAttribute in the API reference, "HTTP header
 * modification" in the ALB guide), by listener protocol. An attribute with a `shown` default is
 * always in DescribeListenerAttributes, as AWS shows routing.http.response.server.enabled on ALB
 * listeners and tcp.idle_timeout.seconds on NLB TCP listeners; the header names and values appear
 * only once set (an empty value clears one), as AWS leaves them out until then.
 */
export interface ListenerAttributeSpec {
  shown?: string;
  /** Why a value is not valid ("must be ..."), or undefined. "" reaches only attributes without `shown`. */
  check: (value: string) => string | undefined;
}

// RFC 9110: a header name is a token; a header value is visible ASCII, spaces and tabs.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/;

const bool = (shown: boolean): ListenerAttributeSpec => ({ shown: String(shown), check: (v) => (v === "true" || v === "false" ? undefined : "must be true or false") });
const headerName: ListenerAttributeSpec = { check: (v) => (v === "" || (TOKEN.test(v) && v.length <= 128) ? undefined : "must be a valid HTTP header name of at most 128 characters") };
const headerValue = (check: (v: string) => string | undefined = () => undefined): ListenerAttributeSpec => ({
  check: (v) => (v === "" ? undefined : FIELD_VALUE.test(v) && v.length <= 4096 ? check(v) : "must be a valid HTTP header value of at most 4096 characters"),
});
const exactly = (...values: string[]) => (v: string) => (values.includes(v) ? undefined : `must be ${values.join(" or ")}`);

const tcp: Record<string, ListenerAttributeSpec> = {
  // "The valid range is 60-6000 seconds. The default is 350 seconds."
  "tcp.idle_timeout.seconds": { shown: "350", check: (v) => (/^\d{1,4}$/.test(v) && Number(v) >= 60 && Number(v) <= 6000 ? undefined : "must be an integer from 60 to 6000") },
};

const http: Record<string, ListenerAttributeSpec> = {
  "routing.http.response.server.enabled": bool(true),
  "routing.http.response.strict_transport_security.header_value": headerValue((v) => (/(^|;)\s*max-age=\d+\s*(;|$)/i.test(v) ? undefined : "must have a max-age=<seconds> directive")),
  "routing.http.response.access_control_allow_origin.header_value": headerValue(),
  "routing.http.response.access_control_allow_methods.header_value": headerValue((v) => (v.split(",").every((m) => TOKEN.test(m.trim())) ? undefined : "must be a comma-separated list of HTTP methods")),
  "routing.http.response.access_control_allow_headers.header_value": headerValue(),
  "routing.http.response.access_control_allow_credentials.header_value": headerValue(exactly("true")),
  "routing.http.response.access_control_expose_headers.header_value": headerValue(),
  "routing.http.response.access_control_max_age.header_value": headerValue((v) => (/^\d{1,9}$/.test(v) ? undefined : "must be a number of seconds")),
  "routing.http.response.content_security_policy.header_value": headerValue(),
  "routing.http.response.x_content_type_options.header_value": headerValue(exactly("nosniff")),
  "routing.http.response.x_frame_options.header_value": headerValue((v) => (/^(DENY|SAMEORIGIN|ALLOW-FROM \S+)$/.test(v) ? undefined : "must be DENY, SAMEORIGIN or ALLOW-FROM <origin>")),
};

// The names of the mTLS and TLS headers an HTTPS listener adds to requests.
const https: Record<string, ListenerAttributeSpec> = {
  ...http,
  "routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name": headerName,
  "routing.http.request.x_amzn_mtls_clientcert_issuer.header_name": headerName,
  "routing.http.request.x_amzn_mtls_clientcert_subject.header_name": headerName,
  "routing.http.request.x_amzn_mtls_clientcert_validity.header_name": headerName,
  "routing.http.request.x_amzn_mtls_clientcert_leaf.header_name": headerName,
  "routing.http.request.x_amzn_mtls_clientcert.header_name": headerName,
  "routing.http.request.x_amzn_tls_version.header_name": headerName,
  "routing.http.request.x_amzn_tls_cipher_suite.header_name": headerName,
};

// AWS documents no attribute for TLS, UDP and TCP_UDP listeners (the TCP idle timeout is TCP's).
const BY_PROTOCOL: Record<string, Record<string, ListenerAttributeSpec>> = { HTTP: http, HTTPS: https, TCP: tcp };

export const listenerAttributeSpec = (protocol: string | undefined): Record<string, ListenerAttributeSpec> => BY_PROTOCOL[protocol ?? ""] ?? {};

/** Whether some listener protocol has the key (so a listener of another protocol refuses it as unsupported, not unknown). */
export const isListenerAttributeKey = (key: string) => Object.hasOwn(https, key) || Object.hasOwn(tcp, key);
