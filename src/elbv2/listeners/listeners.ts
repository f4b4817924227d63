import type { Certificate, CreateListenerInput, DeleteListenerInput, DescribeListenersInput, Listener, ModifyListenerInput, Rule } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Handler } from "../../aws/service.js";
import type { RequestContext } from "../../aws/request-context.js";
import type { Scope } from "../../core/arn.js";
import type { Db } from "../../store/database.js";
import type { Elbv2Deps } from "../deps.js";
import { certificateNotFound, duplicateListener, listenerNotFound, listenerPortInUse, sslPolicyNotFound, unsupportedProtocol, validation } from "../errors.js";
import { readCertificate } from "../certificates/certificate-files.js";
import { defaultSslPolicy, sslPolicyVersions } from "../certificates/ssl-policies.js";
import { listenerArn, newElbId, ruleArn } from "../ids.js";
import { page } from "../pagination.js";
import { addTags, checkTags, dropTags } from "../tags/tag-store.js";
import { findLoadBalancer, type StoredLoadBalancer } from "../load-balancers/load-balancer-store.js";
import { requireLoadBalancer } from "../load-balancers/load-balancers.js";
import { rulesOf, saveRule } from "../rules/rule-store.js";
import { checkActions } from "./actions.js";
import { findListener, listenersOf, publicListener, saveListener, SNI_CERTIFICATES, sniCertificatesOf } from "./listener-store.js";

const PROTOCOLS = { application: ["HTTP", "HTTPS"], network: ["TCP", "UDP", "TCP_UDP", "TLS"] } as const;

/** The listener an ARN names and its load balancer (in this account and region), or ListenerNotFound. */
export function requireListener(db: Db, scope: Scope, arn: string | undefined): { listener: Listener; lb: StoredLoadBalancer } {
  const listener = arn === undefined ? undefined : findListener(db, arn);
  const lb = listener && findLoadBalancer(db, scope, listener.LoadBalancerArn!);
  if (!listener || !lb) throw listenerNotFound();
  return { listener, lb };
}

function checkProtocol(lb: StoredLoadBalancer, protocol: string | undefined, certificates: Certificate[] | undefined, sslPolicy: string | undefined, certificatesDir: string | undefined) {
  if (protocol === undefined) throw validation("A listener protocol must be specified");
  const allowed: readonly string[] = PROTOCOLS[lb.doc.Type as keyof typeof PROTOCOLS] ?? [];
  if (!allowed.includes(protocol)) throw unsupportedProtocol(`Protocol '${protocol}' is not supported for load balancers of type '${lb.doc.Type}'`);
  if (protocol !== "HTTPS" && protocol !== "TLS") return;
  if (!certificates?.length) throw validation(`A certificate must be specified for ${protocol} listeners`);
  if (sslPolicy !== undefined && !sslPolicyVersions(sslPolicy)) throw sslPolicyNotFound(sslPolicy);
  // Berth's stand-in for ACM: the ARN must name a readable PEM in loadBalancerCertificatesDir.
  for (const { CertificateArn } of certificates) {
    if (CertificateArn === undefined) throw validation("A certificate ARN must be specified");
    if (!readCertificate(certificatesDir, CertificateArn).ok) throw certificateNotFound(CertificateArn);
  }
}

export function listenerHandlers({ db, config }: Elbv2Deps): Record<string, Handler> {
  const certificatesDir = config.loadBalancerCertificatesDir;
  return {
    CreateListener: (input: CreateListenerInput, ctx: RequestContext) =>
      db.transaction(() => {
        const lb = requireLoadBalancer(db, ctx, input.LoadBalancerArn);
        checkProtocol(lb, input.Protocol, input.Certificates, input.SslPolicy, certificatesDir);
        if (input.Port === undefined) throw validation("A listener port must be specified");
        checkTags(input.Tags);
        const actions = checkActions(db, ctx, lb, input.Protocol!, input.DefaultActions ?? []);
        const lbArn = lb.doc.LoadBalancerArn!;
        const same = listenersOf(db, lbArn).find((l) => l.Port === input.Port);
        if (same) {
          // As on AWS, the same listener again is the existing one.
          if (same.Protocol === input.Protocol && JSON.stringify(same.DefaultActions) === JSON.stringify(actions)) return { Listeners: [publicListener(same)] };
          throw duplicateListener(lbArn);
        }
        const arn = listenerArn(ctx, lbArn, newElbId());
        const tls = input.Protocol === "HTTPS" || input.Protocol === "TLS";
        const listener: Listener = {
          ListenerArn: arn, LoadBalancerArn: lbArn, Port: input.Port, Protocol: input.Protocol,
          ...(tls ? { Certificates: input.Certificates, SslPolicy: input.SslPolicy ?? defaultSslPolicy } : {}),
          ...(input.AlpnPolicy?.length ? { AlpnPolicy: input.AlpnPolicy } : {}),
          DefaultActions: actions,
        };
        saveListener(db, listener);
        // The default actions are the listener's default rule, which DescribeRules shows last.
        const rule: Rule = { RuleArn: ruleArn(ctx, arn, newElbId()), Priority: "default", Conditions: [], Actions: actions, IsDefault: true };
        saveRule(db, arn, rule);
        addTags(db, arn, input.Tags);
        return { Listeners: [listener] };
      })(),

    DescribeListeners: (input: DescribeListenersInput, ctx: RequestContext) => {
      const arns = input.ListenerArns ?? [];
      if (arns.length && input.LoadBalancerArn !== undefined) throw validation("Listener ARNs and a load balancer ARN cannot be specified at the same time");
      if (!arns.length && input.LoadBalancerArn === undefined) throw validation("You must specify either listener ARNs or a load balancer ARN");
      const found = arns.length ? arns.map((arn) => requireListener(db, ctx, arn).listener) : listenersOf(db, requireLoadBalancer(db, ctx, input.LoadBalancerArn).doc.LoadBalancerArn!);
      const { items, NextMarker } = page(found, input);
      return { Listeners: items.map(publicListener), NextMarker };
    },

    ModifyListener: (input: ModifyListenerInput, ctx: RequestContext) =>
      db.transaction(() => {
        const { listener, lb } = requireListener(db, ctx, input.ListenerArn);
        const protocol = input.Protocol ?? listener.Protocol!;
        const certificates = input.Certificates ?? listener.Certificates;
        checkProtocol(lb, protocol, certificates, input.SslPolicy, certificatesDir);
        const actions = input.DefaultActions ? checkActions(db, ctx, lb, protocol, input.DefaultActions) : listener.DefaultActions!;
        const port = input.Port ?? listener.Port!;
        if (listenersOf(db, lb.doc.LoadBalancerArn!).some((l) => l.Port === port && l.ListenerArn !== listener.ListenerArn)) throw listenerPortInUse(port);
        const tls = protocol === "HTTPS" || protocol === "TLS";
        const updated: Listener = {
          ListenerArn: listener.ListenerArn, LoadBalancerArn: listener.LoadBalancerArn, Port: port, Protocol: protocol,
          ...(tls ? { Certificates: certificates, SslPolicy: input.SslPolicy ?? listener.SslPolicy ?? defaultSslPolicy } : {}),
          ...(input.AlpnPolicy?.length ?? listener.AlpnPolicy?.length ? { AlpnPolicy: input.AlpnPolicy ?? listener.AlpnPolicy } : {}),
          DefaultActions: actions,
        };
        // The certificate list stays while the listener terminates TLS.
        const sni = tls ? sniCertificatesOf(listener) : [];
        saveListener(db, sni.length ? ({ ...updated, [SNI_CERTIFICATES]: sni } as Listener) : updated);
        const defaultRule = rulesOf(db, listener.ListenerArn!).find((r) => r.IsDefault)!;
        saveRule(db, listener.ListenerArn!, { ...defaultRule, Actions: actions });
        return { Listeners: [updated] };
      })(),

    DeleteListener: (input: DeleteListenerInput, ctx: RequestContext) =>
      db.transaction(() => {
        const { listener } = requireListener(db, ctx, input.ListenerArn);
        for (const rule of rulesOf(db, listener.ListenerArn!)) dropTags(db, rule.RuleArn!);
        dropTags(db, listener.ListenerArn!);
        // Its rules go with it (ON DELETE CASCADE).
        db.prepare("DELETE FROM elb_listeners WHERE arn = ?").run(listener.ListenerArn);
        return {};
      })(),
  };
}
