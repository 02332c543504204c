import type { MouseEvent, ReactNode } from "react";
import { NavLink } from "react-router";

export const SECTIONS = [
  { to: "/health", label: "Health" },
  { to: "/metrics", label: "Metrics" },
  { to: "/config", label: "Configuration" },
  { to: "/webhooks", label: "Webhooks" },
  { to: "/syncs", label: "Syncs" },
  { to: "/calls", label: "Calls" },
  { to: "/actions", label: "Actions" },
] as const;

export function Layout({ onSignOut, children }: { onSignOut: () => void; children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header className="app-header">
        <span className="app-title">Integrations admin</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.to}>
                <NavLink to={section.to}>{section.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {children}
    </>
  );
}

// The router owns the URL fragment, so the skip link moves focus instead of navigating.
function skipToMain(event: MouseEvent) {
  event.preventDefault();
  document.getElementById("main")?.focus();
}
