import { useSearchParams } from "react-router";
import { ApiError } from "../../api/client";
import { api } from "../../api/endpoints";
import { useLoad } from "../../api/useLoad";
import { ErrorAlert } from "../../components/ErrorAlert";
import { defaultIntegration, IntegrationSelect } from "../../components/IntegrationSelect";
import { Loading } from "../../components/Loading";
import { Page } from "../../components/Page";
import { ActionRunner } from "./ActionRunner";

export default function ActionsPage() {
  const [params, setParams] = useSearchParams();
  const integrations = useLoad(() => api.integrations(), []);
  const integration = params.get("integration") || defaultIntegration(integrations.data?.items ?? []);
  const actions = useLoad(async () => {
    if (!integration) return undefined;
    try {
      return (await api.actions(integration)).items;
    } catch (error) {
      // A connector that declares no operation (generic): an empty list, not a failure.
      if (error instanceof ApiError && error.code === "unknown_action") return [];
      throw error;
    }
  }, [integration]);
  const items = actions.data ?? [];
  const picked = items.find((a) => a.name === params.get("action")) ?? items[0];

  const select = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    if (key === "integration") next.delete("action");
    setParams(next, { replace: true });
  };
  const state = integrations.state === "error" ? "error" : integrations.data ? actions.state : "loading";
  return (
    <Page title="Actions" state={state}>
      {integrations.state === "error" ? <ErrorAlert error={integrations.error} /> : null}
      {integrations.data ? (
        <div className="filters">
          <IntegrationSelect id="actions-integration" integrations={integrations.data.items} value={integration}
            onChange={(name) => select("integration", name)} />
          {actions.state === "ready" && items.length ? (
            <div className="field">
              <label htmlFor="actions-action">Action</label>
              <select id="actions-action" name="action" value={picked?.name} onChange={(e) => select("action", e.target.value)}>
                {items.map((a) => <option key={a.name} value={a.name}>{a.name}{a.writes ? " (writes)" : ""}</option>)}
              </select>
            </div>
          ) : null}
        </div>
      ) : null}
      {state === "loading" ? <Loading what="actions" /> : null}
      {actions.state === "error" ? <ErrorAlert error={actions.error} integration={integration} /> : null}
      {actions.state === "ready" && items.length === 0 ? <p className="empty">No actions declared by {integration} yet.</p> : null}
      {actions.state === "ready" && picked ? (
        <ActionRunner key={`${integration}:${picked.name}`} integration={integration} spec={picked} />
      ) : null}
    </Page>
  );
}
