/**
 * Versioned schema. Each entry runs once, in order, in its own transaction; PRAGMA user_version
 * records how far a database has come. Never edit a released migration: append a new one.
 *
 * Resources are stored as JSON documents (`doc`, in AWS's wire shape) with the columns that
 * queries filter or sort on pulled out beside them. Every table is keyed by account and region.
 */
export const migrations: string[] = [
  /* 1 */ `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE clusters (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, status TEXT NOT NULL, seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));

  CREATE TABLE task_definitions (
    account TEXT NOT NULL, region TEXT NOT NULL, family TEXT NOT NULL, revision INTEGER NOT NULL,
    arn TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, family, revision));

  CREATE TABLE tasks (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, cluster_arn TEXT NOT NULL,
    family TEXT NOT NULL, started_by TEXT, launch_type TEXT NOT NULL,
    desired_status TEXT NOT NULL, last_status TEXT NOT NULL,
    seq INTEGER NOT NULL, stopped_at INTEGER,
    doc TEXT NOT NULL);
  CREATE INDEX tasks_by_cluster ON tasks (account, region, cluster_arn, desired_status);
  CREATE INDEX tasks_by_status ON tasks (last_status);

  CREATE TABLE tags (
    arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (arn, key));

  CREATE TABLE idempotency (
    account TEXT NOT NULL, region TEXT NOT NULL, operation TEXT NOT NULL, token TEXT NOT NULL,
    request_hash TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, operation, token));
  `,
  /* 2: the registry (ECR repositories and OCI content metadata; blob bytes live on disk) */ `
  CREATE TABLE registry_repositories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
    tag_mutability TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (account, region, name));

  CREATE TABLE registry_manifests (
    repo_id INTEGER NOT NULL REFERENCES registry_repositories (id) ON DELETE CASCADE,
    digest TEXT NOT NULL, media_type TEXT NOT NULL, artifact_type TEXT, config_media_type TEXT,
    size INTEGER NOT NULL, pushed_at INTEGER NOT NULL, last_pull_at INTEGER,
    subject TEXT, raw BLOB NOT NULL,
    PRIMARY KEY (repo_id, digest));
  CREATE INDEX registry_manifests_by_subject ON registry_manifests (repo_id, subject) WHERE subject IS NOT NULL;

  CREATE TABLE image_tags (
    repo_id INTEGER NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, tag),
    FOREIGN KEY (repo_id, digest) REFERENCES registry_manifests (repo_id, digest) ON DELETE CASCADE);
  CREATE INDEX image_tags_by_digest ON image_tags (repo_id, digest);

  CREATE TABLE repository_blobs (
    repo_id INTEGER NOT NULL REFERENCES registry_repositories (id) ON DELETE CASCADE,
    digest TEXT NOT NULL, size INTEGER NOT NULL, linked_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, digest));
  CREATE INDEX repository_blobs_by_digest ON repository_blobs (digest);

  CREATE TABLE manifest_references (
    repo_id INTEGER NOT NULL, manifest TEXT NOT NULL, child TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('blob', 'manifest')), size INTEGER NOT NULL,
    PRIMARY KEY (repo_id, manifest, child),
    FOREIGN KEY (repo_id, manifest) REFERENCES registry_manifests (repo_id, digest) ON DELETE CASCADE);
  CREATE INDEX manifest_references_by_child ON manifest_references (child);

  CREATE TABLE registry_uploads (
    id TEXT PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES registry_repositories (id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL);
  `,
  /* 3: container instances, their attributes, and where each EC2 task was placed */ `
  CREATE TABLE container_instances (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, cluster_arn TEXT NOT NULL,
    ec2_instance_id TEXT NOT NULL, status TEXT NOT NULL,
    host_ip TEXT NOT NULL, virtual_slot INTEGER,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL);
  CREATE INDEX container_instances_by_cluster ON container_instances (account, region, cluster_arn, status);
  CREATE INDEX container_instances_by_ec2_id ON container_instances (account, region, ec2_instance_id);
  CREATE UNIQUE INDEX container_instances_by_slot ON container_instances (account, region, virtual_slot) WHERE virtual_slot IS NOT NULL;

  CREATE TABLE container_instance_attributes (
    instance_arn TEXT NOT NULL REFERENCES container_instances (arn) ON DELETE CASCADE,
    name TEXT NOT NULL, value TEXT,
    PRIMARY KEY (instance_arn, name));

  CREATE TABLE task_placements (
    task_arn TEXT PRIMARY KEY REFERENCES tasks (arn) ON DELETE CASCADE,
    instance_arn TEXT NOT NULL,
    cpu INTEGER NOT NULL, memory INTEGER NOT NULL, ports TEXT NOT NULL, ports_udp TEXT NOT NULL);
  CREATE INDEX task_placements_by_instance ON task_placements (instance_arn);
  `,
  /* 4: ECR image scans (basic scanning) and their findings */ `
  CREATE TABLE image_scans (
    repo_id INTEGER NOT NULL, digest TEXT NOT NULL,
    scan_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETE', 'FAILED')),
    description TEXT,
    started_at INTEGER NOT NULL, completed_at INTEGER, source_updated_at INTEGER,
    counts TEXT,
    PRIMARY KEY (repo_id, digest),
    FOREIGN KEY (repo_id, digest) REFERENCES registry_manifests (repo_id, digest) ON DELETE CASCADE);
  CREATE INDEX image_scans_in_progress ON image_scans (started_at) WHERE status = 'IN_PROGRESS';

  CREATE TABLE image_scan_findings (
    repo_id INTEGER NOT NULL, digest TEXT NOT NULL, seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (repo_id, digest, seq),
    FOREIGN KEY (repo_id, digest) REFERENCES image_scans (repo_id, digest) ON DELETE CASCADE);
  `,
  /* 5: ECS services: the service document (deployments included), the scheduler's own state, its
     events, and which service deployment started each task */ `
  CREATE TABLE services (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, cluster_arn TEXT NOT NULL,
    name TEXT NOT NULL, status TEXT NOT NULL, launch_type TEXT, scheduling_strategy TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL, state TEXT NOT NULL);
  CREATE INDEX services_by_cluster ON services (account, region, cluster_arn, status);
  CREATE TABLE service_events (
    id TEXT PRIMARY KEY,
    service_arn TEXT NOT NULL REFERENCES services (arn) ON DELETE CASCADE,
    seq INTEGER NOT NULL, created_at INTEGER NOT NULL, message TEXT NOT NULL);
  CREATE INDEX service_events_by_service ON service_events (service_arn, seq);
  CREATE TABLE service_tasks (
    task_arn TEXT PRIMARY KEY REFERENCES tasks (arn) ON DELETE CASCADE,
    service_arn TEXT NOT NULL, deployment_id TEXT NOT NULL,
    accounted INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX service_tasks_by_service ON service_tasks (service_arn);
  `,
  /* 6: ECS capacity providers created with CreateCapacityProvider (Auto Scaling group providers;
     FARGATE and FARGATE_SPOT are built in and not stored) */ `
  CREATE TABLE capacity_providers (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,
    status TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  `,
  /* 7: the constraints and strategies of EC2 tasks waiting for an Auto Scaling group provider's
     capacity, used when the capacity scaler places them */ `
  CREATE TABLE waiting_placements (
    task_arn TEXT PRIMARY KEY REFERENCES tasks (arn) ON DELETE CASCADE,
    constraints TEXT NOT NULL, strategies TEXT NOT NULL);
  `,
  /* 8: ELBv2: load balancers (each with its own loopback address), target groups and their
     targets, listeners and rules. Tags share the tags table, keyed by ARN. A listener's default
     actions are its default rule (priority NULL). */ `
  CREATE TABLE elb_load_balancers (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    address TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL,
    doc TEXT NOT NULL, attributes TEXT NOT NULL,
    UNIQUE (account, region, name));
  CREATE TABLE elb_target_groups (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    seq INTEGER NOT NULL, doc TEXT NOT NULL, attributes TEXT NOT NULL,
    UNIQUE (account, region, name));
  CREATE TABLE elb_targets (
    target_group_arn TEXT NOT NULL REFERENCES elb_target_groups (arn) ON DELETE CASCADE,
    id TEXT NOT NULL, port INTEGER NOT NULL, availability_zone TEXT,
    registered_at INTEGER NOT NULL,
    -- Set by DeregisterTargets: the target drains until drain_until (epoch ms), then is gone.
    drain_until INTEGER,
    PRIMARY KEY (target_group_arn, id, port));
  CREATE TABLE elb_listeners (
    arn TEXT PRIMARY KEY,
    load_balancer_arn TEXT NOT NULL REFERENCES elb_load_balancers (arn) ON DELETE CASCADE,
    port INTEGER NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    UNIQUE (load_balancer_arn, port));
  CREATE TABLE elb_rules (
    arn TEXT PRIMARY KEY,
    listener_arn TEXT NOT NULL REFERENCES elb_listeners (arn) ON DELETE CASCADE,
    priority INTEGER, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    UNIQUE (listener_arn, priority));
  CREATE UNIQUE INDEX elb_default_rules ON elb_rules (listener_arn) WHERE priority IS NULL;
  `,
  /* 9: CloudWatch metrics. A series is a metric (namespace, name, the set of its dimensions,
     sorted) in an account and region; its data is kept as aggregates per time bucket, one row per
     (bucket, storage resolution, unit), rolled up into coarser buckets as it ages (retention.ts). */ `
  CREATE TABLE cw_series (
    id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
    namespace TEXT NOT NULL, metric_name TEXT NOT NULL,
    -- JSON [[name, value], ...] sorted by name: one text per set of dimensions.
    dimensions TEXT NOT NULL,
    -- Epoch ms of the last PutMetricData that wrote to it (ListMetrics' RecentlyActive, two weeks).
    last_put INTEGER NOT NULL,
    UNIQUE (account, region, namespace, metric_name, dimensions));
  CREATE TABLE cw_points (
    -- No foreign key: ingest is the hot path, and only the pruning pass deletes series (with their points).
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL, resolution INTEGER NOT NULL, unit TEXT NOT NULL,
    count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    -- The values' distribution for percentiles (distribution.ts); NULL when it is not known.
    dist BLOB,
    PRIMARY KEY (series, bucket, resolution, unit)) WITHOUT ROWID;
  `,
  /* 10: CloudWatch alarms (metric and composite, the doc in DescribeAlarms' shape with the state in
     it), which alarms each composite alarm's rule names, and the alarms' history. */ `
  CREATE TABLE cw_alarms (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('MetricAlarm', 'CompositeAlarm')),
    arn TEXT NOT NULL UNIQUE, state TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  CREATE TABLE cw_alarm_children (
    account TEXT NOT NULL, region TEXT NOT NULL, parent TEXT NOT NULL, child TEXT NOT NULL,
    PRIMARY KEY (account, region, parent, child),
    FOREIGN KEY (account, region, parent) REFERENCES cw_alarms (account, region, name) ON DELETE CASCADE);
  CREATE INDEX cw_alarm_children_by_child ON cw_alarm_children (account, region, child);
  CREATE TABLE cw_alarm_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, region TEXT NOT NULL, alarm_name TEXT NOT NULL, alarm_type TEXT NOT NULL,
    item_type TEXT NOT NULL, timestamp INTEGER NOT NULL, summary TEXT NOT NULL, data TEXT NOT NULL);
  CREATE INDEX cw_alarm_history_by_time ON cw_alarm_history (account, region, timestamp);
  `,
  /* 11: CloudWatch Logs: log groups, their streams and their events. Events are one table clustered
     by (group, timestamp, id) so a group's time range is one contiguous B-tree range (filtering,
     retention); a second index serves reads by stream. No foreign key on events: deleting a group
     or stream deletes its events explicitly, and appends skip a per-row check. See docs/logs-storage.md. */ `
  CREATE TABLE log_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    created_at INTEGER NOT NULL, retention_days INTEGER, kms_key_id TEXT,
    class TEXT NOT NULL, deletion_protection INTEGER NOT NULL DEFAULT 0,
    -- The id the next event of this group gets: events are numbered per group, in arrival order.
    next_event_id INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account, region, name));
  CREATE TABLE log_streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL REFERENCES log_groups (id) ON DELETE CASCADE,
    name TEXT NOT NULL, created_at INTEGER NOT NULL,
    first_event INTEGER, last_event INTEGER, last_ingestion INTEGER,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, name));
  CREATE INDEX log_streams_by_last_event ON log_streams (group_id, last_event);
  CREATE TABLE log_events (
    group_id INTEGER NOT NULL, timestamp INTEGER NOT NULL, id INTEGER NOT NULL,
    stream_id INTEGER NOT NULL, ingestion_time INTEGER NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (group_id, timestamp, id)) WITHOUT ROWID;
  CREATE INDEX log_events_by_stream ON log_events (stream_id, timestamp, id);
  `,
  /* 12: Application Auto Scaling: scalable targets (with their cooldown state), their scaling
     policies and scheduled actions (removed with the target), and the scaling activities. Tags
     share the tags table, keyed by the scalable target's ARN. */ `
  CREATE TABLE aas_targets (
    account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, resource_id TEXT NOT NULL, dimension TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL, doc TEXT NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (account, region, namespace, resource_id, dimension));
  CREATE TABLE aas_policies (
    account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, resource_id TEXT NOT NULL, dimension TEXT NOT NULL,
    name TEXT NOT NULL, arn TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, namespace, resource_id, dimension, name),
    FOREIGN KEY (account, region, namespace, resource_id, dimension)
      REFERENCES aas_targets (account, region, namespace, resource_id, dimension) ON DELETE CASCADE);
  CREATE TABLE aas_scheduled_actions (
    account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, resource_id TEXT NOT NULL, dimension TEXT NOT NULL,
    name TEXT NOT NULL, arn TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    -- When the action runs next (epoch ms); NULL once it never will again.
    next_run INTEGER,
    PRIMARY KEY (account, region, namespace, resource_id, dimension, name),
    FOREIGN KEY (account, region, namespace, resource_id, dimension)
      REFERENCES aas_targets (account, region, namespace, resource_id, dimension) ON DELETE CASCADE);
  CREATE INDEX aas_scheduled_actions_due ON aas_scheduled_actions (next_run) WHERE next_run IS NOT NULL;
  CREATE TABLE aas_activities (
    id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
    resource_id TEXT NOT NULL, dimension TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX aas_activities_by_target ON aas_activities (account, region, namespace, resource_id, seq);
  `,
  /* 13: IAM (global: keyed by account only) and STS sessions. Entities are JSON documents in IAM's
     wire shape beside the columns lookups use. Policy documents are stored as given (decoded). */ `
  CREATE TABLE iam_roles (
    account TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE, arn TEXT NOT NULL, created_at INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, name_key));
  CREATE TABLE iam_users (
    account TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE, arn TEXT NOT NULL, created_at INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, name_key));
  -- Inline policies of roles and users: entity_type 'role' or 'user'.
  CREATE TABLE iam_inline_policies (
    account TEXT NOT NULL, entity_type TEXT NOT NULL, entity_key TEXT NOT NULL,
    name_key TEXT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL,
    PRIMARY KEY (account, entity_type, entity_key, name_key));
  -- Customer managed policies (AWS managed ones are built in, see aws-managed-policies.ts).
  CREATE TABLE iam_policies (
    account TEXT NOT NULL, arn TEXT NOT NULL, name_key TEXT NOT NULL, path TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    default_version TEXT NOT NULL, next_version INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, arn), UNIQUE (account, name_key));
  CREATE TABLE iam_policy_versions (
    account TEXT NOT NULL, policy_arn TEXT NOT NULL, version_id TEXT NOT NULL,
    document TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (account, policy_arn, version_id));
  CREATE TABLE iam_attachments (
    account TEXT NOT NULL, entity_type TEXT NOT NULL, entity_key TEXT NOT NULL, policy_arn TEXT NOT NULL,
    PRIMARY KEY (account, entity_type, entity_key, policy_arn));
  CREATE INDEX iam_attachments_by_policy ON iam_attachments (account, policy_arn);
  CREATE TABLE iam_instance_profiles (
    account TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE, arn TEXT NOT NULL, created_at INTEGER NOT NULL, role_key TEXT, doc TEXT NOT NULL,
    PRIMARY KEY (account, name_key));
  CREATE TABLE iam_access_keys (
    access_key_id TEXT PRIMARY KEY, account TEXT NOT NULL, user_key TEXT NOT NULL,
    secret TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE INDEX iam_access_keys_by_user ON iam_access_keys (account, user_key);
  -- Temporary credentials (AssumeRole, GetSessionToken, task roles): principal is the caller they
  -- make (JSON). Revoking deletes the row.
  CREATE TABLE sts_sessions (
    access_key_id TEXT PRIMARY KEY, account TEXT NOT NULL, secret TEXT NOT NULL, token TEXT NOT NULL,
    expires_at INTEGER NOT NULL, principal TEXT NOT NULL);
  CREATE INDEX sts_sessions_by_expiry ON sts_sessions (expires_at);
  `,
  /* 14: Secrets Manager secrets and their versions, Parameter Store parameters and their versions.
     Values are sealed (src/store/value-cipher.ts): never plaintext in this file. A secret's doc holds
     Description, KmsKeyId and dates; its tags and a parameter's live in the tags table by ARN. */ `
  CREATE TABLE secrets (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    created_at INTEGER NOT NULL, deletion_date INTEGER,
    doc TEXT NOT NULL,
    UNIQUE (account, region, name));
  CREATE TABLE secret_versions (
    arn TEXT NOT NULL REFERENCES secrets (arn) ON DELETE CASCADE, version_id TEXT NOT NULL,
    created_at INTEGER NOT NULL, seq INTEGER NOT NULL,
    -- JSON list of staging labels; a version with none is deprecated.
    stages TEXT NOT NULL,
    binary INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (arn, version_id));
  CREATE TABLE ssm_parameters (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (account, region, name));
  CREATE TABLE ssm_parameter_versions (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
    -- Type, KeyId, Description, AllowedPattern, Tier, DataType, LastModifiedDate, LastModifiedUser, Labels
    doc TEXT NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (account, region, name, version));
  `,
  /* 15: SQS: queues (attributes and tags in doc), their messages (the immutable part in doc, the
     visibility, receive count and receipt beside it) and FIFO queues' deduplication ids, kept five
     minutes. No foreign keys: messages are written by group commit, and DeleteQueue deletes them. */ `
  CREATE TABLE sqs_queues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    created_at INTEGER NOT NULL, doc TEXT NOT NULL,
    UNIQUE (account, region, name));
  CREATE TABLE sqs_messages (
    queue_id INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
    visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL, first_receive INTEGER, receipt TEXT,
    PRIMARY KEY (queue_id, seq));
  CREATE TABLE sqs_dedup (
    queue_id INTEGER NOT NULL, dedup_id TEXT NOT NULL, message_id TEXT NOT NULL,
    sequence_number TEXT, expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, dedup_id));
  `,
  /* 16: SNS: topics and subscriptions, attributes and tags in doc. */ `
  CREATE TABLE sns_topics (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,
    UNIQUE (account, region, name));
  CREATE TABLE sns_subscriptions (
    arn TEXT PRIMARY KEY, topic_arn TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX sns_subscriptions_by_topic ON sns_subscriptions (topic_arn, seq);
  `,
  /* 17: awslogs: how far each container's output is stored in CloudWatch Logs (log-position.ts),
     written in the same transaction as the events, so a batch sent again is stored once */ `
  CREATE TABLE awslogs_positions (
    task_arn TEXT NOT NULL REFERENCES tasks (arn) ON DELETE CASCADE,
    container TEXT NOT NULL, position TEXT NOT NULL,
    -- Where the container's output went (for berth logs): awslogs-region, group and stream.
    region TEXT NOT NULL, log_group TEXT NOT NULL, log_stream TEXT NOT NULL,
    PRIMARY KEY (task_arn, container));
  `,
  /* 18: ECS task scale-in protection (one row a protected task, until it expires) and ECS account
     settings, per principal (the account's root ARN holds the account default). */ `
  CREATE TABLE ecs_task_protection (
    task_arn TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
  CREATE TABLE ecs_account_settings (
    account TEXT NOT NULL, region TEXT NOT NULL, principal_arn TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (account, region, principal_arn, name));
  `,
  /* 19: SNS's local outbox: what email, email-json and sms subscriptions (and Publish to a phone
     number) would have sent, in order, for a user to read through /_berth/sns/outbox. */ `
  CREATE TABLE sns_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL,
    protocol TEXT NOT NULL, endpoint TEXT NOT NULL, created_at INTEGER NOT NULL, doc TEXT NOT NULL);
  `,
  /* 20: secret access keys sealed at rest (src/iam/credential-secrets.ts). SQL cannot seal (the
     key is not in the database): the server seals the rows written before this at start, empties
     their `secret`, and every later row is written sealed with `secret` ''. */ `
  ALTER TABLE iam_access_keys ADD COLUMN sealed_secret BLOB;
  ALTER TABLE sts_sessions ADD COLUMN sealed_secret BLOB;
  `,
  /* 21: EventBridge: event buses, rules, targets; the durable queue of deliveries (one row per
     matched event and target, written in the transaction that produced the event); the outbox of
     events Berth's own services emit (ECS, ECR, CloudWatch), written in the transaction of the
     state change they describe and routed to the default bus by the events router. EventBridge
     Scheduler's schedule groups and schedules. */ `
  CREATE TABLE event_buses (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  CREATE TABLE event_rules (
    account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, state TEXT NOT NULL, pattern TEXT, schedule TEXT,
    -- Schedule rules: when the rule fires next (epoch ms).
    next_fire INTEGER, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, bus, name));
  CREATE INDEX event_rules_next_fire ON event_rules (next_fire) WHERE next_fire IS NOT NULL;
  CREATE TABLE event_targets (
    rule_arn TEXT NOT NULL, id TEXT NOT NULL, arn TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (rule_arn, id));
  CREATE INDEX event_targets_by_arn ON event_targets (arn);
  CREATE TABLE event_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, region TEXT NOT NULL, source_arn TEXT NOT NULL,
    target TEXT NOT NULL, input TEXT NOT NULL, event_time INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, last_error TEXT);
  CREATE INDEX event_deliveries_due ON event_deliveries (due_at);
  CREATE TABLE event_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, region TEXT NOT NULL, event TEXT NOT NULL);
  CREATE TABLE schedule_groups (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  CREATE TABLE schedules (
    account TEXT NOT NULL, region TEXT NOT NULL, group_name TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, state TEXT NOT NULL, next_fire INTEGER, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, group_name, name));
  CREATE INDEX schedules_next_fire ON schedules (next_fire) WHERE next_fire IS NOT NULL;
  `,
  /* 22: ECR registry-wide settings (registry policy, replication configuration, repository
     creation templates, pull-through cache rules, registry scanning configuration), one JSON
     document per account, region and setting name. */ `
  CREATE TABLE ecr_registry_settings (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  `,
  /* 23: CloudWatch Logs metric filters: a group's filters (deleted with it), the pattern's text and
     the metric transformation (JSON, in the API's shape). */ `
  CREATE TABLE log_metric_filters (
    group_id INTEGER NOT NULL REFERENCES log_groups (id) ON DELETE CASCADE,
    name TEXT NOT NULL, pattern TEXT NOT NULL, transformation TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, name));
  `,
  /* 24: What the load balancer data plane last knew of a registered target's health (JSON: state,
     reason, description, when its slow start began), so a restarted data plane resumes from it
     instead of checking every target from initial and ramping healthy ones again. */ `
  ALTER TABLE elb_targets ADD COLUMN health TEXT;
  `,
  /* 25: EventBridge archives (the events of a bus that match an archive's pattern, kept for its
     retention) and replays of them (progress kept so a restart resumes a replay); connections (the
     secret parts in a Secrets Manager secret, as AWS keeps them) and API destinations. */ `
  CREATE TABLE event_archives (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, bus_arn TEXT NOT NULL, pattern TEXT, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  CREATE INDEX event_archives_by_bus ON event_archives (bus_arn);
  CREATE TABLE archived_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_arn TEXT NOT NULL, archived_at INTEGER NOT NULL, event TEXT NOT NULL);
  CREATE INDEX archived_events_by_time ON archived_events (archive_arn, archived_at, id);
  CREATE TABLE event_replays (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
    -- The last archived event replayed (archived_events.id), so a restart carries on after it.
    position INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  CREATE TABLE event_connections (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  CREATE TABLE event_api_destinations (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, connection_arn TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name));
  `,
  /* 26: ECS service deployments and service revisions (ListServiceDeployments,
     DescribeServiceDeployments, DescribeServiceRevisions): one row per deployment a CreateService or
     UpdateService started, one per revision it deployed, each keyed to the scheduler's deployment
     id (ecs-svc/...). `rollback_to` is the deployment id a rollback returns to. */ `
  CREATE TABLE service_revisions (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, service_arn TEXT NOT NULL,
    deployment_id TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX service_revisions_by_deployment ON service_revisions (service_arn, deployment_id);
  CREATE TABLE service_deployments (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, service_arn TEXT NOT NULL,
    deployment_id TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, seq INTEGER NOT NULL,
    rollback_to TEXT, doc TEXT NOT NULL);
  CREATE INDEX service_deployments_by_service ON service_deployments (service_arn, seq);
  CREATE INDEX service_deployments_by_deployment ON service_deployments (service_arn, deployment_id);
  `,
  /* 27: ECR image storage classes (lastArchivedAt; lastActivatedAt, which while a restore runs is
     when it completes: registry/storage-class.ts derives ACTIVE, ARCHIVED and ACTIVATING from the
     two) and ECR managed signing's per-image statuses, one per signing profile. */ `
  ALTER TABLE registry_manifests ADD COLUMN archived_at INTEGER;
  ALTER TABLE registry_manifests ADD COLUMN activated_at INTEGER;
  CREATE TABLE ecr_image_signing (
    repo_id INTEGER NOT NULL, digest TEXT NOT NULL, profile_arn TEXT NOT NULL,
    status TEXT NOT NULL, failure_code TEXT, failure_reason TEXT,
    PRIMARY KEY (repo_id, digest, profile_arn),
    FOREIGN KEY (repo_id, digest) REFERENCES registry_manifests (repo_id, digest) ON DELETE CASCADE);
  `,
  /* 28: CloudWatch anomaly detectors (PutAnomalyDetector): one row per detector, keyed by what it
     models (`model_key`: the metric and statistic, or the metric math queries, as canonical JSON). */ `
  CREATE TABLE cw_anomaly_detectors (
    account TEXT NOT NULL, region TEXT NOT NULL, model_key TEXT NOT NULL, type TEXT NOT NULL,
    doc TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (account, region, model_key));
  `,
  /* 29: ECS managed daemons: daemon task definitions (their own families and revisions), daemons,
     their immutable revisions and deployments, and which tasks each daemon launched (one a
     container instance). */ `
  CREATE TABLE daemon_task_definitions (
    account TEXT NOT NULL, region TEXT NOT NULL, family TEXT NOT NULL, revision INTEGER NOT NULL,
    arn TEXT NOT NULL UNIQUE, status TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, region, family, revision));
  CREATE TABLE daemons (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, cluster_arn TEXT NOT NULL,
    name TEXT NOT NULL, status TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE daemon_revisions (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, daemon_arn TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE daemon_deployments (
    arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, daemon_arn TEXT NOT NULL,
    status TEXT NOT NULL, created_at INTEGER NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX daemon_deployments_by_daemon ON daemon_deployments (daemon_arn, seq);
  CREATE TABLE daemon_tasks (
    task_arn TEXT PRIMARY KEY, daemon_arn TEXT NOT NULL, revision_arn TEXT NOT NULL, instance_arn TEXT NOT NULL);
  CREATE INDEX daemon_tasks_by_daemon ON daemon_tasks (daemon_arn);
  `,
  /* 30: ECS Express Mode (express-gateway-store.ts): one row per express gateway service, keyed by
     the ECS service it made; the document holds its configurations and the ARNs of the load
     balancer, listener, target group and scaling policy made for it, which Delete removes. */ `
  CREATE TABLE express_gateway_services (
    service_arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, doc TEXT NOT NULL);
  `,
  /* 31: ECS deployment lifecycle hooks (lifecycle-hook-store.ts): one row per hook run at one stage
     of one service deployment (its hookId), with the Lambda invocation waiting for its answer. */ `
  CREATE TABLE ecs_hook_executions (
    hook_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, service_arn TEXT NOT NULL,
    deployment_id TEXT NOT NULL, stage_key TEXT NOT NULL, status TEXT NOT NULL, invocation_id TEXT UNIQUE,
    seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX ecs_hook_executions_by_deployment ON ecs_hook_executions (service_arn, deployment_id, seq);
  `,
  /* 32: ECS Express Mode's shared load balancers (express-load-balancers.ts): express services of
     one account, region and network configuration share an ALB; one row per such ALB, keyed by
     its name (chosen, and written here, before it is created, so a kill -9 leaves nothing unknown). */ `
  CREATE TABLE express_gateway_load_balancers (
    name TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, network_key TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX express_gateway_load_balancers_by_network ON express_gateway_load_balancers (account, region, network_key);
  `,
  /* 33: EventBridge rules' recent activity (events/rule-activity.ts), which AWS has no API for: one
     row per event a rule matched and target it went to (target NULL: the rule had none), written
     with the delivery it queued and updated as the delivery is attempted; only the last rows of
     each rule are kept. */ `
  CREATE TABLE event_rule_activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT, rule_arn TEXT NOT NULL, delivery_id INTEGER,
    event_id TEXT NOT NULL, source TEXT NOT NULL, detail_type TEXT NOT NULL, event_time INTEGER NOT NULL,
    target_id TEXT, target_arn TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, updated_at INTEGER NOT NULL);
  CREATE INDEX event_rule_activity_by_rule ON event_rule_activity (rule_arn, id);
  CREATE INDEX event_rule_activity_by_delivery ON event_rule_activity (delivery_id);
  `,
  /* 34: ELBv2 listener attributes (listener-attributes.ts; JSON of the values set by
     ModifyListenerAttributes, NULL: the protocol's defaults) and a load balancer's capacity
     reservation (capacity-reservation.ts; NULL: none was ever requested). */ `
  ALTER TABLE elb_listeners ADD COLUMN attributes TEXT;
  ALTER TABLE elb_load_balancers ADD COLUMN capacity_reservation TEXT;
  `,
];
