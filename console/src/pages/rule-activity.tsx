import { berthJson } from "../berth";
import { useLoad } from "../live";
import { Badge, Loading, Section, Table, Time } from "../ui";

/** What GET /_berth/events/rule-activity answers (src/events/rule-activity.ts). */
interface Activity {
  kept: number;
  activity: Array<{
    eventId: string; source: string; detailType: string; eventTime: string;
    deliveries: Array<{ targetId: string; targetArn: string; status: string; attempts: number; lastError?: string; updatedAt: string }>;
  }>;
}

/** How often the section re-reads while the page is visible: deliveries finish within seconds. */
const EVERY_MS = 3_000;

/**
 * A rule's recently matched events and what became of their deliveries, from Berth's own
 * endpoint (EventBridge has no API for it). One row per event and target.
 */
export function RuleActivitySection({ ruleArn }: { ruleArn: string }) {
  const loaded = useLoad(() => berthJson<Activity>("/_berth/events/rule-activity", { rule: ruleArn }), [ruleArn], () => false, { refreshMs: EVERY_MS });
  return (
    <Section title="Recent matched events" id="activity">
      <p class="muted">The last events this rule matched and each delivery's outcome (Berth keeps a rule's last {loaded.data?.kept ?? 50} deliveries; EventBridge has no API for this).</p>
      <Loading loaded={loaded}>
        {({ activity }) => (
          <Table
            head={["Event time", "Event", "Source", "Detail type", "Target", "Delivery", "Attempts", "Last error"]}
            empty="No event has matched this rule lately."
            rows={activity.flatMap((a) => (a.deliveries.length ? a.deliveries : [undefined]).map((d) => [
              <Time at={a.eventTime} />, <code title={a.eventId}>{a.eventId.slice(0, 8)}</code>, a.source, a.detailType,
              d ? <span title={d.targetArn}>{d.targetId}</span> : <span class="muted">no targets</span>,
              d ? <Badge value={d.status} /> : "—", d?.attempts ?? "—", d?.lastError ?? "",
            ]))}
          />
        )}
      </Loading>
    </Section>
  );
}
