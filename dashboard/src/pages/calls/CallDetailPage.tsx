import { Link, useParams, useSearchParams } from "react-router";
import { ApiError } from "../../api/client";
import { api } from "../../api/endpoints";
import type { CallDetail as Call } from "../../api/types";
import { useLoad } from "../../api/useLoad";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { Page } from "../../components/Page";
import { CallDetail } from "./CallDetail";

/** The calls under a trace id: of one integration, or (no integration given) of every one. */
async function findTrace(traceId: string, integration: string | null): Promise<Call[]> {
  if (integration) return (await api.trace(integration, traceId)).items;
  const names = (await api.integrations()).items.map((item) => item.name);
  const answers = await Promise.allSettled(names.map((name) => api.trace(name, traceId)));
  const found = answers.flatMap((answer) => (answer.status === "fulfilled" ? answer.value.items : []));
  const failed = answers.find((a) => a.status === "rejected" && !(a.reason instanceof ApiError && a.reason.status === 404));
  if (found.length === 0 && failed?.status === "rejected") throw failed.reason;
  return found;
}

export default function CallDetailPage() {
  const { traceId = "" } = useParams();
  const [params] = useSearchParams();
  const integration = params.get("integration");
  const trace = useLoad(async () => {
    try {
      return await findTrace(traceId, integration);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && error.code === "not_found") return [];
      throw error;
    }
  }, [traceId, integration]);

  return (
    <Page title="Calls" state={trace.state}>
      <p>
        <Link to={integration ? `/calls?integration=${encodeURIComponent(integration)}` : "/calls"}>Back to the call log</Link>
      </p>
      <p>
        Trace <code>{traceId}</code>
        {integration ? <> of {integration}</> : " in every integration"}
      </p>
      {trace.state === "loading" ? <Loading what="the calls of this trace" /> : null}
      {trace.state === "error" ? <ErrorAlert error={trace.error} integration={integration} /> : null}
      {trace.state === "ready" && trace.data ? (
        trace.data.length === 0 ? (
          <p className="empty">
            No outbound call under this trace id yet{integration ? ` for ${integration}` : ""}. (A request that failed
            before calling a vendor leaves none; calls show up within a second of finishing.)
          </p>
        ) : (
          trace.data.map((call) => <CallDetail key={call.id} call={call} />)
        )
      ) : null}
    </Page>
  );
}
