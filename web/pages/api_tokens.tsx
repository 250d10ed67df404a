/**
 * `/admin/api-tokens`: tokens for scripts and CI. Create one (its secret is
 * shown once, with a copy button), see each one's scopes and last use, revoke.
 */
import { useState } from "preact/hooks";
import {
  API_SCOPES,
  type ApiScope,
  type ApiTokenRecord,
  type CreatedApiToken,
} from "../../protocol/mod.ts";
import { pageClient } from "../api_client.ts";
import { ConfirmDialog } from "../components/confirm_dialog.tsx";
import { CopyButton } from "../components/copy_button.tsx";
import { Notice, type NoticeValue } from "../components/notice.tsx";
import { Page } from "../components/page.tsx";
import { StackTable } from "../components/stack_table.tsx";
import { formatAgo, formatDateTime } from "../format.ts";
import { useLoader } from "../use_loader.ts";

const client = pageClient();

const SCOPE_HELP: Record<ApiScope, string> = {
  "versions:write": "upload versions, mark stable, run rollouts",
  "fleet:read": "read computers, errors, versions, rollouts, the audit log",
  "fleet:write": "change and delete computers, resolve errors",
  "admin": "everything, including tokens",
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function CreateTokenForm(
  props: { onCreated: (token: CreatedApiToken) => void; onError: (m: string) => void },
) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ApiScope[]>([]);
  const [days, setDays] = useState("");
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      const created = await client.createApiToken({
        name: name.trim(),
        scopes,
        ...(days.trim() ? { expires_in_days: Number(days) } : {}),
      });
      setName("");
      setScopes([]);
      setDays("");
      props.onCreated(created);
    } catch (err) {
      props.onError(message(err));
    } finally {
      setBusy(false);
    }
  }

  const toggle = (scope: ApiScope, on: boolean) =>
    setScopes((now) => on ? [...now, scope] : now.filter((s) => s !== scope));

  return (
    <form class="card" onSubmit={onSubmit} aria-label="Create an API token">
      <h2>Create a token</h2>
      <div class="field">
        <label for="token-name">Name</label>
        <input
          id="token-name"
          required
          maxLength={100}
          value={name}
          placeholder="ci-release"
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      <fieldset class="field">
        <legend>Scopes</legend>
        {API_SCOPES.map((scope) => (
          <label key={scope} class="check">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) => toggle(scope, e.currentTarget.checked)}
            />{" "}
            <code>{scope}</code> <span class="muted">{SCOPE_HELP[scope]}</span>
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="token-days">Expires after (days, empty: never)</label>
        <input
          id="token-days"
          type="number"
          min={1}
          max={3650}
          value={days}
          onInput={(e) => setDays(e.currentTarget.value)}
        />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || scopes.length === 0}>
          Create token
        </button>
      </div>
    </form>
  );
}

function NewTokenCard(props: { token: CreatedApiToken; onDone: () => void }) {
  return (
    <div class="card" role="status">
      <h2>Token “{props.token.name}” created</h2>
      <p>
        Copy it now: it is shown only this once. Send it as <code>Authorization: Bearer …</code>.
      </p>
      <div class="copy-line">
        <code id="new-token">{props.token.token}</code>
        <CopyButton value={props.token.token} label="Copy the new token" />
      </div>
      <div class="actions">
        <button type="button" onClick={props.onDone}>I have copied it</button>
      </div>
    </div>
  );
}

export function ApiTokens() {
  const tokens = useLoader(() => client.listApiTokens(), []);
  const [notice, setNotice] = useState<NoticeValue | null>(null);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenRecord | null>(null);

  async function revoke(token: ApiTokenRecord) {
    setRevoking(null);
    try {
      await client.revokeApiToken(token.id);
      setNotice({ kind: "success", message: `Token “${token.name}” is revoked` });
    } catch (err) {
      setNotice({ kind: "error", message: message(err) });
    }
    tokens.reload();
  }

  return (
    <Page title="API tokens">
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      <p class="muted">
        Scripts, CI and <code>deno task hangar</code>{" "}
        sign in with a token instead of a password. Give each one only the scopes it needs.
      </p>
      {created ? <NewTokenCard token={created} onDone={() => setCreated(null)} /> : (
        <CreateTokenForm
          onCreated={(t) => {
            setCreated(t);
            setNotice(null);
            tokens.reload();
          }}
          onError={(m) => setNotice({ kind: "error", message: `Could not create the token: ${m}` })}
        />
      )}
      <h2>Tokens</h2>
      {tokens.error && (
        <p class="notice notice-error" role="alert">Could not load tokens: {tokens.error}</p>
      )}
      {tokens.loading && !tokens.data && <p class="muted">Loading…</p>}
      {tokens.data?.length === 0 && <p class="empty">No API tokens yet.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <StackTable
          caption="API tokens"
          columns={["Name", "Scopes", "Created", "Expires", "Last used", { hidden: "Actions" }]}
        >
          {tokens.data.map((t) => (
            <tr key={t.id}>
              <th scope="row">{t.name}</th>
              <td>{t.scopes.map((s) => <code key={s} class="scope">{s}</code>)}</td>
              <td title={formatDateTime(t.created_at)}>
                {formatAgo(t.created_at)} <span class="muted">by {t.created_by ?? "?"}</span>
              </td>
              <td>{t.expires_at ? formatDateTime(t.expires_at) : "never"}</td>
              <td title={formatDateTime(t.last_used_at)}>{formatAgo(t.last_used_at)}</td>
              <td class="row-actions">
                <button type="button" class="small" onClick={() => setRevoking(t)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </StackTable>
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke"
          onConfirm={() => revoke(revoking)}
          onCancel={() => setRevoking(null)}
        >
          <p>Scripts using it are refused from their next request on. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
