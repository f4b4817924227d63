import type {
  AddListenerCertificatesInput, Certificate, DescribeListenerCertificatesInput, DescribeSSLPoliciesInput, Listener, RemoveListenerCertificatesInput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Elbv2Deps } from "../deps.js";
import { certificateNotFound, operationNotPermitted, sslPolicyNotFound, tooManyCertificates, validation } from "../errors.js";
import { page } from "../pagination.js";
import { requireListener } from "../listeners/listeners.js";
import { saveListener, sniCertificatesOf, SNI_CERTIFICATES } from "../listeners/listener-store.js";
import { readCertificate } from "./certificate-files.js";
import { describeSslPolicy, sslPolicyNames } from "./ssl-policies.js";

/** ALB's quota "Certificates per Application Load Balancer (excluding default certificates)", applied per listener. */
const CERTIFICATES_PER_LISTENER = 25;

/**
 * A listener's certificate list (SNI): the default certificate is the listener's `Certificates`
 * (CreateListener / ModifyListener); AddListenerCertificates adds the others, which clients
 * reach by the name they ask for (SNI). DescribeListenerCertificates shows both, the default with
 * IsDefault true.
 */
export function listenerCertificateHandlers({ db, config }: Elbv2Deps): Record<string, Handler> {
  const requireSecure = (ctx: RequestContext, arn: string | undefined): Listener => {
    const { listener } = requireListener(db, ctx, arn);
    if (listener.Protocol !== "HTTPS" && listener.Protocol !== "TLS") {
      throw validation(`Certificates can be added only to HTTPS and TLS listeners, not to a ${listener.Protocol} listener`);
    }
    return listener;
  };
  return {
    AddListenerCertificates: (input: AddListenerCertificatesInput, ctx: RequestContext) =>
      db.transaction(() => {
        const listener = requireSecure(ctx, input.ListenerArn);
        const list = sniCertificatesOf(listener);
        const defaults = new Set((listener.Certificates ?? []).map((c) => c.CertificateArn));
        const added: Certificate[] = [];
        for (const { CertificateArn: arn } of input.Certificates ?? []) {
          if (arn === undefined) throw validation("A certificate ARN must be specified");
          if (!readCertificate(config.loadBalancerCertificatesDir, arn).ok) throw certificateNotFound(arn);
          added.push({ CertificateArn: arn, IsDefault: false });
          // Already in the list (or the default): the call succeeds and adds nothing, as on AWS.
          if (defaults.has(arn) || list.includes(arn)) continue;
          list.push(arn);
        }
        if (list.length > CERTIFICATES_PER_LISTENER) throw tooManyCertificates(`A listener can have at most ${CERTIFICATES_PER_LISTENER} certificates besides its default certificate`);
        saveListener(db, { ...listener, [SNI_CERTIFICATES]: list } as Listener);
        return { Certificates: added };
      })(),

    RemoveListenerCertificates: (input: RemoveListenerCertificatesInput, ctx: RequestContext) =>
      db.transaction(() => {
        const listener = requireSecure(ctx, input.ListenerArn);
        const defaults = new Set((listener.Certificates ?? []).map((c) => c.CertificateArn));
        const removing = new Set((input.Certificates ?? []).map((c) => c.CertificateArn));
        for (const arn of removing) {
          if (defaults.has(arn)) throw operationNotPermitted("The default certificate of a listener cannot be removed; use ModifyListener to replace it");
        }
        saveListener(db, { ...listener, [SNI_CERTIFICATES]: sniCertificatesOf(listener).filter((arn) => !removing.has(arn)) } as Listener);
        return {};
      })(),

    DescribeListenerCertificates: (input: DescribeListenerCertificatesInput, ctx: RequestContext) => {
      const { listener } = requireListener(db, ctx, input.ListenerArn);
      const all: Certificate[] = [
        ...(listener.Certificates ?? []).map((c) => ({ CertificateArn: c.CertificateArn, IsDefault: true })),
        ...sniCertificatesOf(listener).map((arn) => ({ CertificateArn: arn, IsDefault: false })),
      ];
      const { items, NextMarker } = page(all, input);
      return { Certificates: items, NextMarker };
    },

    DescribeSSLPolicies: (input: DescribeSSLPoliciesInput) => {
      const names = input.Names?.length ? input.Names : sslPolicyNames();
      const known = new Set(sslPolicyNames());
      const missing = names.find((n) => !known.has(n));
      if (missing !== undefined) throw sslPolicyNotFound(missing);
      // Every predefined policy serves both types; a gateway load balancer has none.
      const policies = input.LoadBalancerType === "gateway" ? [] : names.map(describeSslPolicy);
      const { items, NextMarker } = page(policies, input);
      return { SslPolicies: items, NextMarker };
    },
  };
}
