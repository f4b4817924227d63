import { useState } from "preact/hooks";
import { DEFAULT_SETTINGS, forgetSettings, loadSettings, saveSettings } from "../aws";
import { startEvents } from "../live";
import { Page, Section } from "../ui";
import { href } from "../router";

const REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2"];

/**
 * Credentials and region. With strict SigV4 on, Berth answers nothing unsigned: enter an access
 * key of its configured credentials (or an IAM user's). In open mode any key works and a 12-digit
 * access key id is the account, so this is also the account picker.
 */
export function SettingsPage() {
  const current = loadSettings();
  const [form, setForm] = useState(current);
  const field = (name: keyof typeof form) => (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value });
  return (
    <Page title="Credentials and region">
      <Section title="Sign in">
        <form
          class="settings"
          onSubmit={(e) => {
            e.preventDefault();
            saveSettings({ accessKeyId: form.accessKeyId.trim(), secretAccessKey: form.secretAccessKey, sessionToken: form.sessionToken.trim(), region: form.region });
            startEvents();
            location.hash = href("clusters");
          }}
        >
          <label>Access key ID (a 12-digit one picks that account in open mode)<input name="accessKeyId" autocomplete="username" required value={form.accessKeyId} onInput={field("accessKeyId")} /></label>
          <label>Secret access key<input name="secretAccessKey" type="password" autocomplete="current-password" required value={form.secretAccessKey} onInput={field("secretAccessKey")} /></label>
          <label>Session token (optional)<input name="sessionToken" type="password" autocomplete="off" value={form.sessionToken} onInput={field("sessionToken")} /></label>
          <label>Region
            <input name="region" list="regions" required value={form.region} onInput={field("region")} />
            <datalist id="regions">{REGIONS.map((r) => <option key={r} value={r} />)}</datalist>
          </label>
          <div class="row">
            <button type="submit">Save and continue</button>
            <button type="button" onClick={() => { forgetSettings(); setForm({ ...DEFAULT_SETTINGS, saved: false }); startEvents(); }}>Forget</button>
          </div>
          <p class="muted">Kept in this tab's session storage only; sent nowhere but this Berth, as SigV4 signatures (never the secret itself).</p>
        </form>
      </Section>
    </Page>
  );
}
