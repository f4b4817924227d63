import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAlarmRule, evaluateRule, ruleAlarms, AlarmRuleError } from "./alarm-rule.js";
import type { AlarmState } from "./evaluate-datapoints.js";

const states: Record<string, AlarmState> = { cpu: "ALARM", mem: "OK", "disk full": "INSUFFICIENT_DATA" };
const holds = (rule: string) => evaluateRule(parseAlarmRule(rule), (a) => states[a]);

test("functions, constants and operators evaluate as CloudWatch documents them", () => {
  assert.equal(holds("ALARM(cpu)"), true);
  assert.equal(holds("OK(cpu)"), false);
  assert.equal(holds('INSUFFICIENT_DATA("disk full")'), true);
  assert.equal(holds("ALARM(cpu) AND OK(mem)"), true);
  assert.equal(holds("ALARM(cpu) AND ALARM(mem)"), false);
  assert.equal(holds("ALARM(mem) OR ALARM(cpu)"), true);
  assert.equal(holds("NOT ALARM(cpu)"), false);
  assert.equal(holds("TRUE"), true);
  assert.equal(holds("false"), false);
  assert.equal(holds("ALARM(unknown)"), false);
});

test("NOT binds tighter than AND, AND tighter than OR; parentheses group", () => {
  assert.equal(holds("ALARM(mem) AND ALARM(cpu) OR TRUE"), true);
  assert.equal(holds("ALARM(mem) AND (ALARM(cpu) OR TRUE)"), false);
  assert.equal(holds("NOT ALARM(mem) AND ALARM(cpu)"), true);
  assert.equal(holds("NOT (ALARM(mem) OR ALARM(cpu))"), false);
});

test("the alarms a rule names", () => {
  assert.deepEqual(ruleAlarms(parseAlarmRule('(ALARM(a) OR OK("b c")) AND NOT ALARM(a) AND TRUE')), ["a", "b c"]);
});

test("malformed rules are refused with where they went wrong", () => {
  for (const bad of ["", "ALARM(", "ALARM()", "ALARM(a", "ALARM(a) AND", "ALARM(a) ALARM(b)", "alarm(a)", 'ALARM("a)', "(TRUE", "MAYBE"]) {
    assert.throws(() => parseAlarmRule(bad), AlarmRuleError, bad);
  }
});
