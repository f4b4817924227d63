import { ServiceError } from "../core/errors.js";

/**
 * ELBv2's exceptions, named by their model shapes (the query codec sends each shape's code,
 * LoadBalancerNotFound, ...), with the messages Elastic Load Balancing gives.
 */
export const validation = (message: string) => new ServiceError("ValidationError", message);
export const loadBalancerNotFound = (message = "One or more load balancers not found") => new ServiceError("LoadBalancerNotFoundException", message);
export const targetGroupNotFound = (message = "One or more target groups not found") => new ServiceError("TargetGroupNotFoundException", message);
export const listenerNotFound = (message = "One or more listeners not found") => new ServiceError("ListenerNotFoundException", message);
export const ruleNotFound = (message = "One or more rules not found") => new ServiceError("RuleNotFoundException", message);
export const duplicateLoadBalancerName = (name: string) =>
  new ServiceError("DuplicateLoadBalancerNameException", `A load balancer with the same name '${name}' exists, but with different settings`);
export const duplicateTargetGroupName = (name: string) =>
  new ServiceError("DuplicateTargetGroupNameException", `A target group with the same name '${name}' exists, but with different settings`);
/** AWS's words, as its CreateListener answers (seen in terraform-provider-aws reports). */
export const duplicateListener = (lbArn: string) =>
  new ServiceError("DuplicateListenerException", `A listener already exists on this port for this load balancer '${lbArn}'`);
/** ModifyListener to a port another listener has: AWS answers a ValidationError, not DuplicateListener. */
export const listenerPortInUse = (port: number) => validation(`Listener port '${port}' is already in use`);
export const priorityInUse = (priority: number) => new ServiceError("PriorityInUseException", `Priority '${priority}' is currently in use`);
export const resourceInUse = (message: string) => new ServiceError("ResourceInUseException", message);
export const operationNotPermitted = (message: string) => new ServiceError("OperationNotPermittedException", message);
export const invalidTarget = (message: string) => new ServiceError("InvalidTargetException", message);
export const invalidConfiguration = (message: string) => new ServiceError("InvalidConfigurationRequestException", message);
export const incompatibleProtocols = (message: string) => new ServiceError("IncompatibleProtocolsException", message);
export const unsupportedProtocol = (message: string) => new ServiceError("UnsupportedProtocolException", message);
export const duplicateTagKeys = (key: string) => new ServiceError("DuplicateTagKeysException", `Tag key '${key}' was specified more than once`);
export const tooManyTags = () => new ServiceError("TooManyTagsException", "The quota for the number of tags that can be assigned to a resource has been reached");
export const targetGroupAssociationLimit = (arns: string[]) =>
  new ServiceError("TargetGroupAssociationLimitException", `The following target groups cannot be associated with more than one load balancer: ${arns.map((a) => `'${a}'`).join(", ")}`);
export const tooManyActions = (message: string) => new ServiceError("TooManyActionsException", message);
export const tooManyTargetGroups = (message: string) => new ServiceError("TooManyTargetGroupsException", message);
export const tooManyRules = (message: string) => new ServiceError("TooManyRulesException", message);
export const certificateNotFound = (arn: string) => new ServiceError("CertificateNotFoundException", `Certificate '${arn}' not found`);
export const sslPolicyNotFound = (name: string) => new ServiceError("SSLPolicyNotFoundException", `SSL policy '${name}' not found`);
export const tooManyCertificates = (message: string) => new ServiceError("TooManyCertificatesException", message);
