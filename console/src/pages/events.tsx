import { EventBridgeClient, DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, ListEventBusesCommand, ListRulesCommand, ListTargetsByRuleCommand, type Rule } from "@aws-sdk/client-eventbridge";
import { SchedulerClient, GetScheduleCommand, ListSchedulesCommand } from "@aws-sdk/client-scheduler";
import { allPages, client } from "../aws";
import { useLoad } from "../live";
import { Badge, ErrorBox, Link, Loading, Page, Section, Table, Time, useAction } from "../ui";
import { href } from "../router";
import { byName } from "../locale-free";
import { RuleActivitySection } from "./rule-activity";

/** No task event changes a rule or a schedule: these pages re-read on the 30 s refresh only. */
const never = () => false;

/** Every bus of the account and region with its rules (ListEventBuses, then ListRules on each bus at once). */
export function RulesPage() {
  const loaded = useLoad(async () => {
    const events = client(EventBridgeClient);
    const buses = await allPages(async (NextToken) => {
      const r = await events.send(new ListEventBusesCommand({ NextToken }));
      return { items: r.EventBuses ?? [], next: r.NextToken };
    });
    const rules = await Promise.all(buses.map((b) => allPages(async (NextToken) => {
      const r = await events.send(new ListRulesCommand({ EventBusName: b.Name, NextToken }));
      return { items: r.Rules ?? [], next: r.NextToken };
    })));
    return buses.map((bus, i) => ({ bus, rules: rules[i]! }));
  }, [], never);
  return (
    <Page title="EventBridge rules">
      <Loading loaded={loaded}>
        {(buses) => (
          <>
            {buses.map(({ bus, rules }) => (
              <Section key={bus.Arn} title={`Event bus ${bus.Name} (${rules.length} rules)`} id={`bus-${bus.Name}`}>
                {bus.Description && <p class="muted">{bus.Description}</p>}
                <Table
                  head={["Rule", "State", "Event pattern or schedule", "Description"]}
                  empty="No rules on this bus."
                  rows={rules.map((r) => [
                    <Link to={["events", bus.Name!, r.Name!]}>{r.Name}</Link>, <Badge value={r.State} />,
                    <code>{r.ScheduleExpression ?? r.EventPattern}</code>, r.Description ?? "",
                  ])}
                />
              </Section>
            ))}
          </>
        )}
      </Loading>
    </Page>
  );
}

/** Turns a rule on or off: EnableRule / DisableRule, as `aws events enable-rule` does. */
function RuleState({ bus, rule, done }: { bus: string; rule: Rule; done: () => void }) {
  const { busy, error, run } = useAction();
  const enabled = rule.State === "ENABLED";
  const toggle = () => run(async () => {
    const input = { Name: rule.Name, EventBusName: bus };
    await client(EventBridgeClient).send(enabled ? new DisableRuleCommand(input) : new EnableRuleCommand(input));
    done();
  });
  return (
    <>
      <button type="button" class="rule-state" disabled={busy} onClick={() => void toggle()}>{enabled ? "Disable rule" : "Enable rule"}</button>
      {error !== undefined && <ErrorBox error={error} />}
    </>
  );
}

/** A pattern as the API holds it, indented when it is JSON. */
const pretty = (pattern: string) => {
  try {
    return JSON.stringify(JSON.parse(pattern), null, 2);
  } catch {
    return pattern;
  }
};

export function RulePage({ bus, name }: { bus: string; name: string }) {
  const loaded = useLoad(async () => {
    const events = client(EventBridgeClient);
    const rule = await events.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }));
    const targets = await allPages(async (NextToken) => {
      const r = await events.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus, NextToken }));
      return { items: r.Targets ?? [], next: r.NextToken };
    });
    return { rule, targets };
  }, [bus, name], never);
  return (
    <Page title={name} crumbs={[["EventBridge rules", href("events")]]} actions={loaded.data && <RuleState bus={bus} rule={loaded.data.rule} done={loaded.reload} />}>
      <Loading loaded={loaded}>
        {({ rule, targets }) => (
          <>
            <dl class="facts">
              <dt>State</dt><dd data-field="state"><Badge value={rule.State} /></dd>
              <dt>Event bus</dt><dd>{rule.EventBusName ?? bus}</dd>
              <dt>ARN</dt><dd><code>{rule.Arn}</code></dd>
              {rule.ScheduleExpression && <><dt>Schedule</dt><dd><code>{rule.ScheduleExpression}</code></dd></>}
              {rule.Description && <><dt>Description</dt><dd>{rule.Description}</dd></>}
              {rule.RoleArn && <><dt>Role</dt><dd><code>{rule.RoleArn}</code></dd></>}
            </dl>
            {rule.EventPattern && (
              <Section title="Event pattern" id="pattern">
                <pre class="pattern">{pretty(rule.EventPattern)}</pre>
              </Section>
            )}
            <Section title={`Targets (${targets.length})`} id="targets">
              <Table
                head={["Id", "Target", "Input", "Retry policy", "Dead-letter queue"]}
                empty="No targets: matched events go nowhere."
                rows={targets.map((t) => [
                  t.Id, <code>{t.Arn}</code>,
                  t.Input !== undefined ? <code>{t.Input}</code> : t.InputPath !== undefined ? <code>{t.InputPath}</code> : t.InputTransformer ? "input transformer" : "the matched event",
                  t.RetryPolicy ? `${t.RetryPolicy.MaximumRetryAttempts ?? 185} attempts, ${t.RetryPolicy.MaximumEventAgeInSeconds ?? 86400} s` : "default",
                  t.DeadLetterConfig?.Arn ? <code>{t.DeadLetterConfig.Arn}</code> : "—",
                ])}
              />
            </Section>
            <RuleActivitySection ruleArn={rule.Arn!} />
          </>
        )}
      </Loading>
    </Page>
  );
}

/** EventBridge Scheduler's schedules: ListSchedules, then GetSchedule on each (the list has no expression). */
export function SchedulesPage() {
  const loaded = useLoad(async () => {
    const scheduler = client(SchedulerClient);
    const summaries = await allPages(async (NextToken) => {
      const r = await scheduler.send(new ListSchedulesCommand({ NextToken }));
      return { items: r.Schedules ?? [], next: r.NextToken };
    });
    const schedules = await Promise.all(summaries.map((s) => scheduler.send(new GetScheduleCommand({ Name: s.Name, GroupName: s.GroupName }))));
    return schedules.sort((a, b) => byName(`${a.GroupName}/${a.Name}`, `${b.GroupName}/${b.Name}`));
  }, [], never);
  return (
    <Page title="Schedules">
      <Loading loaded={loaded}>
        {(schedules) => (
          <Section title={`${schedules.length} schedules`}>
            <Table
              head={["Schedule", "Group", "State", "Expression", "Time zone", "Flexible window", "Target", "Window", "Updated"]}
              empty="No EventBridge Scheduler schedules in this account and region."
              rows={schedules.map((s) => [
                s.Name, s.GroupName, <Badge value={s.State} />, <code>{s.ScheduleExpression}</code>, s.ScheduleExpressionTimezone ?? "UTC",
                s.FlexibleTimeWindow?.Mode === "FLEXIBLE" ? `${s.FlexibleTimeWindow.MaximumWindowInMinutes} min` : "off",
                <code>{s.Target?.Arn}</code>,
                s.StartDate || s.EndDate ? <span><Time at={s.StartDate} /> – <Time at={s.EndDate} /></span> : "—",
                <Time at={s.LastModificationDate} />,
              ])}
            />
          </Section>
        )}
      </Loading>
    </Page>
  );
}
