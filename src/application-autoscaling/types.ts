/**
 * Application Auto Scaling's wire shapes (there is no @aws-sdk/client-application-autoscaling in
 * the project's registry, so the few Berth needs are written from the model's shapes).
 */
export interface SuspendedState {
  DynamicScalingInSuspended?: boolean;
  DynamicScalingOutSuspended?: boolean;
  ScheduledScalingSuspended?: boolean;
}

export interface ScalableTarget {
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  CreationTime: Date;
  SuspendedState: SuspendedState;
  ScalableTargetARN: string;
}

export interface StepAdjustment {
  MetricIntervalLowerBound?: number;
  MetricIntervalUpperBound?: number;
  ScalingAdjustment: number;
}

export interface StepScalingPolicyConfiguration {
  AdjustmentType?: "ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity";
  StepAdjustments?: StepAdjustment[];
  MinAdjustmentMagnitude?: number;
  Cooldown?: number;
  MetricAggregationType?: "Average" | "Minimum" | "Maximum";
}

export interface MetricDimension {
  Name: string;
  Value: string;
}

export interface TargetTrackingMetricDataQuery {
  Id: string;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  MetricStat?: { Metric: { Namespace?: string; MetricName?: string; Dimensions?: MetricDimension[] }; Stat: string; Unit?: string };
}

export interface CustomizedMetricSpecification {
  MetricName?: string;
  Namespace?: string;
  Dimensions?: MetricDimension[];
  Statistic?: string;
  Unit?: string;
  Metrics?: TargetTrackingMetricDataQuery[];
}

export interface TargetTrackingScalingPolicyConfiguration {
  TargetValue: number;
  PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  CustomizedMetricSpecification?: CustomizedMetricSpecification;
  ScaleOutCooldown?: number;
  ScaleInCooldown?: number;
  DisableScaleIn?: boolean;
}

export interface Alarm {
  AlarmName: string;
  AlarmARN: string;
}

export interface ScalingPolicy {
  PolicyARN: string;
  PolicyName: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  PolicyType: "StepScaling" | "TargetTrackingScaling";
  StepScalingPolicyConfiguration?: StepScalingPolicyConfiguration;
  TargetTrackingScalingPolicyConfiguration?: TargetTrackingScalingPolicyConfiguration;
  Alarms: Alarm[];
  CreationTime: Date;
}

export interface ScalableTargetAction {
  MinCapacity?: number;
  MaxCapacity?: number;
}

export interface ScheduledAction {
  ScheduledActionName: string;
  ScheduledActionARN: string;
  ServiceNamespace: string;
  Schedule: string;
  Timezone?: string;
  ResourceId: string;
  ScalableDimension: string;
  StartTime?: Date;
  EndTime?: Date;
  ScalableTargetAction?: ScalableTargetAction;
  CreationTime: Date;
}

export interface ScalingActivity {
  ActivityId: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  Description: string;
  Cause: string;
  StartTime: Date;
  EndTime?: Date;
  StatusCode: "Pending" | "InProgress" | "Successful" | "Overridden" | "Unfulfilled" | "Failed";
  StatusMessage?: string;
  /** Only on a not scaled activity, which DescribeScalingActivities shows with IncludeNotScaledActivities. */
  NotScaledReasons?: NotScaledReason[];
}

export interface NotScaledReason {
  Code: "AlreadyAtMaxCapacity" | "AlreadyAtMinCapacity" | "AlreadyAtDesiredCapacity";
  MaxCapacity?: number;
  MinCapacity?: number;
  CurrentCapacity?: number;
}

/** The key every scalable target, policy and scheduled action is filed under. */
export interface TargetKey {
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
}
