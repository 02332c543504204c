import type { ReactElement } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { MetricWindow } from "../../api/types";
import { tickLabel } from "./ranges";

const FIRST_SIZE = { width: 480, height: 220 };
// Colours distinguishable with the common colour-vision deficiencies (Okabe-Ito).
const COLOURS = { ok: "#009E73", bad: "#D55E00", p50: "#0072B2", p95: "#E69F00", p99: "#CC79A7" };

function Chart({ title, children }: { title: string; children: ReactElement }) {
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div className="chart-body">
        {/* The first size, until the container is measured (and the only one without ResizeObserver). */}
        <ResponsiveContainer width="100%" height="100%" initialDimension={FIRST_SIZE}>
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

export function MetricsCharts({ windows, range }: { windows: MetricWindow[]; range: string }) {
  const data = windows.map((window) => ({
    ...window,
    label: tickLabel(window.window_start, range),
    success_percent: window.success_rate === null ? null : Math.round(window.success_rate * 1000) / 10,
  }));
  const axis = <XAxis dataKey="label" minTickGap={24} />;
  return (
    <div className="charts">
      <Chart title="Calls: successes and failures">
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          {axis}
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar isAnimationActive={false} dataKey="successes" name="successes" stackId="calls" fill={COLOURS.ok} />
          <Bar isAnimationActive={false} dataKey="failures" name="failures" stackId="calls" fill={COLOURS.bad} />
        </BarChart>
      </Chart>
      <Chart title="Success rate (%)">
        <LineChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          {axis}
          <YAxis domain={[0, 100]} />
          <Tooltip />
          <Line isAnimationActive={false} type="monotone" dataKey="success_percent" name="success %" stroke={COLOURS.ok} dot={false} connectNulls />
        </LineChart>
      </Chart>
      <Chart title="Latency (ms): p50, p95, p99">
        <LineChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          {axis}
          <YAxis />
          <Tooltip />
          <Legend />
          <Line isAnimationActive={false} type="monotone" dataKey="p50_ms" name="p50" stroke={COLOURS.p50} dot={false} connectNulls />
          <Line isAnimationActive={false} type="monotone" dataKey="p95_ms" name="p95" stroke={COLOURS.p95} dot={false} connectNulls />
          <Line isAnimationActive={false} type="monotone" dataKey="p99_ms" name="p99" stroke={COLOURS.p99} dot={false} connectNulls />
        </LineChart>
      </Chart>
      <Chart title="Rate limits: our limiter's waits and vendor 429s">
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          {axis}
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar isAnimationActive={false} dataKey="rate_limit_waits" name="limiter waits" fill={COLOURS.p50} />
          <Bar isAnimationActive={false} dataKey="rate_limited" name="429 answers" fill={COLOURS.bad} />
        </BarChart>
      </Chart>
    </div>
  );
}
