import { lazy, Suspense, useEffect, useState } from "react";
import { HashRouter, Navigate, Route, Routes } from "react-router";
import { onUnauthorized } from "./api/client";
import { SignIn } from "./auth/SignIn";
import { clearToken, readToken } from "./auth/token";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Loading";

// One chunk per page: the charts and the schema forms load only where they are used.
const HealthPage = lazy(() => import("./pages/health/HealthPage"));
const MetricsPage = lazy(() => import("./pages/metrics/MetricsPage"));
const ConfigPage = lazy(() => import("./pages/config/ConfigPage"));
const WebhooksPage = lazy(() => import("./pages/webhooks/WebhooksPage"));
const SyncsPage = lazy(() => import("./pages/syncs/SyncsPage"));
const CallsPage = lazy(() => import("./pages/calls/CallsPage"));
const CallDetailPage = lazy(() => import("./pages/calls/CallDetailPage"));
const ActionsPage = lazy(() => import("./pages/actions/ActionsPage"));

export function AppRoutes() {
  return (
    <Suspense
      fallback={
        <main id="main" tabIndex={-1} data-state="loading">
          <Loading what="page" />
        </main>
      }
    >
      <Routes>
        <Route path="/" element={<Navigate to="/health" replace />} />
        <Route path="/health" element={<HealthPage />} />
        <Route path="/metrics" element={<MetricsPage />} />
        <Route path="/config" element={<ConfigPage />} />
        <Route path="/webhooks" element={<WebhooksPage />} />
        <Route path="/syncs" element={<SyncsPage />} />
        <Route path="/calls" element={<CallsPage />} />
        <Route path="/calls/:traceId" element={<CallDetailPage />} />
        <Route path="/actions" element={<ActionsPage />} />
        <Route path="*" element={<Navigate to="/health" replace />} />
      </Routes>
    </Suspense>
  );
}

export function App() {
  const [signedIn, setSignedIn] = useState(() => readToken() !== null);
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(
    () =>
      onUnauthorized(() => {
        setNotice("The API refused the stored token; sign in again.");
        setSignedIn(false);
      }),
    [],
  );

  function signOut() {
    clearToken();
    setNotice("Signed out.");
    setSignedIn(false);
  }

  return (
    <HashRouter>
      {signedIn ? (
        <Layout onSignOut={signOut}>
          <AppRoutes />
        </Layout>
      ) : (
        <SignIn notice={notice} onSignedIn={() => setSignedIn(true)} />
      )}
    </HashRouter>
  );
}
