import { useSearchParams } from "react-router";
import { api } from "../../api/endpoints";
import type { EffectiveSetting, IntegrationDetail } from "../../api/types";
import { useLoad } from "../../api/useLoad";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorAlert } from "../../components/ErrorAlert";
import { defaultIntegration, IntegrationSelect } from "../../components/IntegrationSelect";
import { Loading } from "../../components/Loading";
import { combine, Page } from "../../components/Page";
import { StatusBadge } from "../../components/StatusBadge";
import { ConfigForm } from "./ConfigForm";
import { ConfigHistory } from "./ConfigHistory";

const SETTING_COLUMNS: Column<EffectiveSetting>[] = [
  { header: "Setting", render: (s) => <code>{s.setting}</code> },
  { header: "Value", render: (s) => s.text },
  { header: "Source", render: (s) => s.source },
];

function Overview({ detail }: { detail: IntegrationDetail }) {
  const credentials = Object.entries(detail.config.credentials);
  return (
    <section aria-labelledby="config-overview">
      <h2 id="config-overview">{detail.title}</h2>
      <p>{detail.summary}</p>
      <p>
        {detail.config.enabled ? <StatusBadge status="healthy" label="enabled" /> : <StatusBadge status="disabled" />}{" "}
        {detail.config.mode === "mock" ? <StatusBadge status="mock" label="mock mode" /> : "live"} · version{" "}
        {detail.config.version}, by {detail.config.updated_by}
      </p>
      <p>
        Credentials:{" "}
        {credentials.length ? credentials.map(([key, state]) => `${key} ${state}`).join(", ") : "none needed"}
        {" "}(set them with <code>integrations config set</code>; never shown here)
      </p>
    </section>
  );
}

export default function ConfigPage() {
  const [params, setParams] = useSearchParams();
  const integrations = useLoad(() => api.integrations(), []);
  const name = params.get("integration") || defaultIntegration(integrations.data?.items ?? []);
  const detail = useLoad(() => (name ? api.integration(name) : Promise.resolve(undefined)), [name]);
  const history = useLoad(() => (name ? api.configHistory(name) : Promise.resolve(undefined)), [name]);
  const state = integrations.data ? combine(detail.state, history.state) : integrations.state;

  return (
    <Page title="Integration Configuration" state={state}>
      {integrations.state === "error" ? <ErrorAlert error={integrations.error} /> : null}
      {integrations.data ? (
        <IntegrationSelect id="config-integration" integrations={integrations.data.items} value={name}
          onChange={(next) => setParams({ integration: next }, { replace: true })} />
      ) : null}
      {/* After a save the page re-reads in place; the loading line is for a page still empty. */}
      {state === "loading" && detail.data?.name !== name ? <Loading what="configuration" /> : null}
      {detail.state === "error" ? <ErrorAlert error={detail.error} integration={name} /> : null}
      {detail.data && detail.data.name === name && detail.state !== "error" ? (
        <>
          <Overview detail={detail.data} />
          {/* Keyed by name only: after a save the form keeps its values and its "Saved" note. */}
          <ConfigForm key={name} config={detail.data.config}
            onSaved={(config) => {
              detail.setData((current) => current && { ...current, config });
              detail.reload();
              history.reload();
            }} />
          <section aria-labelledby="effective-settings">
            <h2 id="effective-settings">Settings in effect</h2>
            {detail.data.call_settings?.note ? <p>{detail.data.call_settings.note}</p> : null}
            <DataTable caption={`Call settings of ${name} with their sources`} columns={SETTING_COLUMNS}
              rows={detail.data.call_settings?.settings ?? []} rowKey={(s) => s.setting}
              empty={`No call settings: ${name} has no client in this version`} />
          </section>
        </>
      ) : null}
      {history.state === "error" ? <ErrorAlert error={history.error} integration={name} /> : null}
      {history.state === "ready" && history.data ? <ConfigHistory name={name} changes={history.data.items} /> : null}
    </Page>
  );
}
