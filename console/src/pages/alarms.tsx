import { CloudWatchClient, DescribeAlarmsCommand, DescribeAlarmHistoryCommand } from "@aws-sdk/client-cloudwatch";
import { allPages, client } from "../aws";
import { useLoad } from "../live";
import { Badge, Link, Loading, Page, Section, Table, Time } from "../ui";
import { href } from "../router";

export function AlarmsPage() {
  const loaded = useLoad(() => allPages(async (NextToken) => {
    const r = await client(CloudWatchClient).send(new DescribeAlarmsCommand({ NextToken }));
    return { items: r.MetricAlarms ?? [], next: r.NextToken };
  }), [], () => false);
  return (
    <Page title="Alarms">
      <Loading loaded={loaded}>
        {(alarms) => (
          <Section title={`${alarms.length} alarms`}>
            <Table
              head={["Alarm", "State", "Metric", "Condition", "Updated"]}
              empty="No alarms in this account and region."
              rows={alarms.map((a) => [
                <Link to={["alarms", a.AlarmName!]}>{a.AlarmName}</Link>, <Badge value={a.StateValue} />, `${a.Namespace ?? ""} ${a.MetricName ?? "(metric math)"}`,
                `${a.Statistic ?? a.ExtendedStatistic ?? ""} ${a.ComparisonOperator ?? ""} ${a.Threshold ?? ""}`, <Time at={a.StateUpdatedTimestamp} />,
              ])}
            />
          </Section>
        )}
      </Loading>
    </Page>
  );
}

export function AlarmPage({ name }: { name: string }) {
  const loaded = useLoad(async () => {
    const cw = client(CloudWatchClient);
    const [alarm] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms ?? [];
    const history = (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, MaxRecords: 50 }))).AlarmHistoryItems ?? [];
    return { alarm, history };
  }, [name], () => false);
  return (
    <Page title={name} crumbs={[["Alarms", href("alarms")]]}>
      <Loading loaded={loaded}>
        {({ alarm, history }) => (
          <>
            {alarm ? (
              <dl class="facts">
                <dt>State</dt><dd><Badge value={alarm.StateValue} /> {alarm.StateReason}</dd>
                <dt>Metric</dt><dd>{alarm.Namespace} {alarm.MetricName} {(alarm.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(", ")}</dd>
                <dt>Condition</dt><dd>{alarm.Statistic} {alarm.ComparisonOperator} {alarm.Threshold} for {alarm.EvaluationPeriods} × {alarm.Period}s</dd>
                <dt>Actions</dt><dd>{(alarm.AlarmActions ?? []).join(", ") || "—"}</dd>
              </dl>
            ) : <div class="error" role="alert">No alarm {name}.</div>}
            <Section title="State history">
              <Table head={["Time", "Type", "Summary"]} empty="No history." rows={history.map((h) => [<Time at={h.Timestamp} />, h.HistoryItemType, h.HistorySummary])} />
            </Section>
          </>
        )}
      </Loading>
    </Page>
  );
}
