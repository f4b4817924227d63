/**
 * The AWS managed policies ECS users attach, built in (AWS owns them: they cannot be changed or
 * deleted). Documents are AWS's published ones, trimmed to the statements about the services
 * Berth speaks where AWS's are long (see docs/compatibility.md).
 */
export interface AwsManagedPolicy {
  PolicyName: string;
  Path: string;
  PolicyId: string;
  Description: string;
  Document: string;
}

const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

export const AWS_MANAGED_POLICIES: AwsManagedPolicy[] = [
  {
    PolicyName: "AmazonECSTaskExecutionRolePolicy", Path: "/service-role/", PolicyId: "ANPAJG4T4G4PV56DE72PY",
    Description: "Provides access to other AWS service resources that are required to run Amazon ECS tasks",
    Document: doc([{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }]),
  },
  {
    PolicyName: "AmazonECSServiceRolePolicy", Path: "/aws-service-role/", PolicyId: "ANPAIVUEMA2PZSLVZQQ2M",
    Description: "Policy to enable Amazon ECS to manage your cluster.",
    Document: doc([{ Sid: "ECSTaskManagement", Effect: "Allow", Action: ["ec2:AttachNetworkInterface", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:Describe*", "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:Describe*", "elasticloadbalancing:RegisterTargets", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "cloudwatch:PutMetricData", "autoscaling:Describe*"], Resource: "*" }]),
  },
  {
    PolicyName: "AmazonEC2ContainerServiceforEC2Role", Path: "/service-role/", PolicyId: "ANPAJLYJCVHC7TQHCSQDS",
    Description: "Default policy for the Amazon EC2 Role for Amazon EC2 Container Service.",
    Document: doc([{ Effect: "Allow", Action: ["ec2:DescribeTags", "ecs:CreateCluster", "ecs:DeregisterContainerInstance", "ecs:DiscoverPollEndpoint", "ecs:Poll", "ecs:RegisterContainerInstance", "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState", "ecs:Submit*", "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }]),
  },
  {
    PolicyName: "AmazonECS_FullAccess", Path: "/", PolicyId: "ANPAJ7S7AN6YQPTJC7IFK",
    Description: "Provides administrative access to Amazon ECS resources.",
    Document: doc([{ Effect: "Allow", Action: ["ecs:*", "elasticloadbalancing:*", "application-autoscaling:*", "cloudwatch:*", "logs:*", "ecr:*", "iam:ListRoles", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfiles"], Resource: "*" }, { Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringLike: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } }]),
  },
  {
    PolicyName: "AmazonEC2ContainerRegistryReadOnly", Path: "/", PolicyId: "ANPAIFYZPA37OOHVIH7KQ",
    Description: "Provides read-only access to Amazon EC2 Container Registry repositories.",
    Document: doc([{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:GetRepositoryPolicy", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:GetLifecyclePolicy", "ecr:GetLifecyclePolicyPreview", "ecr:ListTagsForResource", "ecr:DescribeImageScanFindings"], Resource: "*" }]),
  },
  {
    PolicyName: "CloudWatchLogsFullAccess", Path: "/", PolicyId: "ANPAJ3ZGNWK2R5HW5BQFO",
    Description: "Provides full access to CloudWatch Logs",
    Document: doc([{ Effect: "Allow", Action: ["logs:*"], Resource: "*" }]),
  },
  {
    PolicyName: "ReadOnlyAccess", Path: "/", PolicyId: "ANPAILL3HVNFSB6DCOWYQ",
    Description: "Provides read-only access to AWS services and resources.",
    Document: doc([{ Effect: "Allow", Action: ["ecs:Describe*", "ecs:List*", "ecr:Describe*", "ecr:List*", "ecr:BatchGet*", "ecr:Get*", "elasticloadbalancing:Describe*", "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "logs:Describe*", "logs:Get*", "logs:FilterLogEvents", "iam:Get*", "iam:List*", "sts:GetCallerIdentity"], Resource: "*" }]),
  },
  {
    PolicyName: "AdministratorAccess", Path: "/", PolicyId: "ANPAIWMBCKSKIEE64ZLYK",
    Description: "Provides full access to AWS services and resources.",
    Document: doc([{ Effect: "Allow", Action: "*", Resource: "*" }]),
  },
];

export const awsManagedArn = (p: AwsManagedPolicy) => `arn:aws:iam::aws:policy${p.Path}${p.PolicyName}`;

const byArn = new Map(AWS_MANAGED_POLICIES.map((p) => [awsManagedArn(p), p]));
export const findAwsManaged = (arn: string) => byArn.get(arn);

/** AWS's managed policies all show this date; their one version is v1 here. */
export const AWS_MANAGED_DATE = "2015-02-06T18:40:00Z";
